#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh
ctest --test-dir "${KP_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" --timeout 600
