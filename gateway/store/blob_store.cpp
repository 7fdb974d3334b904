#include "gateway/store/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include "gateway/crypto/encoding.h"
#include "gateway/crypto/random.h"
#include "gateway/log/log.h"
#include "gateway/store/posix_file.h"

namespace ketenpoort::store {

namespace {

constexpr std::string_view kPrefix = "b-";
constexpr std::string_view kTempPrefix = "tmp-";
constexpr std::size_t kIdHexDigits = 32;

// The error for a failed system call; the path stays in the server's log, not in the error.
Error IoError(int error_number, std::string_view what) {
  log::Error("blob_io_failed",
             {{"operation", std::string(what)}, {"errno", ErrnoText(error_number)}});
  if (error_number == ENOSPC || error_number == EDQUOT)
    return Unavailable("storage_full", "the gateway has no room to store this file");
  return Unavailable("storage_failed", "the gateway could not " + std::string(what) + " a file");
}

std::string NewId() {
  return std::string(kPrefix) + crypto::HexEncode(crypto::RandomBytes(kIdHexDigits / 2));
}

}  // namespace

bool BlobStore::IsValidId(std::string_view id) {
  if (id.size() != kPrefix.size() + kIdHexDigits || id.substr(0, kPrefix.size()) != kPrefix)
    return false;
  for (char c : id.substr(kPrefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  }
  return true;
}

Result<BlobStore> BlobStore::Open(const std::string& folder) {
  if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST)
    return IoError(errno, "create the folder for");
  struct stat st {};
  if (::stat(folder.c_str(), &st) != 0)
    return IoError(errno, "inspect the folder for");
  if (!S_ISDIR(st.st_mode))
    return InvalidArgument("invalid_blob_dir", "the blob folder is not a folder", "blob_dir");
  return BlobStore(folder);
}

Result<BlobWriter> BlobStore::Create() const {
  std::string id = NewId();
  std::string temp = folder_ + "/" + std::string(kTempPrefix) + id;
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return IoError(errno, "create");
  std::string final_path = folder_ + "/" + id;
  return BlobWriter(fd, std::move(temp), std::move(id), std::move(final_path));
}

Result<std::string> BlobStore::PathOf(std::string_view id) const {
  if (!IsValidId(id))
    return InvalidArgument("invalid_blob_id", "not a blob id");
  return folder_ + "/" + std::string(id);
}

Result<std::uint64_t> BlobStore::SizeOf(std::string_view id) const {
  KP_ASSIGN_OR_RETURN(std::string path, PathOf(id));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return NotFound("blob_not_found", "the stored file is missing");
    return IoError(errno, "inspect");
  }
  return static_cast<std::uint64_t>(st.st_size);
}

Status BlobStore::Remove(std::string_view id) const {
  KP_ASSIGN_OR_RETURN(std::string path, PathOf(id));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return IoError(errno, "delete");
  return Ok();
}

Result<int> BlobStore::Sweep(const std::set<std::string>& keep) const {
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder_, ec)) {
    const std::string name = entry.path().filename().string();
    const bool temp = name.rfind(kTempPrefix, 0) == 0;
    if (!temp && (!IsValidId(name) || keep.count(name) > 0))
      continue;  // a blob still recorded, or a file that is not ours to delete
    if (::unlink(entry.path().c_str()) == 0)
      ++removed;
  }
  if (ec)
    return IoError(ec.value(), "list");
  return removed;
}

BlobWriter::BlobWriter(BlobWriter&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      temp_path_(std::move(other.temp_path_)),
      id_(std::move(other.id_)),
      final_path_(std::move(other.final_path_)),
      size_(other.size_) {}

BlobWriter& BlobWriter::operator=(BlobWriter&& other) noexcept {
  if (this != &other) {
    Discard();
    fd_ = std::exchange(other.fd_, -1);
    temp_path_ = std::move(other.temp_path_);
    id_ = std::move(other.id_);
    final_path_ = std::move(other.final_path_);
    size_ = other.size_;
  }
  return *this;
}

BlobWriter::~BlobWriter() {
  Discard();
}

void BlobWriter::Discard() {
  if (fd_ < 0)
    return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(temp_path_.c_str());
}

Status BlobWriter::Append(ByteView bytes) {
  if (fd_ < 0)
    return Internal("blob_writer_spent", "this blob writer was committed or failed");
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      const int e = errno;
      Discard();
      return IoError(e, "write");
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += bytes.size();
  return Ok();
}

Result<std::string> BlobWriter::Commit() {
  if (fd_ < 0)
    return Internal("blob_writer_spent", "this blob writer was committed or failed");
  if (::fsync(fd_) != 0) {
    const int e = errno;
    Discard();
    return IoError(e, "write");
  }
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    const int e = errno;
    ::unlink(temp_path_.c_str());
    return IoError(e, "write");
  }
  if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    const int e = errno;
    ::unlink(temp_path_.c_str());
    return IoError(e, "store");
  }
  if (!SyncFolderOf(final_path_)) {
    const int e = errno;
    ::unlink(final_path_.c_str());
    return IoError(e, "store");
  }
  return id_;
}

}  // namespace ketenpoort::store
