#!/usr/bin/env bash
# Builds and runs the message-submission benchmark and its Postfix reference in one run, and
# prints both with their ratio. Run by hand, as root (Postfix), from anywhere in the repository:
#
#   tests/bench/run_submit_bench.sh                      # N = 1,8,32 for 10 s; 1,000/s for 10 s
#   KP_BUILD_DIR=build-bench-rel tests/bench/run_submit_bench.sh --clients 8,32 --seconds 20
#
# Options (all optional): --clients LIST --seconds S --rate R --rate-seconds S
# --payload-bytes B --postfix-count N (messages per Postfix run, one run per client count).
# Measures and prints; never fails on time. The build is Release (-DKP_BENCH=ON) in
# $KP_BUILD_DIR (default build-bench-rel).
set -euo pipefail
cd "$(dirname "$0")/../.."

clients="1,8,32"
seconds=10
rate=1000
rate_seconds=10
payload_bytes=4096
postfix_count=5000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --clients) clients="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --rate-seconds) rate_seconds="$2"; shift 2 ;;
    --payload-bytes) payload_bytes="$2"; shift 2 ;;
    --postfix-count) postfix_count="$2"; shift 2 ;;
    *) echo "unknown argument: $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
done

build_dir="${KP_BUILD_DIR:-build-bench-rel}"
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$build_dir" -G Ninja -DKP_BENCH=ON -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
  >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target kp_submit_bench ketenpoort >/dev/null

out="$(mktemp /tmp/kp-submit-bench-XXXXXX.log)"
trap 'rm -f "$out"' EXIT

# KP_COMMIT names the commit when the source is an exported snapshot (git archive).
commit="$(git rev-parse --short HEAD 2>/dev/null || echo "${KP_COMMIT:-unknown}")"
echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit $commit  $(nproc) cpus" \
     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "== load: $(uptime)"
echo "== Ketenpoort: POST /v1/messages over HTTPS (TLS, keep-alive), 202 = committed (fsync)"
"$build_dir/tests/bench/kp_submit_bench" --clients "$clients" --seconds "$seconds" \
  --rate "$rate" --rate-seconds "$rate_seconds" --payload-bytes "$payload_bytes" | tee "$out"

echo "== Postfix reference: smtp-source -> Postfix (queue fsynced) -> smtp-sink, loopback"
echo "== load: $(uptime)"
declare -A postfix_rate
IFS=',' read -r -a client_list <<<"$clients"
for n in "${client_list[@]}"; do
  line="$(tests/bench/postfix_reference.sh --clients "$n" --count "$postfix_count" \
            --payload-bytes "$payload_bytes" | tee /dev/stderr | grep 'postfix end-to-end:' |
          head -n 1)"
  postfix_rate[$n]="$(sed -E 's/.*= ([0-9]+) msg\/s.*/\1/' <<<"$line")"
done 2>&1

echo "== Summary (closed loop, same concurrency)"
printf '%8s %14s %14s %8s\n' clients ketenpoort postfix ratio
for n in "${client_list[@]}"; do
  kp="$(grep -E "^closed N=$n " "$out" | awk '{print $3}')"
  pf="${postfix_rate[$n]:-}"
  ratio="-"
  if [[ -n "$kp" && -n "$pf" && "$pf" != 0 ]]; then
    ratio="$(awk -v a="$kp" -v b="$pf" 'BEGIN{printf "%.1fx", a/b}')"
  fi
  printf '%8s %10s msg/s %10s msg/s %8s\n' "$n" "${kp:--}" "${pf:--}" "$ratio"
done
echo "== load: $(uptime)"
