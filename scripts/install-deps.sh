#!/usr/bin/env bash
# System packages onair needs. Groups: run (build + run the box), test (the real peers the tests use).
# Usage: scripts/install-deps.sh [run|test]...   (default: run)
set -euo pipefail
here=$(dirname "$0")
groups=("${@:-run}")
pkgs=()
for g in "${groups[@]}"; do
  case "$g" in
    run) pkgs+=(pkg-config libssl-dev ca-certificates
           libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
           gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
           gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-nice) ;;
    test) pkgs+=(bc curl ffmpeg nginx-light libnginx-mod-rtmp socat openssl procps psmisc obs-studio xvfb xauth e2fsprogs mount iproute2 python3-aiosmtpd) ;;
    *) echo "unknown group $g" >&2; exit 2 ;;
  esac
done
"$here/ensure-packages.sh" "${pkgs[@]}"
# nginx is only a test peer: never leave the distro's default server running.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active -q nginx 2>/dev/null; then
  systemctl disable --now nginx >/dev/null 2>&1 || true
fi
