// Retention (docs/DESIGN.md, data minimisation): a payload is kept for its kind's retention period
// after submission, then deleted; the header, the deliveries and the audit trail stay, so tracking
// and "who opened my file" keep working and `audit verify` still passes. Each purged payload is a
// `purge` audit entry in the same transaction as the deletion.
//
//   // (compiled in examples_test.cpp)
//   auto purged = PurgeExpiredPayloads(db, kinds::BuiltinKinds(), {.now_ms = audit::NowMs()});
//   // *purged == number of payloads deleted; reading such a message answers 410 message_purged
//
// Time: retention is judged at `clock.now_ms`, the real time, unless a test simulates another
// (`simulated_ms`). Audit entries always carry the real time; under a simulated time each entry
// also records it in its basis ("retention:b8:1825d;simulated_time=2046-01-01T00:00:00.000Z"),
// so a purge made early is never without a trace of why.
//
// Kinds the registry does not know keep their payloads kDefaultRetentionDays. Works in batches
// of at most 500 payloads per transaction, so a large backlog never holds the write lock long:
// given a GuardedDatabase (the daemon's), each batch runs in a Write of its own; given a plain
// Database (the CLI's, one thread), the caller serialises its use.
#pragma once

#include <cstdint>
#include <optional>

#include "gateway/core/error.h"
#include "gateway/core/kind_registry.h"
#include "gateway/store/database.h"
#include "gateway/store/guarded_database.h"

namespace ketenpoort::server {

inline constexpr int kDefaultRetentionDays = 365;

struct PurgeClock {
  std::int64_t now_ms = 0;                     // the real time: audit entries carry it
  std::optional<std::int64_t> simulated_ms{};  // tests only: judge retention at this time
};

Result<std::int64_t> PurgeExpiredPayloads(store::Database& db, const KindRegistry& kinds,
                                          const PurgeClock& clock);
Result<std::int64_t> PurgeExpiredPayloads(store::GuardedDatabase& db, const KindRegistry& kinds,
                                          const PurgeClock& clock);

}  // namespace ketenpoort::server
