#!/usr/bin/env bash
# cargo-fuzz (libFuzzer driver) from the crate registry, if it is missing. The machines have only a
# stable toolchain: scripts/fuzz-env.sh lets it accept the unstable flags cargo-fuzz passes.
set -euo pipefail
want=0.13.2
have=$(cargo fuzz --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "installing cargo-fuzz $want" >&2
  cargo install cargo-fuzz --locked --version "$want" >&2
fi
