#include "gateway/federation/outbox_queue.h"

#include <optional>

#include "gateway/audit/audit_log.h"
#include "gateway/core/lifecycle.h"
#include "gateway/core/reason_text.h"
#include "gateway/messages/sender_notice.h"
#include "gateway/store/kind_repository.h"

namespace ketenpoort::delivery {

namespace {

constexpr int kListLimit = 1000;

Status CheckReason(std::string_view reason) {
  return CheckReasonText(reason, "--reason", /*required=*/true);
}

audit::AuditEntry OperatorEntry(const OutboxAction& a, const store::OutboxItem& item,
                                const store::MessageRecord& m, std::string_view outcome) {
  audit::AuditEntry e;
  e.time_ms = a.now_ms;
  e.event = std::string(audit::event::kStatusChange);
  e.user = a.actor;
  e.organisation = m.sender_org;
  e.role = "operator";
  e.action = std::string(audit::action::kUpdate);
  e.object = "outbox:" + std::to_string(item.id);
  e.outcome = std::string(outcome);
  e.subject_ref = m.subject_ref;
  e.authorisation_basis = m.legal_basis;
  return e;
}

// The item and its message, or 404.
Result<std::pair<store::OutboxItem, store::MessageRecord>> Load(store::MessageRepository& repo,
                                                                std::int64_t id) {
  KP_ASSIGN_OR_RETURN(std::optional<store::OutboxItem> item, repo.FindOutbox(id));
  if (!item)
    return NotFound("outbox_item_not_found", "no outbox item " + std::to_string(id), "id");
  KP_ASSIGN_OR_RETURN(auto m, repo.Find(item->message_id, /*with_payload=*/false));
  if (!m)
    return Internal("message_not_found", "the outbox item's message is missing");
  return std::make_pair(std::move(*item), std::move(*m));
}

}  // namespace

Result<std::vector<store::OutboxItem>> ListOutbox(store::Database& db, std::string_view state) {
  return store::MessageRepository(db).OutboxInState(state, kListLimit);
}

Status RetryOutboxItem(store::Database& db, std::int64_t id, const OutboxAction& action) {
  KP_RETURN_IF_ERROR(CheckReason(action.reason));
  store::MessageRepository repo(db);
  KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
  KP_ASSIGN_OR_RETURN(auto loaded, Load(repo, id));
  auto& [item, m] = loaded;
  if (item.state != "dead" && item.state != "pending") {
    return Conflict("outbox_item_final", "outbox item " + std::to_string(id) + " is " + item.state +
                                             ": nothing to retry");
  }
  if (m.recalled_ms)
    return Conflict("message_recalled", "the sender withdrew this message");
  KP_RETURN_IF_ERROR(repo.RequeueOutbox(id, action.now_ms));
  for (const std::string& org : item.recipients) {
    KP_ASSIGN_OR_RETURN(auto d, repo.Delivery(m.id, org));
    if (d && d->state == state::kUndeliverable) {
      KP_RETURN_IF_ERROR(repo.SetState(m.id, org, state::kSent, action.now_ms,
                                       "operator/" + action.actor, action.reason));
    }
  }
  KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, OperatorEntry(action, item, m, "retried")));
  return tx.Commit();
}

Status DropOutboxItem(store::Database& db, std::int64_t id, const OutboxAction& action,
                      const Directory* directory) {
  KP_RETURN_IF_ERROR(CheckReason(action.reason));
  store::MessageRepository repo(db);
  KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
  KP_ASSIGN_OR_RETURN(auto loaded, Load(repo, id));
  auto& [item, m] = loaded;
  if (item.state != "pending") {
    return Conflict("outbox_item_not_pending", "outbox item " + std::to_string(id) + " is " +
                                                   item.state + ", not waiting to be sent");
  }
  KP_RETURN_IF_ERROR(
      repo.UpdateOutbox(id, "dead", item.attempts, item.next_attempt_ms, "dropped", ""));
  store::KindRepository kinds(db);
  for (const std::string& org : item.recipients) {
    KP_ASSIGN_OR_RETURN(auto d, repo.Delivery(m.id, org));
    if (d && d->state == state::kSent) {
      KP_RETURN_IF_ERROR(repo.SetState(m.id, org, state::kUndeliverable, action.now_ms,
                                       "operator/" + action.actor, action.reason));
      store::NoticeRecord n =
          server::SenderNotice(m, "dead_letter", org, "dropped", action.now_ms, directory);
      KP_ASSIGN_OR_RETURN(bool inserted, kinds.InsertNotice(n));
      (void)inserted;
    }
  }
  KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, OperatorEntry(action, item, m, "dropped")));
  return tx.Commit();
}

}  // namespace ketenpoort::delivery
