#!/usr/bin/env bash
# A Debian root of a newer suite (trixie, sid) with today's OBS and ffmpeg, for tests against the
# programs streamers run now (recipe: ../shared/notes/today-peers.md). Made with mmdebstrap when
# missing, cached under /var/cache/onair-test/<suite>-root and reused; /proc and /dev are mounted
# into it. Prints the root's path. Usage: scripts/debian-root.sh sid|trixie [--rebuild]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
suite="${1:?usage: debian-root.sh SUITE [--rebuild]}"
case "$suite" in trixie | sid) ;; *) echo "suite must be trixie or sid" >&2; exit 2 ;; esac
cache="${ONAIR_ROOT_CACHE:-/var/cache/onair-test}"
root="$cache/$suite-root"
mkdir -p "$cache"
exec 9>"$cache/$suite.lock"
flock 9
unmount() {
  for m in "$root/dev" "$root/proc"; do
    if mountpoint -q "$m"; then umount -l "$m"; fi
  done
}
if [ "${2:-}" = --rebuild ] || { [ -d "$root" ] && [ ! -f "$root/.onair-complete" ]; }; then
  unmount
  rm -rf --one-file-system "$root"
fi
if [ ! -f "$root/.onair-complete" ]; then
  "$here/ensure-packages.sh" mmdebstrap >&2
  started=$(date +%s)
  echo "making the $suite root in $root (once per machine)" >&2
  # No mirror named: mmdebstrap uses Debian's default, as apt does. sid's Release file is often
  # past its Valid-Until date.
  mmdebstrap --variant=apt --aptopt='Acquire::Check-Valid-Until "false"' \
    --include=obs-studio,xvfb,xauth,ffmpeg,ca-certificates,procps \
    "$suite" "$root" >&2
  touch "$root/.onair-complete"
  echo "$suite root made in $(($(date +%s) - started)) s" >&2
fi
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"
echo "$root"
