#!/usr/bin/env bash
# The Yocto layer: its crate list matches Cargo.lock, and oelint-adv (PyPI) finds no errors.
# A real Yocto build needs the internet and hours (see yocto/README.md); it is not run here.
# Ends with "yocto: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
pass=0; fail=0
venv=target/oelint-venv
if [ ! -x "$venv/bin/oelint-adv" ]; then
  python3 -m venv "$venv" && "$venv/bin/pip" install -q "oelint-adv==9.11.2" >/dev/null || { echo "cannot install oelint-adv"; }
fi
if python3 scripts/yocto-crates.py --check; then pass=$((pass+1)); echo "ok - onair-crates.inc matches Cargo.lock"; else fail=$((fail+1)); echo "not ok - onair-crates.inc is stale"; fi
# homepageping would reach the internet; the rest of the rules run.
out=$("$venv/bin/oelint-adv" --quiet --hide info --suppress oelint.vars.homepageping \
  yocto/meta-onair/recipes-multimedia/onair/onair_0.1.0.bb yocto/meta-onair/recipes-core/images/onair-image.bb 2>&1)
echo "$out"
if [ -x "$venv/bin/oelint-adv" ] && ! grep -q ":error:" <<<"$out"; then pass=$((pass+1)); echo "ok - oelint-adv: no errors"; else fail=$((fail+1)); echo "not ok - oelint-adv reports errors"; fi
for f in yocto/meta-onair/conf/layer.conf yocto/kas/raspberrypi4-64.yml yocto/kas/jetson-orin-nano.yml; do
  if [ -s "$f" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "not ok - $f missing"; fi
done
echo "yocto: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
