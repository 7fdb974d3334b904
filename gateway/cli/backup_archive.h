// The backup file of `ketenpoort backup` and `restore`: one file holding the database snapshot
// and the blobs, still encrypted, behind a manifest, with SHA-256 over every part.
//
//   // (compiled in examples_test.cpp)
//   BackupManifest m{.gateway_id = "gw-a", .schema_version = 12, .created_ms = now};
//   KP_ASSIGN_OR_RETURN(m, WriteBackupArchive("/backups/kp.backup", std::move(m),
//                                             {{"database", snapshot_path},
//                                              {"blobs/" + blob_id, blob_path}}));
//   KP_ASSIGN_OR_RETURN(BackupArchiveReader r, BackupArchiveReader::OpenVerified(path));
//   KP_RETURN_IF_ERROR(r.CopyTo(0, staged_database));          // r.manifest().files[0]
//
// Format, version 1 (all integers big-endian):
//
//   "ketenpoort-backup v1\n"        21 bytes of ASCII
//   manifest length N               8 bytes, uint64 (at most 16 MiB)
//   manifest                        N bytes of JSON, UTF-8:
//     {"format": 1, "gateway_id": "gw-a", "schema_version": 12,
//      "created": "2026-12-03T00:00:00.000Z",
//      "files": [{"name": "database", "size": 123, "sha256": "64 hex digits"},
//                {"name": "blobs/b-<32 hex digits>", "size": 45, "sha256": "..."}]}
//   each file's bytes, in the manifest's order, exactly `size` bytes each
//   SHA-256 of every byte above    32 bytes
//
// The first file is always "database" (a SQLCipher file under the deployment's key, in
// rollback-journal mode); the others are blobs of store/blob_store.h by id. Nothing is
// decrypted on the way in or out; the key file is not in the archive.
//
// Contract:
// - WriteBackupArchive computes each file's size and SHA-256, writes the archive through
//   io::StagedFile (mode 0600, created exclusively, fsynced, renamed into place: `file_exists`
//   when `out_path` exists) and returns the manifest with the sizes and digests filled in. A
//   source that changes while it is copied is an error (`backup_source_changed`), not a backup.
// - OpenVerified reads the whole archive once before anything is trusted: the tag, the length
//   (the file must be exactly as long as the manifest says), the manifest's form and names,
//   every file's digest and the trailing digest. Any failure is kInvalidArgument
//   `backup_damaged`, naming the archive and what is wrong (`backup_unsupported` for another
//   format version).
// - CopyTo streams file `index` into a staged file and checks its digest again, so an archive
//   changed after OpenVerified is caught too.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gateway/core/error.h"
#include "gateway/crypto/hash.h"
#include "gateway/io/staged_file.h"

namespace ketenpoort::cli {

inline constexpr int kBackupFormatVersion = 1;
inline constexpr char kBackupDatabaseName[] = "database";
inline constexpr char kBackupBlobPrefix[] = "blobs/";

struct BackupFile {
  std::string name;  // "database" or "blobs/" + a blob id
  std::uint64_t size = 0;
  crypto::Digest sha256{};
};

struct BackupManifest {
  int format = kBackupFormatVersion;
  std::string gateway_id;
  int schema_version = 0;
  std::int64_t created_ms = 0;
  std::vector<BackupFile> files{};
};

// `sources`: (name in the archive, file to read), "database" first. The returned manifest
// lists them in that order.
Result<BackupManifest> WriteBackupArchive(
    const std::string& out_path, BackupManifest manifest,
    const std::vector<std::pair<std::string, std::string>>& sources);

class BackupArchiveReader {
 public:
  static Result<BackupArchiveReader> OpenVerified(const std::string& path);

  const BackupManifest& manifest() const { return manifest_; }
  Status CopyTo(std::size_t index, io::StagedFile& out) const;

 private:
  BackupArchiveReader(std::string path, BackupManifest manifest, std::uint64_t data_offset)
      : path_(std::move(path)), manifest_(std::move(manifest)), data_offset_(data_offset) {}

  std::string path_;
  BackupManifest manifest_;
  std::uint64_t data_offset_ = 0;  // where the first file's bytes begin
};

}  // namespace ketenpoort::cli
