#!/bin/sh
# Keeps the examples in the headers' top comments compiled: every public header under gateway/
# and adapters/ whose top comment has a C++ example must be named in its module's
# examples_test.cpp (gateway/MODULE/ or adapters/MODULE/, or the one beside the header) on a
# line of its own, "// gateway/MODULE/NAME.h", above the test that runs that example (an
# #include of the header is not enough), and its top comment must say so ("(compiled in
# examples_test.cpp)").
# Run by ctest (check_header_examples); prints each header that breaks the rule and exits 1.
#
#   scripts/check_header_examples.sh [SOURCE_DIR]    # default: the repository of this script
#
# What counts as a C++ example. The top comment is the run of `//` lines the header starts
# with; its example lines are those indented as "//   " (three spaces or more), and a block is a
# run of such lines with no line of another indent between them. An example line is C++ when
#   - it ends with ';' (before an optional trailing // comment): a statement, or
#   - it starts with a name, qualified or a member (`a::b`, `a.b`, `a->b`), directly followed by
#     '(' or '{': a call or a braced initialiser ("ParseOrgList("a,b", "--to")  -> {...}"),
# unless its block is a shell session: a block whose first line starts with "$ " is the
# command, its continuation lines and its output, all documentation whatever they read like.
# Every other line is documentation: HTTP routes ("GET /v1/notices?after=ID&limit=N  sender"),
# tables ("0  success", "unknown id  -> kNotFound ..."), JSON, formulas, log lines, wrapped
# prose. A header with at least one C++ line must have its example compiled; one whose example
# lines are all documentation (route tables, shell sessions, exit-code tables) needs no test of
# its own: such lines describe an interface rather than call it, and the HTTP API and the
# commands are tested over HTTPS and as processes in tests/integration/. The rule errs towards
# code: a prose line that happens to end in ';' makes an example required, never the reverse.
#
# Modules and headers whose examples are not compiled yet are listed in PENDING below; the check
# skips them and says so, so the list can only shrink. `scripts/check_header_examples_test.sh`
# (ctest check_header_examples_self_test) runs this script on made-up headers.
set -eu

root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

# Headers (or modules) whose examples are not compiled yet, separated by spaces: none.
PENDING=""

# Exit 0 when the top comment of the header named by the argument has a C++ example line.
has_cpp_example() {
  awk '
    !/^\/\// { exit }
    /^\/\/   / {
      line = substr($0, 6)
      sub(/^ +/, "", line)
      if (!in_block) shell = (line ~ /^\$ /)
      in_block = 1
      if (shell) next
      if (line ~ /;[ \t]*(\/\/.*)?$/ ||
          line ~ /^[A-Za-z_][A-Za-z0-9_]*((::|\.|->)[A-Za-z_][A-Za-z0-9_]*)*[({]/) code = 1
      next
    }
    { in_block = 0 }
    END { exit !code }
  ' "$1"
}

status=0
skipped=""
for header in $(find gateway adapters -name '*.h' | sort); do
  if ! has_cpp_example "$header"; then
    continue
  fi
  module=$(echo "$header" | cut -d/ -f1-2)
  case " $PENDING " in
    *" $module "*)
      case " $skipped " in *" $module "*) ;; *) skipped="$skipped $module" ;; esac
      continue
      ;;
  esac
  case " $PENDING " in
    *" $header "*)
      skipped="$skipped $header"
      continue
      ;;
  esac
  # The module's examples_test.cpp, or the one beside the header (a module's subfolder).
  examples="$module/examples_test.cpp"
  beside="$(dirname "$header")/examples_test.cpp"
  if ! { [ -f "$examples" ] && grep -qxF "// $header" "$examples"; } &&
     ! { [ -f "$beside" ] && grep -qxF "// $header" "$beside"; }; then
    echo "$header: its example is not run by $examples" >&2
    status=1
  fi
  if ! awk '!/^\/\//{exit} /examples_test\.cpp/{found=1} END{exit !found}' "$header"; then
    echo "$header: its top comment does not say where its example is compiled" >&2
    status=1
  fi
done
if [ -n "$skipped" ]; then
  echo "header examples not yet compiled in:$skipped"
fi
exit $status
