#!/bin/sh
# Runs scripts/check_header_examples.sh on made-up headers in a temporary tree, so that its rule
# (documentation tables pass, any C++ example must be compiled) is itself checked. Run by ctest
# (check_header_examples_self_test); exits 1 naming the first case that went wrong.
#
#   scripts/check_header_examples_test.sh
set -eu

check="$(cd "$(dirname "$0")" && pwd)/check_header_examples.sh"
tmp=$(mktemp -d /tmp/kp_header_examples_XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/gateway/demo" "$tmp/adapters"

fail() {
  echo "check_header_examples_test: $1" >&2
  exit 1
}

# Runs the check on the tree; $1: the expected exit status, $2: text its output must contain.
expect() {
  set +e
  out=$(sh "$check" "$tmp" 2>&1)
  rc=$?
  set -e
  [ "$rc" = "$1" ] || fail "expected exit $1, got $rc: $out"
  case "$out" in *"$2"*) ;; *) fail "expected '$2' in: $out" ;; esac
}

# Documentation only: a route table, a shell session with its output, an exit-code table.
cat > "$tmp/gateway/demo/routes.h" <<'EOF'
// The demo routes:
//
//   GET /v1/demo?after=ID&limit=N     sender or recipient
//   200 {"demo": [...], "next": "ID"}
//
//   $ ketenpoort demo --config d/gateway.json
//       --as shop-denhaag
//   sent(2 recipients);                        <- output, however much it reads like C++
//   m-0f3a...                                  <- always the last line
//
//   0  success
//   2  bad arguments
#pragma once
EOF
expect 0 ""

# A C++ example that nothing compiles.
cat > "$tmp/gateway/demo/widget.h" <<'EOF'
// A widget.
//
//   Widget w = MakeWidget("blue");
#pragma once
EOF
expect 1 "gateway/demo/widget.h: its example is not run by gateway/demo/examples_test.cpp"

# An expression example without ';' is C++ too.
cat > "$tmp/gateway/demo/widget.h" <<'EOF'
// A widget.
//
//   ParseWidget("blue,red", "--widgets")   -> {"blue", "red"}
#pragma once
EOF
expect 1 "gateway/demo/widget.h: its example is not run by"

# So is a braced initialiser.
cat > "$tmp/gateway/demo/widget.h" <<'EOF'
// A widget.
//
//   Widget{.colour = "blue", .size = 3}
#pragma once
EOF
expect 1 "gateway/demo/widget.h: its example is not run by"

# Included by the examples, but no test is named for it.
printf '#include "gateway/demo/widget.h"\n' > "$tmp/gateway/demo/examples_test.cpp"
expect 1 "gateway/demo/widget.h: its example is not run by"

# Compiled, but the comment does not say so.
printf '#include "gateway/demo/widget.h"\n// gateway/demo/widget.h\nTEST(Demo, Widget) {}\n' \
  > "$tmp/gateway/demo/examples_test.cpp"
expect 1 "gateway/demo/widget.h: its top comment does not say where its example is compiled"

# Compiled, and said.
cat > "$tmp/gateway/demo/widget.h" <<'EOF'
// A widget.
//
//   // (compiled in examples_test.cpp)
//   ParseWidget("blue,red", "--widgets")   -> {"blue", "red"}
#pragma once
EOF
expect 0 ""

# A C++ line among route lines still needs compiling.
cat > "$tmp/gateway/demo/routes.h" <<'EOF'
// The demo routes:
//
//   GET /v1/demo     sender
//
//   RegisterDemoRoutes(router, *service);
#pragma once
EOF
expect 1 "gateway/demo/routes.h: its example is not run by"

echo "check_header_examples_test: every case holds"
