// Whole-file reads and crash-safe writes. Errors name the file, never its content.
//
//   // (compiled in examples_test.cpp)
//   auto text = ReadFile("deploy/routes.json");              // Result<std::string>
//   KP_RETURN_IF_ERROR(WriteNewFile("deploy/db.key", hex, 0600));  // refuses to overwrite
//   KP_RETURN_IF_ERROR(ReplaceFile("deploy/db.key", hex, 0600));   // atomic: temp + rename
//
// Contract: WriteNewFile creates the file with O_EXCL and the given mode from the first byte
// (no window where a secret is readable by others), writes everything, fsyncs the file and its
// folder. ReplaceFile writes a temporary file beside the target, fsyncs it and renames it over
// the target, so a reader sees the old or the new content, never a mix.
#pragma once

#include <sys/types.h>
#include <string>
#include <string_view>

#include "gateway/core/error.h"

namespace ketenpoort::io {

// Reads a whole file. Missing or unreadable: error `file_unreadable` with field = path.
// Files larger than `max_bytes` are refused (`file_too_large`).
Result<std::string> ReadFile(const std::string& path, std::size_t max_bytes = 64 * 1024 * 1024);

// Creates `path` (must not exist: `file_exists`) with `mode`, writes `content`, fsyncs.
Status WriteNewFile(const std::string& path, std::string_view content, mode_t mode);

// Atomically replaces (or creates) `path` with `content` and `mode`.
Status ReplaceFile(const std::string& path, std::string_view content, mode_t mode);

// Creates a folder with `mode` (must not exist).
Status MakeDirectory(const std::string& path, mode_t mode);

// fsyncs a folder so that entries created or renamed in it are durable.
Status SyncDirectory(const std::string& path);

}  // namespace ketenpoort::io
