// A new file written under a temporary name beside its final one and moved there only when
// complete, so that a crash, a full disk or an error leaves nothing under the final name.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(StagedFile out, StagedFile::Create("/backups/kp.backup", 0600));
//   KP_RETURN_IF_ERROR(out.Append(piece));   ...          // as many pieces as there are
//   KP_RETURN_IF_ERROR(out.Commit());                     // fsync, rename, fsync the folder
//
// Contract:
// - Create makes FINAL.partial-XXXXXX (O_EXCL, exactly `mode` from the first byte) beside
//   FINAL; it refuses (kConflict `file_exists`) when FINAL already exists.
// - Commit fsyncs the file, moves it to FINAL without ever replacing a file that appeared
//   there meanwhile (renameat2 RENAME_NOREPLACE, or link + unlink where the file system lacks
//   it: `file_exists` again), and fsyncs the folder. After Commit the object is spent.
// - Close fsyncs and closes the file but keeps the temporary name, for a caller that must let
//   another library (SQLite) open temp_path() before Commit.
// - A StagedFile destroyed without Commit deletes its temporary file. Move-only.
// Errors name the final path, never content: `file_write_failed`, `storage_full` (kUnavailable).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "gateway/core/error.h"

namespace ketenpoort::io {

class StagedFile {
 public:
  static Result<StagedFile> Create(const std::string& final_path, mode_t mode);

  StagedFile(StagedFile&& other) noexcept;
  StagedFile& operator=(StagedFile&&) = delete;
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  ~StagedFile();

  Status Append(std::string_view bytes);
  Status Close();
  Status Commit();

  const std::string& temp_path() const { return temp_path_; }
  const std::string& final_path() const { return final_path_; }

 private:
  StagedFile(int fd, std::string temp_path, std::string final_path)
      : fd_(fd), temp_path_(std::move(temp_path)), final_path_(std::move(final_path)) {}

  int fd_ = -1;
  std::string temp_path_;  // empty once committed or moved from
  std::string final_path_;
};

}  // namespace ketenpoort::io
