#include "gateway/io/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ketenpoort::io {

namespace {

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }
  // Closes now and reports the result (close can report a deferred write error).
  bool Close() {
    int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

Error IoError(const std::string& code, const std::string& what, const std::string& path, int err) {
  auto kind =
      (err == ENOSPC || err == EDQUOT) ? ErrorKind::kUnavailable : ErrorKind::kInvalidArgument;
  std::string message = what + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT)
    return Error{kind, "storage_full", message, path};
  return Error{kind, code, message, path};
}

Status WriteAll(int fd, std::string_view content, const std::string& path) {
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return IoError("file_write_failed", "cannot write", path, errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0)
    return IoError("file_write_failed", "cannot sync", path, errno);
  return Ok();
}

std::string ParentOf(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

}  // namespace

Result<std::string> ReadFile(const std::string& path, std::size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.ok())
    return IoError("file_unreadable", "cannot read", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return IoError("file_unreadable", "cannot read", path, errno);
  if (S_ISDIR(st.st_mode))
    return InvalidArgument("file_unreadable", "is a folder, not a file", path);
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    return InvalidArgument("file_too_large",
                           "is larger than " + std::to_string(max_bytes) + " bytes", path);
  }
  std::string out;
  out.reserve(static_cast<std::size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return IoError("file_unreadable", "cannot read", path, errno);
    }
    if (n == 0)
      break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) {
      return InvalidArgument("file_too_large",
                             "is larger than " + std::to_string(max_bytes) + " bytes", path);
    }
  }
  return out;
}

Status WriteNewFile(const std::string& path, std::string_view content, mode_t mode) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd.ok()) {
    if (errno == EEXIST)
      return Conflict("file_exists", "refusing to overwrite existing file '" + path + "'");
    return IoError("file_write_failed", "cannot create", path, errno);
  }
  // The umask may have narrowed `mode`; never widen it, but make sure it is exactly `mode`.
  if (::fchmod(fd.get(), mode) != 0)
    return IoError("file_write_failed", "cannot set mode", path, errno);
  Status written = WriteAll(fd.get(), content, path);
  if (!written || !fd.Close()) {
    ::unlink(path.c_str());
    return written ? IoError("file_write_failed", "cannot close", path, errno) : written;
  }
  return SyncDirectory(ParentOf(path));
}

Status ReplaceFile(const std::string& path, std::string_view content, mode_t mode) {
  std::string tmp = path + ".tmp-XXXXXX";
  Fd fd(::mkstemp(tmp.data()));
  if (!fd.ok())
    return IoError("file_write_failed", "cannot create a temporary file beside", path, errno);
  if (::fchmod(fd.get(), mode) != 0) {
    ::unlink(tmp.c_str());
    return IoError("file_write_failed", "cannot set mode", path, errno);
  }
  Status written = WriteAll(fd.get(), content, path);
  if (!written || !fd.Close()) {
    ::unlink(tmp.c_str());
    return written ? IoError("file_write_failed", "cannot close", path, errno) : written;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return IoError("file_write_failed", "cannot replace", path, err);
  }
  return SyncDirectory(ParentOf(path));
}

Status MakeDirectory(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0) {
    if (errno == EEXIST)
      return Conflict("file_exists", "refusing to reuse existing folder '" + path + "'");
    return IoError("file_write_failed", "cannot create folder", path, errno);
  }
  return Ok();
}

Status SyncDirectory(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.ok())
    return IoError("file_write_failed", "cannot open folder", path, errno);
  if (::fsync(fd.get()) != 0)
    return IoError("file_write_failed", "cannot sync folder", path, errno);
  return Ok();
}

}  // namespace ketenpoort::io
