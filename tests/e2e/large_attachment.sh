#!/usr/bin/env bash
# Measures one large secure-mail attachment end to end with the default limits (by hand; ctest
# runs 100 MB in tests/integration/securemail_stream_test.cpp): `ketenpoort send --attach`
# streams it up, the portal is passed with a mailed code, the download is compared byte for
# byte, and the time and the gateway's peak memory (VmHWM) are printed.
# Usage: tests/e2e/large_attachment.sh PATH/TO/ketenpoort [MEGABYTES=100]
set -euo pipefail
bin="$(realpath "$1")"; mb="${2:-100}"  # up to limits.max_attachment_bytes (default 1 GiB)
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d /tmp/kp-big-XXXXXX)"; gw=; smtp=; trap 'kill $gw $smtp 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sp=$(free_port); gp=$(free_port)
mkdir mail; /usr/bin/python3 "$here/servers/smtp_sink.py" --port "$sp" --dir mail --lifetime 900 & smtp=$!
"$bin" init --dir dep --demo --port "$gp" --host 127.0.0.1 >/dev/null
python3 - "$sp" "$gp" "$mb" <<'PY'
import json, sys
sp, gp, mb = sys.argv[1:4]
c = json.load(open("dep/gateway.json"))
c["smtp"] = {"url": "smtp://127.0.0.1:" + sp, "from": "ketenpoort@example.org"}
c["portal"] = {"base_url": "https://127.0.0.1:" + gp, "worker_interval_ms": 50}
json.dump(c, open("dep/gateway.json", "w"))
PY
"$bin" serve --config dep/gateway.json 2>serve.log & gw=$!
base="https://127.0.0.1:$gp"; ca=dep/certs/ca.cert.pem
for i in $(seq 1 100); do curl -sf --cacert $ca $base/healthz >/dev/null && break; sleep 0.1; done
head -c "$((mb * 1024 * 1024))" /dev/urandom > big.bin
echo "Beste partner, zie de bijlage." > body.txt
start=$(date +%s.%N)
# `send` seals the file while it uploads it to POST /v1/attachments, then submits the message.
/usr/bin/time -f 'send: %e s, client peak %M KiB' "$bin" send --config dep/gateway.json --as shop-denhaag \
  --kind securemail --to big@example.org --payload body.txt --attach big.bin >/dev/null
for i in $(seq 1 200); do [[ -f mail/0001.json ]] && break; sleep 0.1; done
link=$(python3 -c 'import json,re; print(re.search(r"https://\S+/m/[A-Za-z0-9_-]+", json.load(open("mail/0001.json"))["text"]).group(0))')
curl -sS --cacert $ca -c jar -b jar -o page.html "$link"
csrf=$(grep -o 'name="csrf" value="[^"]*"' page.html | head -1 | sed 's/.*value="//; s/"$//')
curl -sS --cacert $ca -c jar -b jar -o /dev/null -d "csrf=$csrf" "$link/code"
for i in $(seq 1 200); do [[ -f mail/0002.json ]] && break; sleep 0.1; done
code=$(python3 -c 'import json,re; print(re.search(r"\b\d{6}\b", json.load(open("mail/0002.json"))["text"]).group(0))')
curl -sS --cacert $ca -c jar -b jar -o /dev/null -d "csrf=$csrf&code=$code" "$link/verify"
curl -sS --cacert $ca -c jar -b jar -o got.bin -w 'download: HTTP %{http_code} %{size_download} bytes in %{time_total} s\n' "$link/files/0"
end=$(date +%s.%N)
if cmp -s big.bin got.bin; then echo "byte-identical: yes"; else echo "byte-identical: NO"; exit 1; fi
echo "gateway peak memory: $(grep VmHWM /proc/$gw/status)"
echo "total: $(python3 -c "print(round($end - $start, 1))") s for $mb MB"
