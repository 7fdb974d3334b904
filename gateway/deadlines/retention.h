// Retention (docs/DESIGN.md, data minimisation): a payload is kept for its kind's retention period
// after submission, then deleted; the header, the deliveries and the audit trail stay, so tracking
// and "who opened my file" keep working and `audit verify` still passes. Each purged payload is a
// `purge` audit entry in the same transaction as the deletion.
//
//   // (compiled in examples_test.cpp)
//   auto purged = PurgeExpiredPayloads(db, kinds::BuiltinKinds(), audit::NowMs());
//   // *purged == number of payloads deleted; reading such a message answers 410 message_purged
//
// Kinds the registry does not know keep their payloads kDefaultRetentionDays. Works in batches
// of at most 500 payloads per transaction, so a large backlog never holds the write lock long:
// given a GuardedDatabase (the daemon's), each batch runs in a Write of its own; given a plain
// Database (the CLI's, one thread), the caller serialises its use.
#pragma once

#include <cstdint>

#include "gateway/core/error.h"
#include "gateway/core/kind_registry.h"
#include "gateway/store/database.h"
#include "gateway/store/guarded_database.h"

namespace ketenpoort::server {

inline constexpr int kDefaultRetentionDays = 365;

Result<std::int64_t> PurgeExpiredPayloads(store::Database& db, const KindRegistry& kinds,
                                          std::int64_t now_ms);
Result<std::int64_t> PurgeExpiredPayloads(store::GuardedDatabase& db, const KindRegistry& kinds,
                                          std::int64_t now_ms);

}  // namespace ketenpoort::server
