#!/bin/sh
# Installs vigil-agent from this package onto a camera (or into a firmware image with --prefix):
# copies the binary, writes the config if there is none, installs the init script for the init
# system it finds (systemd, SysV or busybox init), enables it and starts the agent.
# POSIX sh: runs under busybox ash as well as dash and bash.
#
#   install.sh --relay HOST:PORT [--relay HOST:PORT]... --relay-key KEY [options]
#   install.sh --uninstall [--purge] [--prefix DIR]
set -eu

usage() {
    cat <<'USAGE'
usage: install.sh --relay HOST:PORT --relay-key KEY [options]
       install.sh --uninstall [--purge] [--prefix DIR]

  --relay HOST:PORT    a relay to dial; repeat for more, in order of preference
  --relay-key KEY      the relays' public key (base64 or hex), pinned in the config
  --serial S           the camera's serial     --model M    its model
  --firmware F         its firmware version    --camera C   the camera record's name
  --camera-url URL     the camera's own rtsp:// as the agent reaches it (streamed when the
                       service names no source, as for a camera an end user claims)
  --enroll-token T     a one-time enrollment token from the portal
  --tunnel-ports LIST  local ports a tunnel may reach, e.g. 80,554
  --release-key KEY    the public key that signs agent releases (base64), for updates
  --state-dir DIR      where the identity key is kept (default /var/lib/vigil-agent)
  --prefix DIR         install into a root other than / (a firmware image): nothing is started
  --init KIND          systemd, sysv, busybox or none (default: detected)
  --force              replace an existing /etc/vigil/agent.conf
  --no-start           install and enable, but do not start now
  --uninstall          stop, disable and remove the agent; keeps the config and the identity
  --purge              with --uninstall: also remove the config and the state directory
USAGE
}

die() {
    echo "install.sh: $*" >&2
    exit 1
}

HERE=$(cd "$(dirname "$0")" && pwd)
ACTION=install
PREFIX=/
RELAYS=
RELAY_KEY=
SERIAL=
MODEL=
FIRMWARE=
CAMERA=
CAMERA_URL=
ENROLL_TOKEN=
TUNNEL_PORTS=
RELEASE_KEY=
STATE_DIR=/var/lib/vigil-agent
INIT=auto
FORCE=0
START=1
PURGE=0

need_value() {
    [ $# -ge 2 ] || die "$1 needs a value"
    case "$2" in
        *'
'*) die "$1: the value must be one line" ;;
    esac
}

while [ $# -gt 0 ]; do
    case "$1" in
        --relay) need_value "$@"; RELAYS="$RELAYS $2"; shift 2 ;;
        --relay-key) need_value "$@"; RELAY_KEY=$2; shift 2 ;;
        --serial) need_value "$@"; SERIAL=$2; shift 2 ;;
        --model) need_value "$@"; MODEL=$2; shift 2 ;;
        --firmware) need_value "$@"; FIRMWARE=$2; shift 2 ;;
        --camera) need_value "$@"; CAMERA=$2; shift 2 ;;
        --camera-url) need_value "$@"; CAMERA_URL=$2; shift 2 ;;
        --enroll-token) need_value "$@"; ENROLL_TOKEN=$2; shift 2 ;;
        --tunnel-ports) need_value "$@"; TUNNEL_PORTS=$2; shift 2 ;;
        --release-key) need_value "$@"; RELEASE_KEY=$2; shift 2 ;;
        --state-dir) need_value "$@"; STATE_DIR=$2; shift 2 ;;
        --prefix) need_value "$@"; PREFIX=$2; shift 2 ;;
        --init) need_value "$@"; INIT=$2; shift 2 ;;
        --force) FORCE=1; shift ;;
        --no-start) START=0; shift ;;
        --uninstall) ACTION=uninstall; shift ;;
        --purge) PURGE=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option '$1'" ;;
    esac
done

case "$STATE_DIR" in
    *[!A-Za-z0-9/._-]*) die "--state-dir: only letters, digits and / . _ - please" ;;
    /*) ;;
    *) die "--state-dir must be an absolute path" ;;
esac
# Paths as the camera sees them, and where they are written (under --prefix).
ROOT=${PREFIX%/}
BIN=/usr/bin/vigil-agent
LAUNCHER=/usr/lib/vigil-agent/launch
CONFIG=/etc/vigil/agent.conf
SYSTEMD_UNIT=/etc/systemd/system/vigil-agent.service
SYSV_SCRIPT=/etc/init.d/vigil-agent
BUSYBOX_SCRIPT=/etc/init.d/S50vigil-agent
LIVE=0
[ -z "$ROOT" ] && LIVE=1

detect_init() {
    if [ "$LIVE" = 1 ] && [ -d /run/systemd/system ]; then
        echo systemd
    elif [ "$LIVE" = 0 ] && [ -d "$ROOT/etc/systemd/system" ] && [ -e "$ROOT/lib/systemd/systemd" ]; then
        echo systemd
    elif [ -f "$ROOT/etc/init.d/rcS" ] && grep -qs 'S??\*\|S\[0-9\]' "$ROOT/etc/init.d/rcS"; then
        # busybox init runs /etc/init.d/rcS, which on camera firmware starts the S??* scripts in order.
        echo busybox
    elif [ -d "$ROOT/etc/init.d" ]; then
        echo sysv
    else
        echo none
    fi
}

# Copies a file into place through a temporary name, so that a running agent or a power cut never
# sees half of it.
put() { # source destination mode
    mkdir -p "$(dirname "$2")"
    cp "$1" "$2.new.$$"
    chmod "$3" "$2.new.$$"
    mv -f "$2.new.$$" "$2"
}

# The shipped init files name the default paths; rewrite them where the installation differs.
put_init() { # source destination mode
    mkdir -p "$(dirname "$2")"
    sed -e "s#/var/lib/vigil-agent#$STATE_DIR#g" "$1" >"$2.tmp.$$" || die "cannot write $2"
    put "$2.tmp.$$" "$2" "$3"
    rm -f "$2.tmp.$$"
}

write_config() {
    if [ -e "$ROOT$CONFIG" ] && [ "$FORCE" = 0 ]; then
        echo "keeping the existing $CONFIG (--force replaces it)"
        return
    fi
    [ -n "$RELAYS" ] || die "--relay HOST:PORT is required (no $CONFIG yet)"
    [ -n "$RELAY_KEY" ] || die "--relay-key KEY is required (no $CONFIG yet)"
    for relay in $RELAYS; do
        case "$relay" in
            *:[0-9]*) ;;
            *) die "--relay $relay: expected HOST:PORT" ;;
        esac
    done
    case "$RELAY_KEY" in
        *[!A-Za-z0-9+/=]*) die "--relay-key: expected base64 or hex" ;;
    esac
    case "$RELEASE_KEY" in
        *[!A-Za-z0-9+/=]*) die "--release-key: expected base64 or hex" ;;
    esac
    mkdir -p "$ROOT/etc/vigil"
    tmp="$ROOT$CONFIG.new.$$"
    (
        umask 077
        echo "# Written by install.sh; see agent.conf.sample in the package for every setting."
        for relay in $RELAYS; do
            echo "relay = $relay"
        done
        echo "relay_key = $RELAY_KEY"
        echo "state_dir = $STATE_DIR"
        [ -n "$SERIAL" ] && echo "serial = $SERIAL"
        [ -n "$MODEL" ] && echo "model = $MODEL"
        [ -n "$FIRMWARE" ] && echo "firmware = $FIRMWARE"
        [ -n "$CAMERA" ] && echo "camera = $CAMERA"
        [ -n "$CAMERA_URL" ] && echo "camera_url = $CAMERA_URL"
        [ -n "$ENROLL_TOKEN" ] && echo "enroll_token = $ENROLL_TOKEN"
        [ -n "$TUNNEL_PORTS" ] && echo "tunnel_ports = $TUNNEL_PORTS"
        [ -n "$RELEASE_KEY" ] && echo "release_key = $RELEASE_KEY"
        true
    ) >"$tmp"
    chmod 600 "$tmp"
    mv -f "$tmp" "$ROOT$CONFIG"
    echo "wrote $CONFIG"
}

enable_sysv() {
    if [ "$LIVE" = 1 ] && command -v update-rc.d >/dev/null 2>&1; then
        update-rc.d vigil-agent defaults >/dev/null
    elif [ "$LIVE" = 1 ] && command -v chkconfig >/dev/null 2>&1; then
        chkconfig --add vigil-agent
    else
        for level in 2 3 4 5; do
            mkdir -p "$ROOT/etc/rc$level.d"
            ln -sf ../init.d/vigil-agent "$ROOT/etc/rc$level.d/S50vigil-agent"
        done
        for level in 0 1 6; do
            mkdir -p "$ROOT/etc/rc$level.d"
            ln -sf ../init.d/vigil-agent "$ROOT/etc/rc$level.d/K50vigil-agent"
        done
    fi
}

disable_sysv() {
    if [ "$LIVE" = 1 ] && command -v update-rc.d >/dev/null 2>&1; then
        update-rc.d -f vigil-agent remove >/dev/null 2>&1 || true
    elif [ "$LIVE" = 1 ] && command -v chkconfig >/dev/null 2>&1; then
        chkconfig --del vigil-agent 2>/dev/null || true
    fi
    rm -f "$ROOT"/etc/rc[0-6].d/[SK]50vigil-agent
}

# Runs the start command on a live system unless --no-start; a failed start fails the install.
start_now() {
    if [ "$LIVE" = 1 ] && [ "$START" = 1 ]; then
        "$@"
    fi
}

install_agent() {
    [ -f "$HERE/vigil-agent" ] || die "no vigil-agent binary next to install.sh"
    [ "$INIT" = auto ] && INIT=$(detect_init)
    put "$HERE/vigil-agent" "$ROOT$BIN" 755
    # What every init script starts: the current release's binary or this one, with updates' trial and rollback.
    put_init "$HERE/init/vigil-agent-launch" "$ROOT$LAUNCHER" 755
    echo "installed $BIN and $LAUNCHER"
    write_config
    # The agent makes the directory itself, but systemd's ReadWritePaths needs it to exist first.
    mkdir -p "$ROOT$STATE_DIR"
    chmod 700 "$ROOT$STATE_DIR"
    case "$INIT" in
        systemd)
            put_init "$HERE/init/vigil-agent.service" "$ROOT$SYSTEMD_UNIT" 644
            if [ "$LIVE" = 1 ]; then
                systemctl daemon-reload
                systemctl enable vigil-agent.service
                start_now systemctl restart vigil-agent.service
            else
                mkdir -p "$ROOT/etc/systemd/system/multi-user.target.wants"
                ln -sf "$SYSTEMD_UNIT" "$ROOT/etc/systemd/system/multi-user.target.wants/vigil-agent.service"
            fi
            ;;
        sysv)
            put_init "$HERE/init/vigil-agent.sysv" "$ROOT$SYSV_SCRIPT" 755
            enable_sysv
            start_now "$SYSV_SCRIPT" restart
            ;;
        busybox)
            # Being in /etc/init.d as S50... is what enables it: rcS starts the S??* scripts at boot.
            put_init "$HERE/init/S50vigil-agent" "$ROOT$BUSYBOX_SCRIPT" 755
            start_now "$BUSYBOX_SCRIPT" restart
            ;;
        none)
            echo "no init system found: start it with '$LAUNCHER run' (updates included) or '$BIN run --config $CONFIG'"
            ;;
        *) die "--init $INIT: expected systemd, sysv, busybox or none" ;;
    esac
    echo "vigil-agent installed (init: $INIT)"
    if [ "$LIVE" = 0 ]; then
        echo "installed into $PREFIX; it starts at the image's first boot"
    fi
}

uninstall_agent() {
    # Whatever init files are there, stop through them and remove them.
    if [ -f "$ROOT$SYSTEMD_UNIT" ]; then
        if [ "$LIVE" = 1 ] && command -v systemctl >/dev/null 2>&1; then
            systemctl disable --now vigil-agent.service || true
        fi
        rm -f "$ROOT$SYSTEMD_UNIT" "$ROOT/etc/systemd/system/multi-user.target.wants/vigil-agent.service"
        if [ "$LIVE" = 1 ] && command -v systemctl >/dev/null 2>&1; then
            systemctl daemon-reload
        fi
    fi
    for script in "$SYSV_SCRIPT" "$BUSYBOX_SCRIPT"; do
        if [ -f "$ROOT$script" ]; then
            if [ "$LIVE" = 1 ]; then
                "$script" stop || true
            fi
            rm -f "$ROOT$script"
        fi
    done
    disable_sysv
    rm -f "$ROOT$BIN" "$ROOT$LAUNCHER"
    rmdir "$ROOT$(dirname "$LAUNCHER")" 2>/dev/null || true
    echo "removed vigil-agent"
    if [ "$PURGE" = 1 ]; then
        # The state directory is the one the config names, if it names one.
        if [ -f "$ROOT$CONFIG" ]; then
            configured=$(sed -n 's/^[[:space:]]*state_dir[[:space:]]*=[[:space:]]*//p' "$ROOT$CONFIG" | tail -n 1)
            if [ -n "$configured" ]; then
                STATE_DIR=$configured
            fi
        fi
        rm -rf "$ROOT$STATE_DIR"
        rm -f "$ROOT$CONFIG"
        rmdir "$ROOT/etc/vigil" 2>/dev/null || true
        echo "purged $CONFIG and $STATE_DIR (the device identity is gone)"
    else
        echo "kept $CONFIG and the identity in $STATE_DIR (--purge removes them)"
    fi
}

case "$ACTION" in
    install) install_agent ;;
    uninstall) uninstall_agent ;;
esac
