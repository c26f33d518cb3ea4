# Sourced by the fuzz scripts: how the fuzz targets are built here.
# - Stable rustc with RUSTC_BOOTSTRAP=1: cargo-fuzz needs -Z flags (sanitizer coverage) that only
#   nightly accepts, and the machines have no nightly toolchain. Nothing else is built this way.
# - AddressSanitizer (cargo-fuzz's default) on top of panics, stack overflows, OOM and timeouts:
#   the dependencies under the parsers have unsafe code.
# - 16 codegen units instead of cargo-fuzz's 1, so the dependencies build in parallel on 2 cores.
export RUSTC_BOOTSTRAP=1
# LeakSanitizer would still check at exit: GStreamer keeps its registry for the process.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
FUZZ_TOOLCHAIN=${FUZZ_TOOLCHAIN:-stable}
FUZZ_BUILD_FLAGS=(-O --sanitizer address --codegen-units 16)
FUZZ_TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
# FUZZ_BIN_DIR and FUZZ_NO_BUILD=1 run binaries built before (e.g. a copy while the tree rebuilds).
FUZZ_BIN_DIR=${FUZZ_BIN_DIR:-fuzz/target/$FUZZ_TRIPLE/release}
# Every target, in the order the table prints them.
FUZZ_TARGETS=(rtmp_ingest amf0 flv avc_aac sdp irc destination_url invite_token cookie rtp_forward fmp4 backup notify_channel)
# libFuzzer options for every run: leaks are not bugs here (GStreamer's init keeps its registry),
# a single input may take at most 10 s and 2 GB.
FUZZ_RUN_FLAGS=(-detect_leaks=0 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)

fuzz_build() {
  [ -z "${FUZZ_NO_BUILD:-}" ] || return 0
  (cd fuzz && cargo "+$FUZZ_TOOLCHAIN" fuzz build "${FUZZ_BUILD_FLAGS[@]}" "$@")
}
