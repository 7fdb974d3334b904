// The kinds this build knows (adapters/kinds/*/) and the code lists of config/codelists/,
// which are compiled into the binary: a code list version is part of the release, so an old
// message's codes keep their meaning wherever it is read.
//
//   // (compiled in examples_test.cpp)
//   const KindRegistry& kinds = kinds::BuiltinKinds();
//   kinds.Find("b8")->spec().retention_days            // 1825
//   kinds.code_lists().Latest("exploitation")           // 2
//
// Adding a kind is one folder and one registration line:
//   adapters/kinds/foo/foo_kind.h, foo_kind.cpp (defines `const MessageKind& FooKind()`),
//   foo_kind_test.cpp (found by the build on its own), and `KP_KIND(FooKind)` in kinds.inc.
#pragma once

#include "gateway/core/kind_registry.h"

namespace ketenpoort::kinds {

// Built once, on first use; safe to share between threads.
const KindRegistry& BuiltinKinds();

// The embedded code lists, parsed (for tools that need them without the kinds).
const CodeLists& BuiltinCodeLists();

}  // namespace ketenpoort::kinds
