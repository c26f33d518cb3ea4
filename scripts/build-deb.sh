#!/usr/bin/env bash
# Builds the onair Debian package with dpkg-deb from a staged tree.
# Usage: scripts/build-deb.sh [BINARY] [ARCH]   (default: target/release/onaird, the host's arch)
# Prints the path of the .deb.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/onaird}
arch=${2:-$(dpkg --print-architecture)}
version=${ONAIR_DEB_VERSION:-$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)}
[ -x "$bin" ] || { echo "no binary at $bin (cargo build --release --bin onaird)" >&2; exit 1; }
out=target/deb; stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# Shipped without debug info, as dh_strip would (it is most of the binary's size); written
# stripped rather than copied and stripped, so a nearly full /tmp holds it.
mkdir -p "$stage/usr/bin"
if command -v strip >/dev/null; then strip --strip-debug -o "$stage/usr/bin/onaird" "$bin"; else cp "$bin" "$stage/usr/bin/onaird"; fi
chmod 0755 "$stage/usr/bin/onaird"
install -D -m 0644 packaging/onaird.service "$stage/lib/systemd/system/onaird.service"
install -D -m 0644 packaging/onair.toml "$stage/usr/share/onair/onair.toml"
install -D -m 0644 README.md "$stage/usr/share/doc/onair/README.md"
mkdir -p "$stage/DEBIAN"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$stage/DEBIAN/"
size=$(du -sk "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: onair
Version: $version
Architecture: $arch
Maintainer: onair <dev@onair.local>
Installed-Size: $size
Depends: libc6, adduser, libgstreamer1.0-0 (>= 1.22), libgstreamer-plugins-base1.0-0, libgstreamer-plugins-bad1.0-0, gstreamer1.0-plugins-base, gstreamer1.0-plugins-good, gstreamer1.0-plugins-bad, gstreamer1.0-plugins-ugly, gstreamer1.0-libav, gstreamer1.0-nice
Recommends: avahi-daemon
Section: video
Priority: optional
Homepage: https://onair.local/
Description: onair multistream box
 Takes one program feed from OBS and sends it to Twitch, YouTube, Facebook,
 TikTok, Instagram and any RTMP/RTMPS/SRT server at once, with a LAN
 dashboard, a status screen and physical buttons.
CONTROL
mkdir -p "$out"
deb="$out/onair_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$stage" "$deb" >/dev/null
echo "$deb"
