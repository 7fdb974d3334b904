#include "gateway/server/retention.h"

#include <string>

#include "gateway/audit/audit_log.h"
#include "gateway/store/message_repository.h"

namespace ketenpoort::server {

namespace {
constexpr int kBatch = 500;
constexpr std::int64_t kMsPerDay = 24LL * 60 * 60 * 1000;
}  // namespace

Result<std::int64_t> PurgeExpiredPayloads(store::Database& db, const KindRegistry& kinds,
                                          std::int64_t now_ms) {
  store::MessageRepository repo(db);
  KP_ASSIGN_OR_RETURN(std::vector<std::string> kind_names, repo.KindsWithPayloads());
  std::int64_t purged = 0;
  for (const std::string& kind : kind_names) {
    const MessageKind* k = kinds.Find(kind);
    const int days = k != nullptr ? k->spec().retention_days : kDefaultRetentionDays;
    const std::int64_t before = now_ms - days * kMsPerDay;
    for (;;) {
      KP_ASSIGN_OR_RETURN(auto batch, repo.PayloadsCreatedBefore(kind, before, kBatch));
      if (batch.empty())
        break;
      KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
      for (const store::MessageRecord& m : batch) {
        KP_RETURN_IF_ERROR(repo.DropPayload(m.id));
        audit::AuditEntry e;
        e.time_ms = now_ms;
        e.event = std::string(audit::event::kPurge);
        e.subject_ref = m.subject_ref;
        e.user = "gateway";
        e.organisation = m.sender_org;
        e.role = "retention";
        e.action = std::string(audit::action::kDelete);
        e.object = m.id;
        e.authorisation_basis = "retention:" + kind + ":" + std::to_string(days) + "d";
        e.outcome = std::string(audit::kOutcomeSuccess);
        KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, std::move(e)));
      }
      KP_RETURN_IF_ERROR(tx.Commit());
      purged += static_cast<std::int64_t>(batch.size());
      if (static_cast<int>(batch.size()) < kBatch)
        break;
    }
  }
  return purged;
}

}  // namespace ketenpoort::server
