#!/usr/bin/env bash
# Installs the Debian 12 packages Ketenpoort builds, runs and tests with. Idempotent; run as root.
# Usage: scripts/install-deps.sh [--test|--demo]   (what only the test suite, or the demo, needs)
set -euo pipefail

build_packages=(
  g++ cmake ninja-build pkg-config
  libssl-dev            # OpenSSL: all cryptography and TLS
  libsqlcipher-dev      # SQLCipher: the encrypted database
  libboost-dev          # Boost.Beast and Boost.Asio (header-only): HTTPS serving
  libcurl4-openssl-dev  # libcurl: outbound HTTPS, SMTP, SMS
  nlohmann-json3-dev    # JSON
  liboath-dev           # OATH Toolkit: TOTP codes of secure-mail accounts
  libqrencode-dev       # libqrencode: the QR code an authenticator app scans
  libargon2-dev         # libargon2: Argon2id hashes of the workspace's staff passwords
  libgtest-dev libgmock-dev
  openssl ca-certificates curl
)
test_packages=(
  sqlite3               # proves the database is unreadable without the key
  sqlcipher
  python3-aiosmtpd      # a real SMTP server on loopback for the mail tests
  dpkg-dev              # dpkg-shlibdeps, for the package test (cpack -G DEB)
  adduser               # the package's postinst makes the service user with it
  chromium              # the secure-mail portal's browser test (headless)
  clang                 # the libFuzzer targets (tests/fuzz, scripts/fuzz.sh --smoke)
  libclang-rt-14-dev    # libFuzzer and the sanitizer runtimes for clang 14
)
# Playwright (playwright-core, driving Debian's chromium) needs node >= 18 and npm, and so does
# the OpenAPI document's checker (tests/openapi: Debian 12 packages no OpenAPI validator). Debian's
# nodejs and npm are installed only when neither is there: on a machine that already has a
# node with its own npm (e.g. NodeSource's), Debian's npm conflicts with it and apt fails.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  test_packages+=(nodejs npm)
fi

demo_packages=(
  python3-aiosmtpd      # the demo's local mail relay, which keeps each mail as a file
)

packages=("${build_packages[@]}")
case "${1:-}" in
  --test) packages+=("${test_packages[@]}") ;;
  --demo) packages+=("${demo_packages[@]}") ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
