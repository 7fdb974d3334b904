// Large ciphertexts at rest (secure-mail attachments): one file per blob in a folder of its own
// beside the database, so that a 100 MB upload never passes through memory or the database.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(BlobStore blobs, BlobStore::Open("/srv/deploy/blobs"));  // mkdir 0700
//   KP_ASSIGN_OR_RETURN(BlobWriter w, blobs.Create());        // a new temporary file
//   KP_RETURN_IF_ERROR(w.Append(piece));  ...                  // as the upload arrives
//   KP_ASSIGN_OR_RETURN(std::string id, w.Commit());           // "b-" + 32 hex digits
//   KP_ASSIGN_OR_RETURN(std::string path, blobs.PathOf(id));   // for crypto::DetachedReader
//   blobs.Remove(id);
//
// Contract:
// - The store keeps what it is given and knows nothing of its meaning: callers give it
//   ciphertext only (docs/DESIGN.md, security model: nothing readable is written to disk).
// - Commit makes the blob durable before it returns (fsync of the file, rename into place,
//   fsync of the folder); a writer destroyed without Commit deletes its temporary file. A blob
//   is never changed after Commit.
// - Ids are random (128 bits) and checked (b-[0-9a-f]{32}) before any path is formed from one:
//   an id from a request cannot name another file.
// - The database records which blobs exist (store/blob_repository.h); a crash between Commit and
//   that record, or between deleting the record and Remove, leaves a file no row names. Sweep
//   deletes those, and leftover temporary files, at start-up.
// - Files are created 0600 in a 0700 folder. Safe to use from many threads at once.
// Errors name no path or content (they may reach an API client):
//   no space left -> kUnavailable "storage_full"; any other I/O error -> kUnavailable
//   "storage_failed"; a malformed id -> kInvalidArgument "invalid_blob_id"; a blob that is not
//   there -> kNotFound "blob_not_found".
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"

namespace ketenpoort::store {

class BlobWriter;

class BlobStore {
 public:
  // Creates `folder` (mode 0700) when it is missing.
  static Result<BlobStore> Open(const std::string& folder);

  Result<BlobWriter> Create() const;
  // The file of blob `id` (which need not exist).
  Result<std::string> PathOf(std::string_view id) const;
  // Size in bytes of blob `id`.
  Result<std::uint64_t> SizeOf(std::string_view id) const;
  // Deletes blob `id`; a blob that is already gone is fine.
  Status Remove(std::string_view id) const;
  // Deletes every blob not in `keep` and every temporary file; returns how many went.
  Result<int> Sweep(const std::set<std::string>& keep) const;

  const std::string& folder() const { return folder_; }

  static bool IsValidId(std::string_view id);

 private:
  explicit BlobStore(std::string folder) : folder_(std::move(folder)) {}
  std::string folder_;
};

// One blob being written. Move-only.
class BlobWriter {
 public:
  BlobWriter(BlobWriter&& other) noexcept;
  BlobWriter& operator=(BlobWriter&& other) noexcept;
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;
  ~BlobWriter();

  Status Append(ByteView bytes);
  std::uint64_t size() const { return size_; }
  // Makes the blob durable under its id; the writer is spent afterwards.
  Result<std::string> Commit();

 private:
  friend class BlobStore;
  BlobWriter(int fd, std::string temp_path, std::string id, std::string final_path)
      : fd_(fd),
        temp_path_(std::move(temp_path)),
        id_(std::move(id)),
        final_path_(std::move(final_path)) {}
  void Discard();

  int fd_ = -1;
  std::string temp_path_;
  std::string id_;
  std::string final_path_;
  std::uint64_t size_ = 0;
};

}  // namespace ketenpoort::store
