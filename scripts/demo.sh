#!/usr/bin/env bash
# Installs what is needed, builds, creates the demo deployment in ./demo (once) and runs the
# gateway in the foreground on https://localhost:8443, the workspace beside it on
# https://localhost:8444 (staff log in there; their log-ins are in ./demo/staff.json), and a
# local mail relay on 127.0.0.1:2525 that keeps every mail the gateway sends (secure-mail
# notifications, reminders) as a file in ./demo/mail. Stop all three with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --demo
scripts/build.sh
bin=build/gateway/cli/ketenpoort
mail_port="${KP_DEMO_MAIL_PORT:-2525}"
port="${KP_DEMO_PORT:-8443}"
workspace_port="${KP_DEMO_WORKSPACE_PORT:-$((port + 1))}"
if [[ ! -f demo/gateway.json ]]; then
  "$bin" init --dir demo --demo --port "$port" --workspace-port "$workspace_port"
  # The demo's mail relay (below); a real deployment names its own.
  python3 - "$mail_port" <<'PY'
import json, sys
path = "demo/gateway.json"
config = json.load(open(path))
config["smtp"] = {"url": "smtp://127.0.0.1:%s" % sys.argv[1],
                  "from": "ketenpoort-demo@example.org", "starttls": False}
with open(path, "w") as f:
    json.dump(config, f, indent=2)
PY
fi
mkdir -p demo/mail
rm -f demo/mail/ready
# Debian's python3, which has python3-aiosmtpd (another python3 earlier on PATH may not).
/usr/bin/python3 tests/e2e/servers/smtp_sink.py --port "$mail_port" --dir demo/mail \
  --lifetime 2592000 &
mail_pid=$!
workspace_pid=""
trap 'kill "$mail_pid" $workspace_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  [[ -f demo/mail/ready ]] && break
  kill -0 "$mail_pid" 2>/dev/null || { echo "demo: the mail relay did not start (port $mail_port taken? set KP_DEMO_MAIL_PORT)" >&2; exit 2; }
  sleep 0.1
done
# The workspace, beside the gateway (a demo made before the workspace existed has none).
workspace_url="(none: this demo predates the workspace; remove ./demo to make a new one)"
if [[ -f demo/workspace.json ]]; then
  workspace_port="$(python3 -c 'import json; print(json.load(open("demo/workspace.json"))["listen"]["port"])')"
  "$bin" workspace --config demo/workspace.json 2> demo/workspace.log &
  workspace_pid=$!
  workspace_url="https://localhost:${workspace_port}"
fi

cat <<MSG

Ketenpoort demo deployment in $(pwd)/demo
  URL:          https://localhost:${port}   (try: curl --cacert demo/certs/ca.cert.pem https://localhost:${port}/healthz)
  Workspace:    ${workspace_url}/login   (log in as a member of staff; log in demo/workspace.log)
  Log-ins:      demo/staff.json (mode 0600): username, password and TOTP secret per person;
                add the TOTP secret to an authenticator app (6 digits, every 30 s)
  CA:           demo/certs/ca.cert.pem (development only)
  API tokens:   demo/tokens/ORG.token, one per demo organisation
  Directory:    curl --cacert demo/certs/ca.cert.pem -H "Authorization: Bearer \$(cat demo/tokens/comensha.token)" https://localhost:${port}/v1/directory
  Mail:         every mail the gateway sends lands in demo/mail/ (NNNN.eml as sent, NNNN.json
                decoded); relay smtp://127.0.0.1:${mail_port}. A secure mail to try:
                echo 'Synthetic demo text.' > /tmp/body.txt
                $bin send --config demo/gateway.json --as shop-denhaag --kind securemail \\
                  --to advocaat@example.org --payload /tmp/body.txt

MSG
"$bin" serve --config demo/gateway.json
