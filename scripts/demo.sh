#!/usr/bin/env bash
# Installs what is needed, builds, creates the demo deployment in ./demo (once) and runs the
# gateway in the foreground on https://localhost:8443. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
bin=build/gateway/cli/ketenpoort
if [[ ! -f demo/gateway.json ]]; then
  "$bin" init --dir demo --demo --port "${KP_DEMO_PORT:-8443}"
fi
cat <<MSG

Ketenpoort demo deployment in $(pwd)/demo
  URL:          https://localhost:${KP_DEMO_PORT:-8443}   (try: curl --cacert demo/certs/ca.cert.pem https://localhost:${KP_DEMO_PORT:-8443}/healthz)
  CA:           demo/certs/ca.cert.pem (development only)
  API tokens:   demo/tokens/ORG.token, one per demo organisation
  Directory:    curl --cacert demo/certs/ca.cert.pem -H "Authorization: Bearer \$(cat demo/tokens/comensha.token)" https://localhost:${KP_DEMO_PORT:-8443}/v1/directory

MSG
exec "$bin" serve --config demo/gateway.json
