#!/usr/bin/env bash
# Builds a flashable Raspberry Pi 4 image (arm64) from Debian bookworm's own packages, with onair
# installed and enabled. Output: image/out/onair-rpi4-arm64.img (+ the kernel and initrd the boot test
# uses). Needs root (mmdebstrap in root mode, binfmt for arm64 maintainer scripts) and ~3 GB of disk.
#   image/build.sh            # builds the arm64 binary and package first when they are missing
# Layout: p1 FAT "ONAIR-BOOT" (firmware, kernel, config.txt), p2 ext4 "onair-root" mounted read-only,
# p3 ext4 "onair-data" at /var/lib/onair (the only place the box writes; grown to the card on first boot).
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir=$PWD
scripts/ensure-packages.sh mmdebstrap qemu-user-static binfmt-support mtools dosfstools e2fsprogs fdisk arch-test
# arm64 maintainer scripts run under qemu-user through binfmt_misc.
[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64
arch-test arm64 >/dev/null || { echo "arm64 binaries do not run here (binfmt_misc + qemu-user-static needed)" >&2; exit 1; }

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
deb=target/deb/onair_${version}_arm64.deb
bin=target/aarch64-unknown-linux-gnu/release/onaird
if [ ! -f "$deb" ] || [ "$bin" -nt "$deb" ] || [ -n "${ONAIR_REBUILD:-}" ]; then
  [ -x "$bin" ] && [ -z "${ONAIR_REBUILD:-}" ] || scripts/build-arm64.sh
  scripts/build-deb.sh "$bin" arm64 >/dev/null
fi
mirror=${ONAIR_DEBIAN_MIRROR:-http://deb.debian.org/debian}
out=image/out
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/onair-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs

# The Debian base: what a headless appliance needs plus the package's own dependencies (GStreamer).
# It is cached in image/out/ by its package list, so a new onaird costs a minute, not a bootstrap.
deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/ //g' | grep -v '^$' | paste -sd, -)
pkgs="systemd-sysv,udev,kmod,systemd-resolved,systemd-timesyncd,iproute2,ca-certificates,fdisk,e2fsprogs,initramfs-tools,linux-image-arm64,raspi-firmware,firmware-brcm80211,$deps"
key=$(printf '%s\n' "$pkgs" "$mirror" | sha256sum | cut -c1-16)
base=$out/base-$key.tar
if [ ! -f "$base" ]; then
  rm -f "$out"/base-*.tar
  echo "mmdebstrap: Debian bookworm arm64 base (downloads ~400 MB; ~20 minutes under qemu-user)" >&2
  mmdebstrap --mode=root --arch=arm64 --variant=minbase \
    --components="main non-free-firmware" \
    --aptopt='Acquire::Check-Valid-Until "false"' \
    --include="$pkgs" \
    --setup-hook='mkdir -p "$1/boot/firmware"' \
    bookworm "$out/base-new.tar" "deb $mirror bookworm main non-free-firmware" "deb $mirror bookworm-updates main non-free-firmware" \
    "deb ${mirror%/debian}/debian-security bookworm-security main non-free-firmware"
  mv "$out/base-new.tar" "$base"
fi
mkdir -p "$rootfs"
tar -C "$rootfs" -xpf "$base"

# onair itself, its maintainer scripts run under qemu-user (the system user, the data dir), then the
# appliance's own settings.
unmount() { for fs in proc sys dev; do mountpoint -q "$rootfs/$fs" && umount -l "$rootfs/$fs"; done; return 0; }
trap 'unmount; rm -rf "$work"' EXIT
for fs in proc sys dev; do mount --bind "/$fs" "$rootfs/$fs"; done
cp "$deb" "$rootfs/tmp/onair.deb"
chroot "$rootfs" dpkg -i /tmp/onair.deb >&2
rm -f "$rootfs/tmp/onair.deb"
image/customize.sh "$rootfs"
unmount

# The kernel and initrd for the boot test (the Pi boots them from the FAT partition).
cp -L "$rootfs"/boot/vmlinuz-* "$out/vmlinuz"
cp -L "$rootfs"/boot/initrd.img-* "$out/initrd.img"

# Split the tree into its three partitions without loop devices (works in containers).
mkdir -p "$work/boot" "$work/data"
cp -a "$rootfs/boot/firmware/." "$work/boot/"
find "$rootfs/boot/firmware" -mindepth 1 -delete
cp -a "$rootfs/var/lib/onair/." "$work/data/"
chown --reference="$rootfs/var/lib/onair" "$work/data"; chmod --reference="$rootfs/var/lib/onair" "$work/data"
find "$rootfs/var/lib/onair" -mindepth 1 -delete

boot_mb=256; data_mb=256
root_mb=$(( $(du -sm "$rootfs" | cut -f1) * 13 / 10 + 200 ))
mkfs.vfat -F 32 -n ONAIR-BOOT -C "$work/boot.img" $((boot_mb * 1024)) >/dev/null
mcopy -s -i "$work/boot.img" "$work/boot/"* ::
mkfs.ext4 -q -F -L onair-root -d "$rootfs" "$work/root.img" "${root_mb}M"
mkfs.ext4 -q -F -L onair-data -E root_owner="$(stat -c %u:%g "$rootfs/var/lib/onair")" -d "$work/data" "$work/data.img" "${data_mb}M"

img=$out/onair-rpi4-arm64.img
rm -f "$img"
start=8   # MiB: room for the partition table, aligned for SD cards
total=$((start + boot_mb + root_mb + data_mb + 1))
truncate -s "${total}M" "$img"
sfdisk -q "$img" <<PARTS
label: dos
start=${start}MiB, size=${boot_mb}MiB, type=c, bootable
start=$((start + boot_mb))MiB, size=${root_mb}MiB, type=83
start=$((start + boot_mb + root_mb))MiB, size=${data_mb}MiB, type=83
PARTS
dd if="$work/boot.img" of="$img" bs=1M seek=$start conv=notrunc status=none
dd if="$work/root.img" of="$img" bs=1M seek=$((start + boot_mb)) conv=notrunc status=none
dd if="$work/data.img" of="$img" bs=1M seek=$((start + boot_mb + root_mb)) conv=notrunc status=none
sfdisk -l "$img" >&2
echo "$img"
