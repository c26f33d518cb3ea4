#!/usr/bin/env bash
# The box image's own pieces, checked here without building the image (image/build.sh and
# image/boot-test.sh do that, as their own commands): the first-boot grow of the data partition on a
# real loop device, the units, fstab's read-only root, and the scripts' syntax.
# Ends with "image: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
scripts/ensure-packages.sh fdisk e2fsprogs util-linux >/dev/null
pass=0; fail=0
check() { local name=$1; shift; if "$@" >/tmp/onair-image-check.log 2>&1; then pass=$((pass+1)); echo "ok - $name"; else fail=$((fail+1)); echo "not ok - $name"; sed 's/^/    /' /tmp/onair-image-check.log | tail -20; fi; }
r=image/rootfs
check "image scripts parse" bash -c "for f in image/*.sh $r/usr/lib/onair-grow-data; do bash -n \$f || exit 1; done"
check "fstab: read-only root, writable data partition at /var/lib/onair, logs in RAM" bash -c "
  awk '\$2==\"/\" && \$4 ~ /(^|,)ro(,|\$)/ {ok++} \$2==\"/var/lib/onair\" && \$4 ~ /(^|,)rw(,|\$)/ {ok++} \$2==\"/var/log\" && \$3==\"tmpfs\" {ok++} END {exit ok==3?0:1}' $r/etc/fstab"
check "journald keeps logs in memory" grep -qx 'Storage=volatile' $r/etc/systemd/journald.conf.d/onair.conf
check "systemd-analyze verify accepts the first-boot unit" bash -c "
  out=\$(systemd-analyze verify $r/etc/systemd/system/onair-grow-data.service 2>&1 | grep -v 'onair-grow-data is not executable' || true)
  [ -z \"\$out\" ] || { echo \"\$out\"; exit 1; }"
check "onaird waits for the data partition in the image" grep -qx 'RequiresMountsFor=/var/lib/onair' $r/etc/systemd/system/onaird.service.d/image.conf
check "the grow runs before the data partition is mounted" grep -q '^Before=var-lib-onair.mount' $r/etc/systemd/system/onair-grow-data.service

# The first-boot grow on a real loop device: a 3-partition card whose last partition is small.
card=""; loopdev=""; mnt=""
cleanup() { [ -n "$mnt" ] && umount "$mnt" 2>/dev/null; [ -n "$loopdev" ] && losetup -d "$loopdev" 2>/dev/null; rm -rf "$card" "$mnt"; }
trap cleanup EXIT
grow() {
  card=$(mktemp /var/tmp/onair-card.XXXXXX); mnt=$(mktemp -d)
  truncate -s 96M "$card"
  printf 'label: dos\nstart=1MiB, size=8MiB, type=c\nstart=9MiB, size=8MiB, type=83\nstart=17MiB, size=16MiB, type=83\n' | sfdisk -q "$card"
  loopdev=$(losetup -fP --show "$card")
  partx -a "$loopdev" 2>/dev/null || true
  [ -b "${loopdev}p3" ] || { echo "no partition nodes for $loopdev"; return 1; }
  mkfs.ext4 -q -L onair-data "${loopdev}p3"
  mount "${loopdev}p3" "$mnt" && echo keep > "$mnt/onair.toml" && umount "$mnt"
  local before after
  before=$(dumpe2fs -h "${loopdev}p3" 2>/dev/null | awk -F: '/^Block count/{print $2+0}')
  sh $r/usr/lib/onair-grow-data "${loopdev}p3"
  after=$(dumpe2fs -h "${loopdev}p3" 2>/dev/null | awk -F: '/^Block count/{print $2+0}')
  echo "data file system: $before → $after blocks"
  [ "$after" -gt $((before * 4)) ] || return 1
  sfdisk -l "$loopdev" | grep -E "${loopdev}p3 .* 79M " || { sfdisk -l "$loopdev"; return 1; }
  # Already at the end of the card: a second run (every later boot) changes nothing.
  sh $r/usr/lib/onair-grow-data "${loopdev}p3" | grep -q growing && return 1
  [ "$(dumpe2fs -h "${loopdev}p3" 2>/dev/null | awk -F: '/^Block count/{print $2+0}')" = "$after" ] || return 1
  mount "${loopdev}p3" "$mnt" && [ "$(cat "$mnt/onair.toml")" = keep ] && umount "$mnt"
}
if losetup -f >/dev/null 2>&1; then
  check "first boot grows the data partition and its file system to the end of the card, keeping the data" grow
else
  echo "skip - first-boot grow: no loop devices on this machine"
fi
rm -f /tmp/onair-image-check.log
echo "image: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
