#!/usr/bin/env bash
# mmdebstrap customize hook: turns the fresh Debian tree ($1) into the onair appliance.
set -euo pipefail
r=$1
here=$(cd "$(dirname "$0")" && pwd)

# The appliance's own files, from image/rootfs/: fstab (read-only root, data partition at
# /var/lib/onair, logs and scratch in RAM), DHCP on the wired port (client id = MAC), journald in
# memory, resolved without mDNS (onaird answers it), and the first-boot grow of the data partition.
cp -a "$here/rootfs/." "$r/"
chown -R root:root "$r/etc/systemd" "$r/usr/lib/onair-grow-data"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tonair\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$r/etc/hosts"

# With an empty machine-id on a read-only root, systemd makes a transient one at each boot.
: > "$r/etc/machine-id"
rm -f "$r/var/lib/dbus/machine-id"

ln -sf /run/systemd/resolve/stub-resolv.conf "$r/etc/resolv.conf"

# The Pi's firmware settings: SPI and I2C for the status screen.
cat >> "$r/boot/firmware/config.txt" <<'CFG'

[all]
# onair: status screen (ST7789 on SPI0 or SSD1306 on I2C1)
dtparam=spi=on
dtparam=i2c_arm=on
CFG
# The kernel finds the root by label (SD card or USB) and mounts it read-only from the start; the
# same for cmdline.txt files a later kernel package writes.
sed -i 's|^#\?ROOTPART=.*|ROOTPART=LABEL=onair-root|' "$r/etc/default/raspi-firmware"
sed -i -e 's|root=[^ ]*|root=LABEL=onair-root|' -e 's|\brw\b|ro|' "$r/boot/firmware/cmdline.txt"
grep -q 'root=LABEL=onair-root' "$r/boot/firmware/cmdline.txt"
grep -q '\bro\b' "$r/boot/firmware/cmdline.txt" || sed -i 's|$| ro|' "$r/boot/firmware/cmdline.txt"

# SSH stays off: no server is installed. Root has no password (console login off).
chroot "$r" passwd -l root >/dev/null

chroot "$r" systemctl enable onaird.service onair-grow-data.service systemd-networkd.service systemd-resolved.service systemd-timesyncd.service >/dev/null 2>&1
chroot "$r" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service >/dev/null 2>&1 || true

# A fresh box makes its own secret on first start (onaird writes secret.key in the data dir);
# the image must carry none.
rm -f "$r/var/lib/onair/secret.key" "$r/var/lib/onair/onair.db"*
# Smaller image: no apt lists or package caches.
rm -rf "$r/var/lib/apt/lists/"* "$r/var/cache/apt/"*.bin "$r/var/cache/apt/archives/"*.deb
