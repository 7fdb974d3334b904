#include "gateway/store/db_key.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>

#include "gateway/crypto/random.h"
#include "gateway/store/posix_file.h"

namespace ketenpoort::store {

namespace {

constexpr std::size_t kHexSize = 2 * DbKey::kSize;

// Wipes a buffer that held key text when it goes out of scope.
template <std::size_t N>
struct WipedBuffer {
  std::array<char, N> data{};
  ~WipedBuffer() { OPENSSL_cleanse(data.data(), data.size()); }
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string Quoted(const std::string& path) {
  return "'" + path + "'";
}

}  // namespace

DbKey DbKey::Generate() {
  Bytes random = crypto::RandomBytes(kSize);
  DbKey key;
  std::copy(random.begin(), random.end(), key.bytes_.begin());
  OPENSSL_cleanse(random.data(), random.size());
  return key;
}

Result<DbKey> DbKey::FromHex(std::string_view hex) {
  const Error bad =
      InvalidArgument("db_key_invalid", "a database key must be exactly 64 hex digits");
  if (hex.size() != kHexSize) {
    return bad;
  }
  DbKey key;
  for (std::size_t i = 0; i < kSize; ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return bad;  // `key` wipes what it decoded so far
    }
    key.bytes_[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return key;
}

Result<DbKey> DbKey::LoadFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd.ok() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return InvalidArgument("key_file_unreadable",
                           "cannot read database key file " + Quoted(path) +
                               " (missing, unreadable or not a regular file)");
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return InvalidArgument("key_file_permissions",
                           "database key file " + Quoted(path) +
                               " must be mode 0600 (it is accessible to group or others)");
  }
  // One byte more than the longest valid content, so that longer files are recognised.
  WipedBuffer<kHexSize + 2> buffer;
  std::size_t size = 0;
  while (size < buffer.data.size()) {
    ssize_t n = ::read(fd.get(), buffer.data.data() + size, buffer.data.size() - size);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return InvalidArgument("key_file_unreadable",
                             "cannot read database key file " + Quoted(path));
    }
    if (n == 0) {
      break;
    }
    size += static_cast<std::size_t>(n);
  }
  std::string_view text(buffer.data.data(), size);
  if (text.size() == kHexSize + 1 && text.back() == '\n') {
    text.remove_suffix(1);
  }
  auto key = FromHex(text);
  if (!key) {
    return InvalidArgument("key_file_invalid", "database key file " + Quoted(path) +
                                                   " must hold exactly 64 hex digits");
  }
  return key;
}

Result<DbKey> DbKey::FromEnvironment() {
  const std::string name(kDbKeyEnvironmentVariable);
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') {
    return NotFound("db_key_not_in_environment", name + " is not set");
  }
  auto key = FromHex(value);
  if (!key) {
    return InvalidArgument("db_key_env_invalid", name + " must hold exactly 64 hex digits");
  }
  return key;
}

DbKey::DbKey(DbKey&& other) noexcept : bytes_(other.bytes_) {
  other.Wipe();
}

DbKey& DbKey::operator=(DbKey&& other) noexcept {
  if (this != &other) {
    bytes_ = other.bytes_;
    other.Wipe();
  }
  return *this;
}

DbKey::~DbKey() {
  Wipe();
}

void DbKey::Wipe() {
  OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

Status DbKey::WriteNewFile(const std::string& path) const {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.ok()) {
    if (errno == EEXIST) {
      return Conflict("file_exists",
                      "key file " + Quoted(path) + " already exists; it is never overwritten");
    }
    return Unavailable("key_file_write_failed", "cannot create key file " + Quoted(path));
  }
  const Error failed =
      Unavailable("key_file_write_failed", "cannot write key file " + Quoted(path));

  static constexpr char kDigits[] = "0123456789abcdef";
  WipedBuffer<kHexSize + 1> text;
  for (std::size_t i = 0; i < kSize; ++i) {
    text.data[2 * i] = kDigits[bytes_[i] >> 4];
    text.data[2 * i + 1] = kDigits[bytes_[i] & 0x0f];
  }
  text.data[kHexSize] = '\n';

  // The umask may only take bits away; fchmod makes the mode exactly 0600 either way.
  bool ok = ::fchmod(fd.get(), 0600) == 0;
  std::size_t written = 0;
  while (ok && written < text.data.size()) {
    ssize_t n = ::write(fd.get(), text.data.data() + written, text.data.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      ok = false;
    } else
      written += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd.get()) == 0;
  ok = fd.Close() && ok;
  if (!ok) {
    // We created the file (O_EXCL), so removing a partial key never destroys someone's key.
    ::unlink(path.c_str());
    return failed;
  }
  if (!SyncFolderOf(path)) {
    return Unavailable("key_file_write_failed",
                       "cannot sync the folder of key file " + Quoted(path) + " to disk");
  }
  return Ok();
}

Result<DbKey> ResolveKey(const std::string& key_file_path) {
  auto from_environment = DbKey::FromEnvironment();
  if (from_environment.ok() || from_environment.error().kind != ErrorKind::kNotFound) {
    return from_environment;
  }
  return DbKey::LoadFile(key_file_path);
}

}  // namespace ketenpoort::store
