#include "gateway/io/staged_file.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "gateway/io/file.h"

namespace ketenpoort::io {

namespace {

Error WriteError(const std::string& what, const std::string& path, int err) {
  const std::string message = what + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT)
    return Error{ErrorKind::kUnavailable, "storage_full", message, path};
  return Error{ErrorKind::kUnavailable, "file_write_failed", message, path};
}

Error Exists(const std::string& path) {
  return Conflict("file_exists", "refusing to overwrite existing file '" + path + "'");
}

std::string FolderOf(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

// rename(2) that never replaces: RENAME_NOREPLACE where the file system has it, else link(2),
// which fails on an existing name too, and then the temporary name goes.
int RenameNoReplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0)
    return 0;
  if (errno != EINVAL && errno != ENOSYS)
    return -1;
  if (::link(from.c_str(), to.c_str()) != 0)
    return -1;
  ::unlink(from.c_str());
  return 0;
}

}  // namespace

Result<StagedFile> StagedFile::Create(const std::string& final_path, mode_t mode) {
  struct stat st {};
  if (::lstat(final_path.c_str(), &st) == 0)
    return Exists(final_path);
  std::string temp = final_path + ".partial-XXXXXX";
  int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0)
    return WriteError("cannot create a temporary file beside", final_path, errno);
  StagedFile file(fd, std::move(temp), final_path);
  // mkostemp makes 0600; fchmod makes it exactly `mode` before any byte is written.
  if (::fchmod(fd, mode) != 0)
    return WriteError("cannot set mode", final_path, errno);
  return file;
}

StagedFile::StagedFile(StagedFile&& other) noexcept
    : fd_(other.fd_),
      temp_path_(std::move(other.temp_path_)),
      final_path_(std::move(other.final_path_)) {
  other.fd_ = -1;
  other.temp_path_.clear();
}

StagedFile::~StagedFile() {
  if (fd_ >= 0)
    ::close(fd_);
  if (!temp_path_.empty())
    ::unlink(temp_path_.c_str());
}

Status StagedFile::Append(std::string_view bytes) {
  if (fd_ < 0)
    return Error{ErrorKind::kInternal, "file_write_failed", "the staged file is already closed",
                 final_path_};
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return WriteError("cannot write", final_path_, errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Ok();
}

Status StagedFile::Close() {
  if (fd_ < 0)
    return Ok();
  int fd = fd_;
  fd_ = -1;
  bool synced = ::fsync(fd) == 0;
  int err = errno;
  if (::close(fd) != 0 && synced) {
    synced = false;
    err = errno;
  }
  if (!synced)
    return WriteError("cannot sync", final_path_, err);
  return Ok();
}

Status StagedFile::Commit() {
  if (temp_path_.empty())
    return Error{ErrorKind::kInternal, "file_write_failed", "the staged file is already committed",
                 final_path_};
  KP_RETURN_IF_ERROR(Close());
  if (RenameNoReplace(temp_path_, final_path_) != 0) {
    if (errno == EEXIST)
      return Exists(final_path_);
    return WriteError("cannot move into place", final_path_, errno);
  }
  temp_path_.clear();
  return SyncDirectory(FolderOf(final_path_));
}

}  // namespace ketenpoort::io
