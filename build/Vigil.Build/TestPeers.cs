namespace Vigil.Build;

/// <summary>The real programs the tests talk to or run the agent under.</summary>
internal static class TestPeers
{
    /// <summary>Debian package and a file it installs, to tell whether it is there.</summary>
    private static readonly (string Package, string Probe)[] Packages =
    [
        ("tinyproxy", "/usr/bin/tinyproxy"),
        ("postgresql", "/usr/bin/pg_ctlcluster"),
        ("wrk", "/usr/bin/wrk"),
        // The scanner's tests build network namespaces, veth pairs, a bridge and a macvlan; a fault test cuts an agent's veth.
        ("iproute2", "/sbin/ip"),
        // Firmware tests: a busybox root like a camera's, the clock at 1970, low limits, read-only mounts.
        ("busybox-static", "/bin/busybox"),
        ("faketime", "/usr/bin/faketime"),
        ("util-linux", "/usr/bin/setpriv"),
        ("systemd", "/usr/bin/systemd-analyze"),
    ];

    /// <summary>The camera path's peers, which the demo runs too.</summary>
    public static readonly (string Package, string Probe)[] Media =
    [
        // The camera: GStreamer's RTSP server from Python, x264 and AAC encoders, RTP payloaders.
        ("python3-gi", "/usr/lib/python3/dist-packages/gi/__init__.py"),
        ("gir1.2-gst-rtsp-server-1.0", "/usr/share/doc/gir1.2-gst-rtsp-server-1.0/copyright"),
        ("gstreamer1.0-plugins-base", "/usr/share/doc/gstreamer1.0-plugins-base/copyright"),
        ("gstreamer1.0-plugins-good", "/usr/share/doc/gstreamer1.0-plugins-good/copyright"),
        ("gstreamer1.0-plugins-ugly", "/usr/share/doc/gstreamer1.0-plugins-ugly/copyright"),
        ("gstreamer1.0-libav", "/usr/share/doc/gstreamer1.0-libav/copyright"),
        // The streamers: nginx-rtmp writing HLS, ffmpeg taking an RTSP push; ffprobe for the verdict.
        ("nginx", "/usr/sbin/nginx"),
        ("libnginx-mod-rtmp", "/usr/lib/nginx/modules/ngx_rtmp_module.so"),
        // nginx's njs, which serves nginx-rtmp's streams as continuous MPEG-TS (deploy/nginx-rtmp).
        ("libnginx-mod-http-js", "/usr/lib/nginx/modules/ngx_http_js_module.so"),
        ("ffmpeg", "/usr/bin/ffprobe"),
        // The web portal's browser tests: Debian's Chromium, driven by playwright-core from portal-web.
        ("chromium", "/usr/bin/chromium"),
        // WebRTC live on the streamer node: Janus with its streaming plugin, and coturn for STUN and TURN.
        ("janus", "/usr/bin/janus"),
        ("coturn", "/usr/bin/turnserver"),
        // The NAT-ed WebRTC viewer: a router namespace that masquerades and filters with nftables.
        ("nftables", "/usr/sbin/nft"),
        // The archive's MP4 played, seeked and decoded by VLC, as viewers download it.
        ("vlc-bin", "/usr/bin/cvlc"),
        ("vlc-plugin-base", "/usr/share/doc/vlc-plugin-base/copyright"),
    ];

    public static void Ensure() => Apt.Ensure(Packages.Concat(Media).Concat(Toolchains.HostPackages()), "the tests");
}
