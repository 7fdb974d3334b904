#include "gateway/deadlines/retention.h"

#include <string>

#include "gateway/audit/audit_log.h"
#include "gateway/audit/time_format.h"
#include "gateway/store/message_repository.h"

namespace ketenpoort::server {

namespace {
constexpr int kBatch = 500;
constexpr std::int64_t kMsPerDay = 24LL * 60 * 60 * 1000;

// One batch of `kind`: up to kBatch payloads created before `before` dropped, each with its
// `purge` entry, in one transaction. The number dropped.
Result<std::int64_t> PurgeBatch(store::Database& db, const std::string& kind, int days,
                                std::int64_t before, const PurgeClock& clock) {
  store::MessageRepository repo(db);
  KP_ASSIGN_OR_RETURN(auto batch, repo.PayloadsCreatedBefore(kind, before, kBatch));
  if (batch.empty())
    return 0;
  KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
  for (const store::MessageRecord& m : batch) {
    KP_RETURN_IF_ERROR(repo.DropPayload(m.id));
    audit::AuditEntry e;
    e.time_ms = clock.now_ms;  // always the real time: the trail never records another
    e.event = std::string(audit::event::kPurge);
    e.subject_ref = m.subject_ref;
    e.user = "gateway";
    e.organisation = m.sender_org;
    e.role = "retention";
    e.action = std::string(audit::action::kDelete);
    e.object = m.id;
    e.authorisation_basis = "retention:" + kind + ":" + std::to_string(days) + "d";
    if (clock.simulated_ms) {
      e.authorisation_basis += ";simulated_time=" + audit::FormatTime(*clock.simulated_ms);
    }
    e.outcome = std::string(audit::kOutcomeSuccess);
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, std::move(e)));
  }
  KP_RETURN_IF_ERROR(tx.Commit());
  return static_cast<std::int64_t>(batch.size());
}

// The purge, with `on_db(fn)` running each step fn(Database&) and returning its result: on a
// plain connection directly, on a GuardedDatabase inside Write, one batch per lock.
template <typename OnDb>
Result<std::int64_t> Purge(OnDb on_db, const KindRegistry& kinds, const PurgeClock& clock) {
  const std::int64_t as_of = clock.simulated_ms.value_or(clock.now_ms);
  KP_ASSIGN_OR_RETURN(std::vector<std::string> kind_names, on_db([](store::Database& db) {
                        return store::MessageRepository(db).KindsWithPayloads();
                      }));
  std::int64_t purged = 0;
  for (const std::string& kind : kind_names) {
    const MessageKind* k = kinds.Find(kind);
    const int days = k != nullptr ? k->spec().retention_days : kDefaultRetentionDays;
    const std::int64_t before = as_of - days * kMsPerDay;
    for (;;) {
      KP_ASSIGN_OR_RETURN(std::int64_t n, on_db([&](store::Database& db) {
                            return PurgeBatch(db, kind, days, before, clock);
                          }));
      purged += n;
      if (n < kBatch)
        break;
    }
  }
  return purged;
}

}  // namespace

Result<std::int64_t> PurgeExpiredPayloads(store::Database& db, const KindRegistry& kinds,
                                          const PurgeClock& clock) {
  return Purge([&](auto&& fn) { return fn(db); }, kinds, clock);
}

Result<std::int64_t> PurgeExpiredPayloads(store::GuardedDatabase& db, const KindRegistry& kinds,
                                          const PurgeClock& clock) {
  return Purge([&](auto&& fn) { return db.Write(fn); }, kinds, clock);
}

}  // namespace ketenpoort::server
