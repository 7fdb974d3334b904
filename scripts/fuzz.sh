#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang into build-fuzz/ (or $KP_FUZZ_BUILD_DIR)
# and runs each on its seed corpus.
#   scripts/fuzz.sh --smoke        each target for $KP_FUZZ_SMOKE_SECONDS (default 5) seconds: CI
#   scripts/fuzz.sh [TARGET...]    each target (default: all) for $KP_FUZZ_RUNS (default 10
#                                  million) executions, or at most $KP_FUZZ_MAX_SECONDS seconds
#                                  when set, printing executions, exec/s and corpus size
# Exits non-zero on the first crash, leak, timeout or sanitizer report; libFuzzer writes the
# input that caused it to build-fuzz/artifacts/. The corpus the run grows stays in
# build-fuzz/corpus/NAME (the seeds in tests/fuzz/corpus/NAME are only read).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${KP_FUZZ_BUILD_DIR:-build-fuzz}"
targets_all=(router json_fields cms_envelope portal_request config)
smoke=0
targets=()
for a in "$@"; do
  case "$a" in
    --smoke) smoke=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) targets+=("$a") ;;
  esac
done
((${#targets[@]} > 0)) || targets=("${targets_all[@]}")

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
CXX="${KP_FUZZ_CXX:-clang++}" cmake -S . -B "$build_dir" -G Ninja -DKP_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target kp_fuzz

mkdir -p "$build_dir/artifacts"
for t in "${targets[@]}"; do
  seeds="tests/fuzz/corpus/$t"
  corpus="$build_dir/corpus/$t"
  mkdir -p "$corpus"
  if ((smoke)); then
    limit=(-max_total_time="${KP_FUZZ_SMOKE_SECONDS:-5}")
  else
    limit=(-runs="${KP_FUZZ_RUNS:-10000000}")
    [[ -n "${KP_FUZZ_MAX_SECONDS:-}" ]] && limit+=(-max_total_time="$KP_FUZZ_MAX_SECONDS")
  fi
  log="$build_dir/fuzz_$t.log"
  echo "fuzz_$t: ${limit[*]}"
  start=$(date +%s)
  # -timeout: one input taking over 10 s is a finding; -rss_limit_mb: so is 2 GB of memory.
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$build_dir/tests/fuzz/fuzz_$t" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$build_dir/artifacts/${t}-" \
      "$corpus" "$seeds" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz_$t: FAILED (log: $log)" >&2
    exit 1
  fi
  seconds=$(($(date +%s) - start))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  files=$(find "$corpus" -type f | wc -l)
  echo "fuzz_$t: ok, ${runs} executions in ${seconds} s (${rate} exec/s), corpus ${files} files"
done
