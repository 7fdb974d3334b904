// Small POSIX helpers shared by the store's files (key file, database file). Internal to
// gateway/store.
//
//   // (compiled in examples_test.cpp)
//   UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
//   if (!fd.ok()) return ...;                       // errno still tells why
//   ok = ::fsync(fd.get()) == 0 && fd.Close() && SyncFolderOf(path);
#pragma once

#include <string>

namespace ketenpoort::store {

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

  // Closes now; false when close reports an error (it may report a delayed write error).
  bool Close();

 private:
  int fd_;
};

// fsync of the folder that holds `path`, so that a newly created entry survives power loss.
bool SyncFolderOf(const std::string& path);

// The text of an errno value ("No space left on device"), thread-safe.
std::string ErrnoText(int error_number);

}  // namespace ketenpoort::store
