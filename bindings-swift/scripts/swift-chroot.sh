#!/bin/sh
# Swift toolchain for Linux hosts without Swift (Debian 12 has none): a Debian trixie chroot with `swiftlang`,
# built once and cached under /var/cache. Used by `cargo xtask swift` only when no `swift` is on PATH.
#
#   swift-chroot.sh ensure                  build the chroot if it is not there yet (idempotent, locked)
#   swift-chroot.sh run DIR CMD [ARGS...]   run CMD in DIR inside the chroot
#
# `run` works in a private mount namespace (unshare): it bind-mounts the directories listed in
# OSSDIRECT_SWIFT_BINDS (colon-separated absolute paths, at the same path inside) plus /dev, and mounts /proc
# (swift finds its runtime through /proc/self/exe). The mounts vanish with the namespace when CMD exits,
# even when it is killed, so nothing stays mounted on the host.
set -eu

ROOT=${OSSDIRECT_SWIFT_CHROOT:-/var/cache/ossdirect/swift-trixie}
PACKAGES="swiftlang libc6-dev libstdc++-14-dev ca-certificates"
STAMP="$ROOT/.ossdirect-ready"
STAMP_CONTENT="trixie $PACKAGES"

die() { echo "swift-chroot: $*" >&2; exit 1; }

need_root() {
    [ "$(id -u)" = 0 ] || die "building or entering the Swift chroot needs root (debootstrap, chroot, mount).
Install Swift 6 yourself (https://www.swift.org/install/linux/) and put \`swift\` on PATH, or run as root."
}

ensure() {
    if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_CONTENT" ]; then return 0; fi
    need_root
    mkdir -p "$(dirname "$ROOT")"
    exec 9>"$ROOT.lock"
    flock 9
    if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_CONTENT" ]; then return 0; fi
    if ! command -v debootstrap >/dev/null 2>&1; then
        echo "swift-chroot: installing debootstrap" >&2
        apt-get install -y debootstrap >&2 || { apt-get update >&2 && apt-get install -y debootstrap >&2; } \
            || die "cannot install debootstrap (apt-get failed)"
    fi
    MIRROR=${OSSDIRECT_DEBIAN_MIRROR:-}
    if [ -z "$MIRROR" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
        MIRROR=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources | head -1)
    fi
    MIRROR=${MIRROR:-http://deb.debian.org/debian}
    if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
        echo "swift-chroot: debootstrap trixie into $ROOT from $MIRROR (about 30 s)" >&2
        rm -rf "$ROOT"
        debootstrap --variant=minbase trixie "$ROOT" "$MIRROR" >&2 \
            || { rm -rf "$ROOT"; die "debootstrap failed (network? mirror $MIRROR)"; }
    fi
    echo "swift-chroot: installing $PACKAGES into the chroot (about 3 GB download, a minute or two)" >&2
    run_in / sh -c "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $PACKAGES && apt-get clean && ldconfig" >&2 \
        || die "apt-get install in the chroot failed"
    run_in / swift --version >&2 || die "swift does not run in the chroot"
    echo "$STAMP_CONTENT" >"$STAMP"
}

run_in() {
    dir=$1; shift
    need_root
    # Everything below happens in a new mount namespace that dies with the command.
    # (`run` replaces this script with it: signals reach the command directly.)
    ${RUN_EXEC:-} unshare --mount --propagation private /bin/sh -eu -c '
        root=$1; dir=$2; shift 2
        mount --bind /dev "$root/dev"
        mount -t proc proc "$root/proc"
        cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
        old_ifs=$IFS; IFS=:
        for p in ${OSSDIRECT_SWIFT_BINDS:-}; do
            [ -n "$p" ] && [ -d "$p" ] || continue
            mkdir -p "$root$p"
            mount --bind "$p" "$root$p"
        done
        IFS=$old_ifs
        exec chroot "$root" /usr/bin/env -u LD_LIBRARY_PATH HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$dir" "$@"
    ' sh "$ROOT" "$dir" "$@"
}

case "${1:-}" in
    ensure) ensure ;;
    run) shift; [ $# -ge 2 ] || die "usage: $0 run DIR CMD [ARGS...]"; ensure; RUN_EXEC=exec run_in "$@" ;;
    *) die "usage: $0 ensure | run DIR CMD [ARGS...]" ;;
esac
