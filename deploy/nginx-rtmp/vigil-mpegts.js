// Continuous MPEG-TS over HTTP for nginx-rtmp (njs 0.7.9, ngx_http_js_module).
//
// nginx-rtmp writes each live stream as HLS: a playlist (NAME/index.m3u8 under the location's
// root, hls_nested on) and numbered fragments (N.ts) that are themselves MPEG-TS. Sent one after
// another, those fragments are one continuous MPEG-TS, which a set-top box or VLC plays from a
// single URL. stream() (js_content of /NAME/mpegts) starts at the newest fragments, then polls the
// playlist every POLL_MS and sends each new fragment once nginx-rtmp has listed it (it lists only
// finished ones), until the client goes away or the stream ends: its playlist gone, or no new
// fragment for STALE_MS.
//
// The worker is never blocked for long: a poll reads one small playlist and the few fragments
// (about a second of video each) that are new, with fs, then waits with setTimeout. A failed send
// (the client has gone) stops the polling, so no timer outlives the request, and everything the
// request's script allocated goes with the request.
//
// njs 0.7 has no garbage collector and r.send takes no Buffer: every byte sent is a byte string
// that stays allocated until the request ends. A response therefore finishes after
// $mpegts_max_mb megabytes (set in the location; 128 if unset), which bounds what one viewer
// holds in the worker; the player reconnects for more.

import fs from 'fs';

const POLL_MS = 500;          // how often the playlist is read
const START_FRAGMENTS = 2;    // how many of the newest fragments a client gets at once
const STALE_MS = 10000;       // the stream has ended when no new fragment came for this long
const CHUNK = 65536;          // bytes read and sent at a time
const TAIL = 2048;            // bytes read from the end of the playlist

// The numbers of the fragments the playlist's last TAIL bytes list, in order; null when there is
// no playlist. The playlist is as long as hls_playlist_length (an hour, say) but new fragments are
// at its end, so only that is read, into a Buffer the request reuses, and scanned byte by byte: in
// njs 0.7 every string, array or regular expression match a poll made would stay allocated until
// the request ends.
function listed(path, buf) {
    let fd;
    try {
        fd = fs.openSync(path, 'r');
    } catch (e) {
        return null;
    }
    try {
        const size = fs.fstatSync(fd).size;
        const start = size > TAIL ? size - TAIL : 0;
        const length = fs.readSync(fd, buf, 0, size - start, start);
        return numbersIn(buf, length, start > 0);
    } catch (e) {
        return null;
    } finally {
        fs.closeSync(fd);
    }
}

// The lines "N.ts" of buf[0, length), the first one skipped when it may be cut.
function numbersIn(buf, length, cut) {
    const numbers = [];
    let i = 0;
    if (cut) {
        while (i < length && buf[i] != 10) {
            i++;
        }
        i++;
    }
    while (i < length) {
        let n = 0;
        let digits = 0;
        while (i < length && buf[i] >= 48 && buf[i] <= 57) {
            n = n * 10 + (buf[i] - 48);
            digits++;
            i++;
        }
        if (digits > 0 && i + 2 < length && buf[i] == 46 && buf[i + 1] == 116 && buf[i + 2] == 115 && (i + 3 == length || buf[i + 3] == 10)) {
            numbers.push(n);
        }
        while (i < length && buf[i] != 10) {
            i++;
        }
        i++;
    }
    return numbers;
}

function stream(r) {
    const name = r.uri.split('/')[1];
    if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(name)) {
        r.return(404);
        return;
    }
    const dir = r.variables.document_root + '/' + name;
    const playlist = dir + '/index.m3u8';
    const chunk = Buffer.alloc(CHUNK);
    const first = listed(playlist, chunk);
    if (first === null || first.length == 0) {
        r.return(404);
        return;
    }
    const maxBytes = (parseInt(r.variables.mpegts_max_mb, 10) || 128) * 1048576;

    r.status = 200;
    r.headersOut['Content-Type'] = 'video/mp2t';
    r.headersOut['Cache-Control'] = 'no-cache';
    r.sendHeader();

    let last = -1;            // number of the last fragment sent
    let lastNewAt = Date.now();
    let sent = 0;
    let done = false;

    function finish() {
        done = true;
        try { r.finish(); } catch (e) { /* the client has gone */ }
    }

    // Sends one fragment in chunks; false once the client has gone.
    function sendFile(path) {
        let fd;
        try {
            fd = fs.openSync(path, 'r');
        } catch (e) {
            return true; // removed by nginx-rtmp's cleanup in between: the next one follows
        }
        try {
            while (true) {
                const n = fs.readSync(fd, chunk, 0, CHUNK, null);
                if (n <= 0) {
                    return true;
                }
                // String.bytesFrom copies the whole Buffer it is given, so a short read gets its own.
                let bytes;
                if (n == CHUNK) {
                    bytes = String.bytesFrom(chunk);
                } else {
                    const rest = Buffer.alloc(n);
                    chunk.copy(rest, 0, 0, n);
                    bytes = String.bytesFrom(rest);
                }
                try {
                    r.send(bytes);
                } catch (e) {
                    return false;
                }
                sent += n;
            }
        } finally {
            fs.closeSync(fd);
        }
    }

    // Sends the listed fragments newer than the last one sent; false once the client has gone.
    function sendNew(numbers, atStart) {
        if (numbers.length > 0 && numbers[numbers.length - 1] < last) {
            last = -1;        // the camera published again and the numbering started over
            atStart = true;
        }
        let i = atStart ? Math.max(0, numbers.length - START_FRAGMENTS) : 0;
        while (i < numbers.length && numbers[i] <= last) {
            i++;
        }
        for (; i < numbers.length; i++) {
            if (!sendFile(dir + '/' + numbers[i] + '.ts')) {
                return false;
            }
            last = numbers[i];
            lastNewAt = Date.now();
        }
        return true;
    }

    function poll() {
        if (done) {
            return;
        }
        const numbers = listed(playlist, chunk);
        if (numbers === null || Date.now() - lastNewAt > STALE_MS || sent >= maxBytes) {
            finish();
            return;
        }
        if (!sendNew(numbers, false)) {
            done = true;
            return;
        }
        setTimeout(poll, POLL_MS);
    }

    if (!sendNew(first, true)) {
        done = true;
        return;
    }
    setTimeout(poll, POLL_MS);
}

export default { stream };
