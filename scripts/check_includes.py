#!/usr/bin/python3
"""Checks every #include "gateway/..." and "adapters/..." in the tree against the module map
in docs/ARCHITECTURE.md (the table under "What may include what"), so that the map and the
code cannot drift apart. Run by ctest (architecture_include_map) and by hand:

    scripts/check_includes.py            # exit 0: every include allowed; 1: each crossing listed

A module is a folder directly under gateway/ or adapters/. A file may include its own module
and the modules its row names. A test file (*_test.cpp) may also include tests/ helpers and
any module but the composition root (gateway/server) and the CLI (gateway/cli), since a test
sets up real parts beside the one it tests.
"""
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
MAP_HEADING = "## What may include what"
ROW = re.compile(r"^\|\s*`([a-z_]+/[a-z_]+)`\s*\|\s*([^|]*)\|")
INCLUDE = re.compile(r'^\s*#\s*include\s+"((?:gateway|adapters|tests)/[^/"]+)/')
NOT_FOR_TESTS = {"gateway/server", "gateway/cli"}


def read_map():
    path = os.path.join(ROOT, "docs", "ARCHITECTURE.md")
    allowed = {}
    in_section = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                in_section = line.strip() == MAP_HEADING
                continue
            m = ROW.match(line) if in_section else None
            if m:
                names = re.findall(r"`([a-z_]+/[a-z_]+)`", m.group(2))
                allowed[m.group(1)] = set(names)
    if not allowed:
        sys.exit(f"check_includes: no table under '{MAP_HEADING}' in {path}")
    return allowed


def main():
    allowed = read_map()
    crossings = []
    unmapped = set()
    for top in ("gateway", "adapters"):
        for folder, _, files in os.walk(os.path.join(ROOT, top)):
            for name in sorted(files):
                if not name.endswith((".h", ".cpp", ".inc")):
                    continue
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, ROOT)
                module = "/".join(rel.split("/")[:2])
                if module not in allowed:
                    unmapped.add(module)
                    continue
                is_test = name.endswith("_test.cpp")
                with open(path, encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = m.group(1)
                        if target == module or target in allowed[module]:
                            continue
                        if is_test and (target.startswith("tests/") or
                                        (target in allowed and target not in NOT_FOR_TESTS)):
                            continue
                        crossings.append(f"{rel}:{number}: {module} may not include {target}")
    for module in sorted(unmapped):
        crossings.append(f"{module}: not in the map of docs/ARCHITECTURE.md")
    for c in crossings:
        print(c)
    if crossings:
        print(f"check_includes: {len(crossings)} include(s) cross the module map", file=sys.stderr)
        return 1
    print(f"check_includes: every include follows the map ({len(allowed)} modules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
