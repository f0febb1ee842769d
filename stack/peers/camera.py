#!/usr/bin/python3
"""A real RTSP camera for the tests and the benchmark: GStreamer's RTSP server with x264 (or x265)
video, optionally AAC (or G.711) audio, optionally Digest (or Basic) authentication.

Prints "ready <port>" once it listens, one line per RTSP request it receives ("request OPTIONS",
"request GET_PARAMETER", ...) so that tests can see the client's keep-alives, and, when a stream
with --frames ends, how many frames each encoder made ("eos video 750", "eos audio 1292"): what
the camera sent, for the verdict on what the streamer wrote.
"""
import argparse
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


_say_lock = threading.Lock()


def say(line):
    """One whole line per write: GStreamer's streaming threads report end of stream while the main
    loop reports requests, and print() writes the text and its newline separately, so two threads
    could splice their lines ("request GET_PARAMETEReos audio 1292")."""
    with _say_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--path", default="/stream")
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=360)
    p.add_argument("--fps", type=int, default=25)
    p.add_argument("--kbps", type=int, default=800)
    p.add_argument("--keyint", type=int, default=50)
    p.add_argument("--frames", type=int, default=-1, help="video frames to send, then end the stream (-1: for ever)")
    p.add_argument("--audio", action="store_true", help="add AAC audio (44.1 kHz stereo)")
    p.add_argument("--pcmu", action="store_true", help="add G.711 mu-law audio (8 kHz mono) instead of AAC")
    p.add_argument("--h265", action="store_true", help="H.265 video (x265) instead of H.264")
    p.add_argument("--digest", default="", help="user:password; the camera then asks for Digest authentication")
    p.add_argument("--basic", default="", help="user:password; the camera then asks for Basic authentication")
    p.add_argument("--session-timeout", type=int, default=0, help="RTSP session timeout in seconds (0: the server's default)")
    p.add_argument("--shared", action="store_true", help="one encoder for every client")
    p.add_argument("--pattern", default="ball", help="videotestsrc pattern")
    p.add_argument("--bframes", type=int, default=0, help="H.264 Main profile with this many B-frames between references (0: Baseline, no B-frames)")
    p.add_argument("--cbr", action="store_true", help="constant bitrate with filler data (x264 nal-hrd=cbr), as many cameras send")
    a = p.parse_args()

    Gst.init(None)
    seconds = a.frames / a.fps if a.frames > 0 else -1
    source = (
        f"videotestsrc is-live=true pattern={a.pattern} num-buffers={a.frames} "
        f"! video/x-raw,width={a.width},height={a.height},framerate={a.fps}/1 "
    )
    if a.h265:
        video = source + (
            f"! x265enc name=venc tune=zerolatency speed-preset=ultrafast bitrate={a.kbps} key-int-max={a.keyint} "
            f"! rtph265pay name=pay0 pt=96"
        )
    else:
        # B-frames: zerolatency would turn them off, and a fixed pattern (no b-adapt) makes every
        # group of pictures reorder the same way, as a camera's encoder does.
        tuning = f"bframes={a.bframes} b-adapt=false " if a.bframes > 0 else "tune=zerolatency "
        video = source + (
            f"! x264enc name=venc {tuning}speed-preset=ultrafast bitrate={a.kbps} key-int-max={a.keyint} "
            f"{'vbv-buf-capacity=1000 option-string=nal-hrd=cbr ' if a.cbr else ''}"
            f"! video/x-h264,profile={'main' if a.bframes > 0 else 'baseline'} ! rtph264pay name=pay0 pt=96"
        )
    launch = video
    if a.pcmu:
        buffers = int(seconds * 8000 / 160) if seconds > 0 else -1
        launch += (
            f" audiotestsrc is-live=true wave=sine samplesperbuffer=160 num-buffers={buffers} "
            f"! audio/x-raw,rate=8000,channels=1 ! audioconvert ! mulawenc name=aenc ! rtppcmupay name=pay1"
        )
    elif a.audio:
        buffers = int(seconds * 44100 / 1024) if seconds > 0 else -1
        launch += (
            f" audiotestsrc is-live=true wave=sine samplesperbuffer=1024 num-buffers={buffers} "
            f"! audio/x-raw,rate=44100,channels=2 ! audioconvert ! avenc_aac name=aenc ! rtpmp4gpay name=pay1 pt=97"
        )

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(a.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(f"( {launch} )")
    factory.set_shared(a.shared)
    if a.digest or a.basic:
        user, password = (a.digest or a.basic).split(":", 1)
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "viewer")
        if a.digest:
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
            auth.add_digest(user, password, token)
        else:
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_role("viewer")
        permissions.add_permission_for_role("viewer", "media.factory.access", True)
        permissions.add_permission_for_role("viewer", "media.factory.construct", True)
        factory.set_permissions(permissions)
    server.get_mount_points().add_factory(a.path, factory)

    def count(element, kind):
        frames = [0]

        def probe(_pad, info):
            if info.type & Gst.PadProbeType.BUFFER:
                frames[0] += 1
            elif info.get_event().type == Gst.EventType.EOS:
                say(f"eos {kind} {frames[0]}")
            return Gst.PadProbeReturn.OK

        element.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER | Gst.PadProbeType.EVENT_DOWNSTREAM, probe)

    def on_media(_factory, media):
        bin_ = media.get_element()
        for name, kind in (("venc", "video"), ("aenc", "audio")):
            element = bin_.get_by_name(name)
            if element is not None:
                count(element, kind)

    factory.connect("media-configure", on_media)

    def on_client(_server, client):
        def log(name):
            def handler(_client, _ctx):
                say(f"request {name}")
            return handler
        for signal, name in (("options-request", "OPTIONS"), ("describe-request", "DESCRIBE"),
                             ("setup-request", "SETUP"), ("play-request", "PLAY"),
                             ("get-parameter-request", "GET_PARAMETER"), ("teardown-request", "TEARDOWN")):
            client.connect(signal, log(name))
        if a.session_timeout > 0:
            client.connect("new-session", lambda _c, session: session.set_timeout(a.session_timeout))
        client.connect("closed", lambda _c: say("client closed"))
        say("client connected")

    server.connect("client-connected", on_client)
    if server.attach(None) == 0:
        print("cannot listen", file=sys.stderr, flush=True)
        sys.exit(1)
    say(f"ready {server.get_bound_port()}")
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
