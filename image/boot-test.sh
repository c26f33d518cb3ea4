#!/usr/bin/env bash
# Boots the built image in qemu-system-aarch64 (-M virt, Debian's arm64 kernel and initrd from the
# image) and checks, from outside:
#   1. onaird answers /api/v1/health through a forwarded port, with the simulated box (not a Pi);
#   2. the first boot grew the data partition and made a secret.key (0600) the image did not carry;
#   3. nothing was written outside the data partition (qemu-img map of the copy-on-write overlay:
#      the boot and root partitions have no written clusters), so a power cut cannot hurt them;
#   4. after a power cut (qemu killed) the box boots again and answers.
# Slow under software emulation (minutes). Run image/build.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
# ipxe-qemu: the virtio-net-pci option ROM (efi-virtio.rom) qemu loads; a recommend of
# qemu-system-arm, which --no-install-recommends leaves out.
scripts/ensure-packages.sh qemu-system-arm qemu-utils ipxe-qemu curl e2fsprogs fdisk
out=image/out
img=$out/onair-rpi4-arm64.img
[ -f "$img" ] || { echo "build the image first: image/build.sh" >&2; exit 1; }
work=$(mktemp -d)
qpid=
trap '[ -n "$qpid" ] && kill -9 $qpid 2>/dev/null; rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000))
# A bigger virtual card than the image, so the first boot has room to grow the data partition.
qemu-img create -q -f qcow2 -b "$PWD/$img" -F raw "$work/card.qcow2" 4G

boot() {
  port=$((20000 + RANDOM % 20000))
  qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 2 -m 1536 -nographic -no-reboot \
    -kernel "$out/vmlinuz" -initrd "$out/initrd.img" \
    -append "root=LABEL=onair-root ro console=ttyAMA0 rootwait net.ifnames=0 systemd.show_status=1" \
    -drive if=none,id=card,file="$work/card.qcow2",format=qcow2 -device virtio-blk-pci,drive=card \
    -netdev user,id=net,hostfwd=tcp:127.0.0.1:$port-:8080 -device virtio-net-pci,netdev=net \
    -serial "file:$work/console-$1.log" -monitor none >"$work/qemu-$1.log" 2>&1 &
  qpid=$!
  local t0=$SECONDS
  local health
  while ! health=$(curl -fsS --max-time 5 "http://127.0.0.1:$port/api/v1/health" 2>/dev/null); do
    if ! kill -0 $qpid 2>/dev/null; then echo "qemu exited:" >&2; cat "$work/qemu-$1.log" >&2; tail -50 "$work/console-$1.log" >&2; exit 1; fi
    if [ $((SECONDS - t0)) -gt "${ONAIR_BOOT_TIMEOUT_S:-600}" ]; then echo "no answer in time; console:" >&2; tail -80 "$work/console-$1.log" >&2; exit 1; fi
    sleep 5
  done
  echo "boot $1: onaird answered after $((SECONDS - t0)) s: $health"
}

power_cut() {
  kill -9 $qpid; wait $qpid 2>/dev/null || true; qpid=
}

api() { curl -fsS --max-time 30 -b "$work/cookies" -c "$work/cookies" -H 'Content-Type: application/json' "$@"; }
boot 1
# First-run set-up through the API, then what the box says about itself.
api -d '{"password":"boot-test-password"}' "http://127.0.0.1:$port/api/v1/setup" >/dev/null
hw=$(api "http://127.0.0.1:$port/api/v1/hw")
echo "$hw" | python3 -c 'import json,sys; h=json.load(sys.stdin); assert h["backend"]=="sim", h; print("backend:", h["backend"], "encoder:", h.get("encoder"))'
api "http://127.0.0.1:$port/api/v1/hw/screen.png" -o "$work/screen.png"
head -c 4 "$work/screen.png" | grep -q PNG
# Give the box a moment to finish first-boot writes, then pull the plug.
sleep 10
power_cut

# What the first boot wrote, by partition.
sfdisk -J "$img" > "$work/parts.json"
python3 - "$work/parts.json" "$work/card.qcow2" <<'PY'
import json, subprocess, sys
parts = json.load(open(sys.argv[1]))["partitiontable"]["partitions"]
sector = 512
ranges = [(p["node"][-1], p["start"] * sector, (p["start"] + p["size"]) * sector) for p in parts]
names = {"1": "boot", "2": "root", "3": "data"}
m = json.loads(subprocess.check_output(["qemu-img", "map", "--output=json", sys.argv[2]]))
written = {n: 0 for n in names.values()}
outside = 0
for e in m:
    if e.get("depth", 0) != 0 or not e.get("data"):
        continue  # not written by the guest (still the image's own clusters, or zero)
    s, end = e["start"], e["start"] + e["length"]
    hit = False
    for num, a, b in ranges:
        o = max(0, min(end, b) - max(s, a))
        if o:
            written[names[num]] += o
            hit = True
    if not hit:
        outside += e["length"]
print("bytes written by the first boot:", written, "elsewhere (the grown part of the card, partition table):", outside)
assert written["root"] == 0, "the root file system was written to"
assert written["boot"] == 0, "the boot partition was written to"
assert written["data"] > 0, "the data partition was not used"
PY

# The data partition after the first boot: grown, with a fresh secret.
qemu-img convert -O raw "$work/card.qcow2" "$work/card.raw"
start=$(sfdisk -J "$work/card.raw" | python3 -c 'import json,sys; p=json.load(sys.stdin)["partitiontable"]["partitions"][2]; print(p["start"], p["size"])')
read -r s n <<<"$start"
dd if="$work/card.raw" of="$work/data.img" bs=512 skip="$s" count="$n" status=none
size_mb=$(( n * 512 / 1024 / 1024 ))
[ "$size_mb" -gt 1024 ] || { echo "data partition not grown: ${size_mb} MB" >&2; exit 1; }
# The cut came seconds after the first start: replay the journal, as the next mount would.
e2fsck -fy "$work/data.img" >/dev/null 2>&1 || [ $? -le 1 ]
blocks=$(dumpe2fs -h "$work/data.img" 2>/dev/null | awk -F: '/^Block count/{print $2}')
bsize=$(dumpe2fs -h "$work/data.img" 2>/dev/null | awk -F: '/^Block size/{print $2}')
fs_mb=$(( blocks * bsize / 1024 / 1024 ))
[ "$fs_mb" -gt 1024 ] || { echo "data file system not grown: ${fs_mb} MB" >&2; exit 1; }
debugfs -R "stat /secret.key" "$work/data.img" 2>/dev/null | grep -q "Mode:  0600" || { echo "no 0600 secret.key on the data partition" >&2; debugfs -R "ls -l /" "$work/data.img" >&2; exit 1; }
debugfs -R "ls /" "$work/data.img" 2>/dev/null | grep -q onair.db || { echo "no onair.db on the data partition" >&2; exit 1; }
# The image itself carries no secret.
read -r is in_ <<<"$(sfdisk -J "$img" | python3 -c 'import json,sys; p=json.load(sys.stdin)["partitiontable"]["partitions"][2]; print(p["start"], p["size"])')"
dd if="$img" of="$work/data0.img" bs=512 skip="$is" count="$in_" status=none
if debugfs -R "stat /secret.key" "$work/data0.img" 2>/dev/null | grep -q Mode; then echo "the image carries a secret.key" >&2; exit 1; fi
echo "first boot: data partition grown to ${size_mb} MB (file system ${fs_mb} MB), secret.key 0600 made on the box, root and boot untouched"
rm -f "$work/card.raw" "$work/data.img" "$work/data0.img"

# After the power cut, the box comes back.
boot 2
rm -f "$work/cookies"
api -d '{"password":"boot-test-password"}' "http://127.0.0.1:$port/api/v1/login" >/dev/null
echo "after a power cut: onaird answered again and the password set before the cut logs in"
grep -E "Reached target|onaird|Failed" "$work/console-1.log" | grep -i "fail" | head -5 || true
power_cut
echo "image boot test: ok"
