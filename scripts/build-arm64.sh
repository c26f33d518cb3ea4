#!/usr/bin/env bash
# Cross-compiles onaird for aarch64 (Raspberry Pi 4/5, Jetson) on an x86_64 Debian/Ubuntu machine.
# GStreamer's arm64 libraries come from Debian's own arm64 packages, unpacked into a sysroot with
# `apt-get download` + `dpkg -x` (installing arm64 -dev packages system-wide would drag in ~490
# packages and upgrade amd64 ones). Output: target/aarch64-unknown-linux-gnu/release/onaird
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh gcc-aarch64-linux-gnu libc6-dev-arm64-cross pkg-config
rustup target add aarch64-unknown-linux-gnu >/dev/null
sysroot=${ONAIR_ARM64_SYSROOT:-$PWD/target/sysroot-arm64}
if [ ! -f "$sysroot/.complete" ]; then
  dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
  apt-get update -qq
  pkgs="libgstreamer1.0-dev libgstreamer1.0-0 libgstreamer-plugins-base1.0-dev libgstreamer-plugins-base1.0-0
        libgstreamer-plugins-bad1.0-dev libgstreamer-plugins-bad1.0-0 libglib2.0-dev libglib2.0-0 libffi8 libpcre2-8-0
        libunwind8 libdw1 libelf1 zlib1g libzstd1 liblzma5 libbz2-1.0 libmount1 libblkid1 libselinux1 liborc-0.4-0
        libgudev-1.0-0 libudev1 libcap2 libssl-dev libssl3
        libpcre2-dev libpcre2-16-0 libpcre2-32-0 libpcre2-posix3 libffi-dev zlib1g-dev libmount-dev libblkid-dev
        libselinux1-dev libsepol-dev libsepol2 libunwind-dev libdw-dev libelf-dev liborc-0.4-dev libzstd-dev liblzma-dev
        libbz2-dev libgudev-1.0-dev libudev-dev libcap-dev libgstreamer-gl1.0-0 libdrm2 libgbm1 libegl1 libgles2
        libx11-6 libxcb1 libxau6 libxdmcp6 libbsd0 libmd0 libwayland-client0 libwayland-egl1 libwayland-cursor0 libglvnd0
        libgl1 libglx0 libglx-mesa0 libxext6 libexpat1 libsrt1.5-gnutls libgnutls30 libnice10 libpng16-16 libjpeg62-turbo
        libgraphene-1.0-0 libx11-xcb1 libxcb-randr0 libatomic1 libstdc++6 libgcc-s1"
  dl=$(mktemp -d)
  (cd "$dl" && for p in $pkgs; do apt-get download -qq "$p:arm64" || echo "warning: $p:arm64 not downloaded" >&2; done)
  mkdir -p "$sysroot"
  for d in "$dl"/*.deb; do dpkg -x "$d" "$sysroot"; done
  rm -rf "$dl"
  # Absolute symlinks in -dev packages must point inside the sysroot.
  find "$sysroot" -type l | while read -r l; do
    t=$(readlink "$l"); case "$t" in /*) ln -sf "$sysroot$t" "$l";; esac
  done
  touch "$sysroot/.complete"
fi
export PKG_CONFIG_ALLOW_CROSS=1
export PKG_CONFIG_SYSROOT_DIR="$sysroot"
export PKG_CONFIG_LIBDIR="$sysroot/usr/lib/aarch64-linux-gnu/pkgconfig:$sysroot/usr/share/pkgconfig"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export RUSTFLAGS="-C link-arg=--sysroot=$sysroot -C link-arg=-Wl,-rpath-link,$sysroot/usr/lib/aarch64-linux-gnu -C link-arg=-Wl,-rpath-link,$sysroot/lib/aarch64-linux-gnu -C link-arg=-L$sysroot/usr/lib/aarch64-linux-gnu"
[ -f web/package.json ] && scripts/build-web.sh >/dev/null
cargo build --release --locked --target aarch64-unknown-linux-gnu --bin onaird
echo "target/aarch64-unknown-linux-gnu/release/onaird"
