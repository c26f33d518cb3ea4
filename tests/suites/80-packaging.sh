#!/usr/bin/env bash
# The Debian package: contents, control, the systemd unit (systemd-analyze verify), and a real
# install → upgrade → remove → purge cycle with dpkg on this (throw-away CI) machine.
# Ends with "packaging: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
pass=0; fail=0
check() { local name=$1; shift; if "$@" >/tmp/onair-pkg-check.log 2>&1; then pass=$((pass+1)); echo "ok - $name"; else fail=$((fail+1)); echo "not ok - $name"; sed 's/^/    /' /tmp/onair-pkg-check.log | tail -20; fi; }
bin=target/debug/onaird
[ -x "$bin" ] || cargo build --bin onaird
dpkg -s onair >/dev/null 2>&1 && dpkg -P onair >/dev/null 2>&1
deb=$(ONAIR_DEB_VERSION=0.1.0 scripts/build-deb.sh "$bin")
deb2=$(ONAIR_DEB_VERSION=0.1.1 scripts/build-deb.sh "$bin")
check "package holds the binary, the unit and the default settings" bash -c "dpkg-deb -c '$deb' | grep -q ' ./usr/bin/onaird\$' && dpkg-deb -c '$deb' | grep -q ' ./lib/systemd/system/onaird.service\$' && dpkg-deb -c '$deb' | grep -q ' ./usr/share/onair/onair.toml\$'"
check "control depends on the GStreamer runtime" bash -c "dpkg-deb -f '$deb' Depends | grep -q gstreamer1.0-plugins-bad && dpkg-deb -f '$deb' Package | grep -qx onair"
check "install" dpkg -i "$deb"
check "postinst made the system user and the data dir" bash -c "getent passwd onair && [ \"\$(stat -c %U:%a /var/lib/onair)\" = onair:750 ] && [ -f /var/lib/onair/onair.toml ]"
check "systemd-analyze verify accepts the unit" systemd-analyze verify /lib/systemd/system/onaird.service
check "the installed unit is hardened" bash -c "grep -q '^ProtectSystem=strict' /lib/systemd/system/onaird.service && grep -q '^NoNewPrivileges=true' /lib/systemd/system/onaird.service && grep -q '^WatchdogSec=' /lib/systemd/system/onaird.service && grep -q '^User=onair' /lib/systemd/system/onaird.service"
echo 'feed_grace_s = 42' >> /var/lib/onair/onair.toml
echo 'not really a secret' > /var/lib/onair/secret.marker
check "upgrade" dpkg -i "$deb2"
check "upgrade keeps the user's settings and data" bash -c "grep -q 'feed_grace_s = 42' /var/lib/onair/onair.toml && [ -f /var/lib/onair/secret.marker ] && dpkg-query -W -f='\${Version}' onair | grep -qx 0.1.1"
check "remove" dpkg -r onair
check "remove keeps the data dir" bash -c "[ ! -e /usr/bin/onaird ] && [ -f /var/lib/onair/onair.toml ]"
check "purge" dpkg -P onair
check "purge removes the data dir and the user" bash -c "[ ! -e /var/lib/onair ] && ! getent passwd onair"
rm -f /tmp/onair-pkg-check.log
echo "packaging: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
