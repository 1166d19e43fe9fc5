#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo fuzz, libFuzzer) of the parsers that read what users and clients
# send: output records, scorer specs (compiled and run on a reply), metrics-as-code files and
# rubrics. Each target runs for SECONDS (default 60) from the seeds in fuzz/seeds/<target>; a
# crash stops the run with the input that caused it saved under WORK_DIR/artifacts.
# Usage: scripts/fuzz.sh [SECONDS] [WORK_DIR] [TARGET ...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
seconds=${1:-60}
work=${2:-$(mktemp -d /tmp/vernier-fuzz.XXXXXX)}
shift $(($# < 2 ? $# : 2))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(output_records scorer_spec metric_file rubric)
ensure_cargo_fuzz

# Safe Rust (the workspace forbids unsafe code): the sanitizer that matters is Rust's own
# checks, so no AddressSanitizer (which needs a nightly compiler); debug assertions are on, so
# integer overflow is a crash too.
fuzz_target_dir="${CARGO_TARGET_DIR:-target}/fuzz"
build() { cargo fuzz build --sanitizer none --debug-assertions --target-dir "$fuzz_target_dir" "$@"; }
say "building the fuzz targets"
build
passed=0
for target in "${targets[@]}"; do
  mkdir -p "$work/corpus/$target" "$work/artifacts/$target"
  say "fuzzing $target for ${seconds}s"
  status=0
  cargo fuzz run --sanitizer none --debug-assertions --target-dir "$fuzz_target_dir" "$target" \
    "$work/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=65536 -timeout=10 \
    -artifact_prefix="$work/artifacts/$target/" -print_final_stats=1 >"$work/$target.log" 2>&1 || status=$?
  grep -E "^stat::(number_of_executed_units|new_units_added)|^Done" "$work/$target.log" || true
  if [ "$status" != 0 ]; then
    tail -n 40 "$work/$target.log"
    die "$target crashed (exit $status): the input is in $work/artifacts/$target"
  fi
  passed=$((passed + 1))
done
echo "fuzz checks passed: $passed"
