#!/usr/bin/env bash
# Runs check_responses.mjs (see there) for tests/integration/openapi_test.cpp: installs its npm
# packages into tests/openapi/node_modules first when they are not there yet (package-lock.json
# pins them; one installer at a time). Fails (exit 2), never skips, when node or npm is missing.
# Usage: tests/openapi/check.sh --spec FILE --exchanges FILE [--every-operation]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "openapi check: $tool is missing (scripts/install-deps.sh --test)" >&2; exit 2; }
done
installed() {
  [[ -f "$here/node_modules/@seriousme/openapi-schema-validator/package.json" &&
     -f "$here/node_modules/ajv/package.json" && -f "$here/node_modules/ajv-formats/package.json" ]]
}
if ! installed; then
  (
    flock 9
    installed || (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
  ) 9>"${TMPDIR:-/tmp}/ketenpoort-openapi-npm.lock"
fi
exec node "$here/check_responses.mjs" "$@"
