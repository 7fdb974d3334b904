// Which attachment blobs exist (tables of store migration 9): who uploaded each, its size, and
// the message that claimed it. The files themselves are in the BlobStore (blob_store.h).
//
//   // (compiled in examples_test.cpp)
//   BlobRepository blobs(db);
//   KP_RETURN_IF_ERROR(blobs.Insert({.id = id, .org = "shop-denhaag", .size = n,
//                                    .created_ms = now}));
//   KP_ASSIGN_OR_RETURN(bool claimed, blobs.Claim(id, "shop-denhaag", "m-1"));
//   KP_ASSIGN_OR_RETURN(auto gone, blobs.Disposable(now - ttl, 100));   // to delete
//
// Contract: like the other repositories it decides nothing; the caller holds the database lock
// and the transaction, checks and audits. Not thread-safe beyond the Database's own contract.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/error.h"
#include "gateway/store/database.h"

namespace ketenpoort::store {

struct BlobRecord {
  std::string id;
  std::string org;  // the uploading organisation
  std::int64_t size = 0;
  std::int64_t created_ms = 0;
  std::optional<std::string> message_id;  // set once a submitted message claims the blob
};

class BlobRepository {
 public:
  explicit BlobRepository(Database& db) : db_(db) {}

  Status Insert(const BlobRecord& blob);
  Result<std::optional<BlobRecord>> Find(std::string_view id);
  // Gives blob `id` of `org` to `message_id`; false when there is no such unclaimed blob of that
  // organisation (unknown, another organisation's, or claimed already).
  Result<bool> Claim(std::string_view id, std::string_view org, std::string_view message_id);
  // The blobs claimed by `message_id`.
  Result<std::vector<std::string>> OfMessage(std::string_view message_id);
  // Up to `limit` blobs to delete: unclaimed and created before `unclaimed_before_ms`, or
  // claimed by a message whose payload is gone (recalled, expired or purged).
  Result<std::vector<std::string>> Disposable(std::int64_t unclaimed_before_ms, int limit);
  Status Delete(std::string_view id);
  // Every recorded id (for BlobStore::Sweep).
  Result<std::set<std::string>> AllIds();

 private:
  Database& db_;
};

}  // namespace ketenpoort::store
