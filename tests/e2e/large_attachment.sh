#!/usr/bin/env bash
# Measures one large secure-mail attachment end to end (by hand, not part of ctest): submit over
# the API, verify through the portal with a mailed code, download, compare SHA-256, and report
# the time and the gateway's peak memory (VmHWM).
# Usage: tests/e2e/large_attachment.sh PATH/TO/ketenpoort [MEGABYTES=100]
set -euo pipefail
bin="$(realpath "$1")"; mb="${2:-100}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d /tmp/kp-big-XXXXXX)"; trap 'kill $gw $smtp 2>/dev/null || true; rm -rf "$work"' EXIT
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
c["limits"] = {"max_body_bytes": int(mb) * 1024 * 1024 * 2 + 1048576}
json.dump(c, open("dep/gateway.json", "w"))
PY
"$bin" serve --config dep/gateway.json 2>serve.log & gw=$!
base="https://127.0.0.1:$gp"; ca=dep/certs/ca.cert.pem
for i in $(seq 1 100); do curl -sf --cacert $ca $base/healthz >/dev/null && break; sleep 0.1; done
head -c "$((mb * 1024 * 1024))" /dev/urandom > big.bin
python3 - <<'PY'
import base64, json
data = base64.b64encode(open("big.bin", "rb").read()).decode()
json.dump({"body": "large attachment", "attachments": [{"name": "big.bin", "type": "application/octet-stream", "data": data}]}, open("doc.json", "w"))
PY
openssl cms -sign -binary -nodetach -md sha256 -in doc.json -signer dep/certs/shop-denhaag.cert.pem \
  -inkey dep/certs/shop-denhaag.key.pem -outform DER | \
  openssl cms -encrypt -binary -aes256 -outform DER -out sealed.der dep/certs/portal.cert.pem
python3 - <<'PY'
import base64, json
p = base64.b64encode(open("sealed.der", "rb").read()).decode()
json.dump({"kind": "securemail", "recipients": [{"email": "big@example.org"}], "payload": p}, open("submit.json", "w"))
PY
echo "request body: $(stat -c %s submit.json) bytes"
start=$(date +%s.%N)
curl -sS --cacert $ca -H "Authorization: Bearer $(cat dep/tokens/shop-denhaag.token)" -H 'Content-Type: application/json' \
  --data-binary @submit.json -o submit.out -w 'submit: HTTP %{http_code} in %{time_total} s\n' $base/v1/messages
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
