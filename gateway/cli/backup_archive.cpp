#include "gateway/cli/backup_archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/audit/time_format.h"
#include "gateway/crypto/encoding.h"
#include "gateway/store/blob_store.h"

namespace ketenpoort::cli {

namespace {

constexpr std::string_view kTag = "ketenpoort-backup v1\n";
constexpr std::size_t kLengthSize = 8;
constexpr std::uint64_t kMaxManifestBytes = 16 * 1024 * 1024;
constexpr std::size_t kPieceSize = 1 << 16;

// Owns a descriptor opened for reading.
class ReadFd {
 public:
  explicit ReadFd(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ReadFd(const ReadFd&) = delete;
  ReadFd& operator=(const ReadFd&) = delete;
  ~ReadFd() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  int get() const { return fd_; }

 private:
  int fd_;
};

Error Unreadable(const std::string& path, int err) {
  return InvalidArgument("file_unreadable", std::string("cannot read: ") + std::strerror(err),
                         path);
}

Error Damaged(const std::string& archive, const std::string& what) {
  return InvalidArgument("backup_damaged",
                         "backup '" + archive + "' is damaged or incomplete: " + what);
}

// Reads up to `size` bytes at `offset`; fewer only at the end of the file.
Result<std::size_t> ReadAt(int fd, char* out, std::size_t size, std::uint64_t offset,
                           const std::string& path) {
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return Unreadable(path, errno);
    }
    if (n == 0)
      break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

// Streams `size` bytes of `fd` from `offset` to `sink(piece)`; a file shorter than that is
// `short_error`.
template <typename Sink>
Status StreamRange(int fd, std::uint64_t offset, std::uint64_t size, const std::string& path,
                   const Error& short_error, Sink&& sink) {
  std::string buffer(kPieceSize, '\0');
  while (size > 0) {
    const std::size_t want = size < kPieceSize ? static_cast<std::size_t>(size) : kPieceSize;
    KP_ASSIGN_OR_RETURN(std::size_t got, ReadAt(fd, buffer.data(), want, offset, path));
    if (got != want)
      return short_error;
    KP_RETURN_IF_ERROR(sink(std::string_view(buffer.data(), got)));
    offset += got;
    size -= got;
  }
  return Ok();
}

std::string BigEndian64(std::uint64_t value) {
  std::string out(kLengthSize, '\0');
  for (std::size_t i = 0; i < kLengthSize; ++i)
    out[i] = static_cast<char>(value >> (8 * (kLengthSize - 1 - i)));
  return out;
}

nlohmann::json ManifestJson(const BackupManifest& m) {
  nlohmann::json files = nlohmann::json::array();
  for (const BackupFile& f : m.files) {
    files.push_back({{"name", f.name}, {"size", f.size}, {"sha256", crypto::HexEncode(f.sha256)}});
  }
  return {{"format", m.format},
          {"gateway_id", m.gateway_id},
          {"schema_version", m.schema_version},
          {"created", audit::FormatTime(m.created_ms)},
          {"files", files}};
}

bool IsValidName(const std::string& name, bool first) {
  if (first)
    return name == kBackupDatabaseName;
  const std::string_view prefix = kBackupBlobPrefix;
  return name.starts_with(prefix) && store::BlobStore::IsValidId(name.substr(prefix.size()));
}

Result<BackupManifest> ParseManifest(const std::string& archive, std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return Damaged(archive, "its manifest is not a JSON object");
  if (!j.contains("format") || !j["format"].is_number_integer())
    return Damaged(archive, "its manifest has no format version");
  if (j["format"].get<int>() != kBackupFormatVersion) {
    return InvalidArgument("backup_unsupported", "backup '" + archive + "' has format version " +
                                                     std::to_string(j["format"].get<long long>()) +
                                                     "; this binary reads version " +
                                                     std::to_string(kBackupFormatVersion));
  }
  BackupManifest m;
  try {
    m.gateway_id = j.at("gateway_id").get<std::string>();
    m.schema_version = j.at("schema_version").get<int>();
    auto created = audit::ParseTime(j.at("created").get<std::string>());
    if (!created)
      return Damaged(archive, "its manifest's creation time is malformed");
    m.created_ms = *created;
    std::set<std::string> seen;
    for (const auto& f : j.at("files")) {
      BackupFile file;
      file.name = f.at("name").get<std::string>();
      file.size = f.at("size").get<std::uint64_t>();
      auto digest = crypto::HexDecode(f.at("sha256").get<std::string>());
      if (!digest || digest->size() != file.sha256.size())
        return Damaged(archive, "a file's sha256 in the manifest is not 64 hex digits");
      std::copy(digest->begin(), digest->end(), file.sha256.begin());
      if (!IsValidName(file.name, m.files.empty()) || !seen.insert(file.name).second)
        return Damaged(archive, "its manifest names an unexpected file '" + file.name + "'");
      m.files.push_back(std::move(file));
    }
  } catch (const nlohmann::json::exception&) {
    return Damaged(archive, "its manifest lacks a field or has one of the wrong type");
  }
  if (m.files.empty())
    return Damaged(archive, "its manifest lists no database");
  return m;
}

}  // namespace

Result<BackupManifest> WriteBackupArchive(
    const std::string& out_path, BackupManifest manifest,
    const std::vector<std::pair<std::string, std::string>>& sources) {
  // First pass: sizes and digests for the manifest, which comes before the bytes.
  manifest.files.clear();
  for (const auto& [name, path] : sources) {
    ReadFd fd(path);
    struct stat st {};
    if (!fd.ok() || ::fstat(fd.get(), &st) != 0)
      return Unreadable(path, errno);
    BackupFile file{.name = name, .size = static_cast<std::uint64_t>(st.st_size)};
    crypto::Sha256Stream hash;
    KP_RETURN_IF_ERROR(StreamRange(
        fd.get(), 0, file.size, path,
        InvalidArgument("backup_source_changed", "shrank while it was being backed up", path),
        [&](std::string_view piece) -> Status {
          hash.Update(AsBytes(piece));
          return Ok();
        }));
    file.sha256 = hash.Finish();
    manifest.files.push_back(std::move(file));
  }

  KP_ASSIGN_OR_RETURN(io::StagedFile out, io::StagedFile::Create(out_path, 0600));
  crypto::Sha256Stream whole;
  auto append = [&](std::string_view bytes) -> Status {
    whole.Update(AsBytes(bytes));
    return out.Append(bytes);
  };
  const std::string manifest_text = ManifestJson(manifest).dump();
  KP_RETURN_IF_ERROR(append(kTag));
  KP_RETURN_IF_ERROR(append(BigEndian64(manifest_text.size())));
  KP_RETURN_IF_ERROR(append(manifest_text));
  // Second pass: the bytes, hashed again, so that what is written is what the manifest says.
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const std::string& path = sources[i].second;
    const Error changed =
        InvalidArgument("backup_source_changed", "changed while it was being backed up", path);
    ReadFd fd(path);
    if (!fd.ok())
      return Unreadable(path, errno);
    crypto::Sha256Stream hash;
    KP_RETURN_IF_ERROR(StreamRange(fd.get(), 0, manifest.files[i].size, path, changed,
                                   [&](std::string_view piece) -> Status {
                                     hash.Update(AsBytes(piece));
                                     return append(piece);
                                   }));
    if (hash.Finish() != manifest.files[i].sha256)
      return changed;
  }
  const crypto::Digest trailer = whole.Finish();
  KP_RETURN_IF_ERROR(
      out.Append(std::string_view(reinterpret_cast<const char*>(trailer.data()), trailer.size())));
  KP_RETURN_IF_ERROR(out.Commit());
  return manifest;
}

Result<BackupArchiveReader> BackupArchiveReader::OpenVerified(const std::string& path) {
  ReadFd fd(path);
  struct stat st {};
  if (!fd.ok() || ::fstat(fd.get(), &st) != 0)
    return Unreadable(path, errno);
  if (!S_ISREG(st.st_mode))
    return InvalidArgument("file_unreadable", "is not a regular file", path);
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  const std::uint64_t head_size = kTag.size() + kLengthSize;
  if (file_size < head_size + sizeof(crypto::Digest))
    return Damaged(path, "it is too short to be a Ketenpoort backup");

  std::string head(head_size, '\0');
  KP_ASSIGN_OR_RETURN(std::size_t got, ReadAt(fd.get(), head.data(), head.size(), 0, path));
  if (got != head.size() || std::string_view(head).substr(0, kTag.size()) != kTag)
    return Damaged(path, "it does not start like a Ketenpoort backup (version 1)");
  std::uint64_t manifest_size = 0;
  for (std::size_t i = 0; i < kLengthSize; ++i)
    manifest_size = manifest_size << 8 | static_cast<std::uint8_t>(head[kTag.size() + i]);
  if (manifest_size > kMaxManifestBytes ||
      head_size + manifest_size + sizeof(crypto::Digest) > file_size)
    return Damaged(path, "its manifest length does not fit the file");
  std::string manifest_text(manifest_size, '\0');
  KP_ASSIGN_OR_RETURN(
      got, ReadAt(fd.get(), manifest_text.data(), manifest_text.size(), head_size, path));
  if (got != manifest_text.size())
    return Damaged(path, "it ends inside its manifest");

  crypto::Sha256Stream whole;
  whole.Update(AsBytes(head));
  whole.Update(AsBytes(manifest_text));
  KP_ASSIGN_OR_RETURN(BackupManifest manifest, ParseManifest(path, manifest_text));
  const std::uint64_t data_offset = head_size + manifest_size;
  std::uint64_t expected = data_offset + sizeof(crypto::Digest);
  for (const BackupFile& f : manifest.files)
    expected += f.size;
  if (expected != file_size) {
    return Damaged(path, "it is " + std::to_string(file_size) + " bytes long, its manifest says " +
                             std::to_string(expected) + " (truncated?)");
  }
  std::uint64_t offset = data_offset;
  for (const BackupFile& f : manifest.files) {
    crypto::Sha256Stream hash;
    KP_RETURN_IF_ERROR(StreamRange(fd.get(), offset, f.size, path,
                                   Damaged(path, "it ends inside " + f.name),
                                   [&](std::string_view piece) -> Status {
                                     hash.Update(AsBytes(piece));
                                     whole.Update(AsBytes(piece));
                                     return Ok();
                                   }));
    if (hash.Finish() != f.sha256)
      return Damaged(path, "the SHA-256 of " + f.name + " differs from its manifest's");
    offset += f.size;
  }
  crypto::Digest trailer{};
  KP_ASSIGN_OR_RETURN(
      got, ReadAt(fd.get(), reinterpret_cast<char*>(trailer.data()), trailer.size(), offset, path));
  if (got != trailer.size() || !crypto::ConstantTimeEqual(trailer, whole.Finish()))
    return Damaged(path, "its closing SHA-256 does not match its content");
  return BackupArchiveReader(path, std::move(manifest), data_offset);
}

Status BackupArchiveReader::CopyTo(std::size_t index, io::StagedFile& out) const {
  if (index >= manifest_.files.size())
    return Internal("backup_damaged", "no file " + std::to_string(index) + " in the backup");
  std::uint64_t offset = data_offset_;
  for (std::size_t i = 0; i < index; ++i)
    offset += manifest_.files[i].size;
  const BackupFile& f = manifest_.files[index];
  ReadFd fd(path_);
  if (!fd.ok())
    return Unreadable(path_, errno);
  const Error changed = Damaged(path_, f.name + " changed after the backup was verified");
  crypto::Sha256Stream hash;
  KP_RETURN_IF_ERROR(
      StreamRange(fd.get(), offset, f.size, path_, changed, [&](std::string_view piece) -> Status {
        hash.Update(AsBytes(piece));
        return out.Append(piece);
      }));
  if (hash.Finish() != f.sha256)
    return changed;
  return Ok();
}

}  // namespace ketenpoort::cli
