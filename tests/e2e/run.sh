#!/usr/bin/env bash
# Runs a browser test (portal.e2e.js by default, or the one named) for ctest: installs
# playwright-core from the
# npm registry into tests/e2e/node_modules when it is not there yet (package-lock.json pins it;
# no browser is ever downloaded), then drives Debian's /usr/bin/chromium.
# Usage: tests/e2e/run.sh PATH/TO/ketenpoort [TEST.e2e.js]. Fails (exit 1), never skips, when
# node, npm or chromium is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="${1:?usage: run.sh PATH/TO/ketenpoort [TEST.e2e.js]}"
script="${2:-portal.e2e.js}"
for tool in node npm /usr/bin/chromium /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "e2e: $tool is missing (scripts/install-deps.sh --test)" >&2; exit 1; }
done
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || { echo "e2e: python3-aiosmtpd is missing" >&2; exit 1; }
# One installer at a time: ctest runs the browser tests in parallel, and two `npm ci` in one
# folder remove each other's files.
installed() { [[ -f "$here/node_modules/playwright-core/package.json" ]]; }
if ! installed; then
  (
    flock 9
    installed || (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  ) 9>"${TMPDIR:-/tmp}/ketenpoort-e2e-npm.lock"
fi
exec node "$here/$script" --binary "$binary"
