#!/usr/bin/env bash
# Installs what is needed, builds, runs the whole test suite with ctest, then every fuzz target
# for a few seconds on its seed corpus (scripts/fuzz.sh --smoke, a separate clang build).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh
ctest --test-dir "${KP_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" --timeout 600
scripts/fuzz.sh --smoke
