#!/bin/sh
# Builds the Debian package (cpack -G DEB) from BUILD_DIR, installs it with dpkg on this machine,
# checks what the operator gets (the binary in /usr/bin and its version, the hardened systemd
# unit, the system user and its folder, `init` and `check` run as that user from the installed
# paths, into the folder the unit serves), then purges it again. Needs root; exits 77 (ctest:
# skipped, with the reason printed) without root, or when a ketenpoort package or a deployment
# in /var/lib/ketenpoort/gateway is there already, which it must not touch.
#   tests/package/deb_package_test.sh BUILD_DIR
set -eu
build=$(cd "$1" && pwd)
if [ "$(id -u)" != 0 ]; then
  echo "SKIPPED: installing a package needs root"
  exit 77
fi
if dpkg-query -W -f='${Status}' ketenpoort 2>/dev/null | grep -q installed; then
  echo "SKIPPED: a ketenpoort package is installed on this machine; the test leaves it alone"
  exit 77
fi
if [ -e /var/lib/ketenpoort/gateway ]; then
  echo "SKIPPED: /var/lib/ketenpoort/gateway exists on this machine; the test leaves it alone"
  exit 77
fi
work=$(mktemp -d)
made_home=0
[ -e /var/lib/ketenpoort ] || made_home=1
cleanup() {
  dpkg --purge ketenpoort >/dev/null 2>&1 || true
  rm -rf "$work" /var/lib/ketenpoort/gateway
  if [ "$made_home" = 1 ]; then rmdir /var/lib/ketenpoort 2>/dev/null || true; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

(cd "$build" && cpack -G DEB -B "$work" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/ketenpoort_*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
echo "package: $(basename "$deb"); Depends: $depends"
for lib in libsqlcipher0 libssl3 libcurl4 liboath0 adduser; do
  echo "$depends" | grep -q "$lib" || fail "Depends lacks $lib"
done

dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i"; }
version=$(/usr/bin/ketenpoort --version)
echo "$version" | grep -q '^ketenpoort [0-9][0-9.]* (commit ' || fail "--version said: $version"
unit=/lib/systemd/system/ketenpoort.service
for line in 'User=ketenpoort' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
    'ReadWritePaths=/var/lib/ketenpoort' 'LimitNOFILE=16384' \
    'ExecStart=/usr/bin/ketenpoort serve --config /var/lib/ketenpoort/gateway/gateway.json' \
    'ExecReload=/bin/kill -HUP $MAINPID'; do
  grep -qxF "$line" "$unit" || fail "$unit lacks $line"
done
ws_unit=/lib/systemd/system/ketenpoort-workspace.service
for line in 'User=ketenpoort' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
    'ExecStart=/usr/bin/ketenpoort workspace --config /var/lib/ketenpoort/workspace/workspace.json'; do
  grep -qxF "$line" "$ws_unit" || fail "$ws_unit lacks $line"
done
getent passwd ketenpoort >/dev/null || fail "no system user ketenpoort"
[ "$(stat -c '%U %a' /var/lib/ketenpoort)" = "ketenpoort 750" ] ||
  fail "/var/lib/ketenpoort is $(stat -c '%U %a' /var/lib/ketenpoort)"
[ -f /usr/share/doc/ketenpoort/README.md ] || fail "no README in /usr/share/doc/ketenpoort"

# What an operator does first, as the service's user, from the installed binary.
runuser -u ketenpoort -- /usr/bin/ketenpoort init --dir /var/lib/ketenpoort/gateway \
  --demo --port 18999 >"$work/init.log" 2>&1 || { cat "$work/init.log"; fail "init"; }
runuser -u ketenpoort -- /usr/bin/ketenpoort check \
  --config /var/lib/ketenpoort/gateway/gateway.json >"$work/check.log" 2>&1 ||
  { cat "$work/check.log"; fail "check"; }
rm -rf /var/lib/ketenpoort/gateway

dpkg --purge ketenpoort >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "dpkg --purge"; }
[ ! -e /usr/bin/ketenpoort ] || fail "/usr/bin/ketenpoort is still there"
[ ! -e "$unit" ] || fail "$unit is still there"
[ ! -e "$ws_unit" ] || fail "$ws_unit is still there"
! getent passwd ketenpoort >/dev/null || fail "the user ketenpoort is still there after purge"
echo "installed, ran init and check as the service user, and purged: ok"
