#include "gateway/server/reminder_worker.h"

#include <utility>
#include <vector>

#include "gateway/audit/audit_log.h"
#include "gateway/log/log.h"
#include "gateway/server/retention.h"
#include "gateway/store/kind_repository.h"
#include "gateway/store/message_repository.h"

namespace ketenpoort::server {

namespace {

// How far back open messages are looked at: longer than any deadline or reminder.
constexpr std::int64_t kLookBackMs = 400 * kDayMs;

audit::AuditEntry GatewayEntry(std::string_view event, std::string_view action,
                               const store::MessageRecord& m, std::string org, std::int64_t now) {
  audit::AuditEntry e;
  e.time_ms = now;
  e.event = std::string(event);
  e.user = "gateway";
  e.organisation = std::move(org);
  e.role = "gateway";
  e.action = std::string(action);
  e.object = m.id;
  e.subject_ref = m.subject_ref;
  e.authorisation_basis = m.legal_basis;
  e.outcome = std::string(audit::kOutcomeSuccess);
  return e;
}

struct Mail {
  std::int64_t notice_id = 0;
  std::string to;
  std::string subject;
  std::string text;
};

}  // namespace

ReminderWorker::ReminderWorker(Config config) : config_(std::move(config)) {}

ReminderWorker::~ReminderWorker() {
  Stop();
}

void ReminderWorker::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable())
    return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void ReminderWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void ReminderWorker::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    auto pass = RunOnce();
    if (!pass) {
      log::Error("reminder_pass_failed", {{"error", pass.error().ToString()}});
    } else if (pass->notices > 0 || pass->purged > 0) {
      log::Info("reminder_pass", {{"notices", std::to_string(pass->notices)},
                                  {"mailed", std::to_string(pass->mailed)},
                                  {"purged", std::to_string(pass->purged)}});
    }
    lock.lock();
    wake_.wait_for(lock, config_.interval, [this] { return stopping_; });
  }
}

Result<ReminderWorker::Pass> ReminderWorker::RunOnce() {
  Pass pass;
  const std::int64_t now = config_.clock();
  std::vector<Mail> mails;
  std::vector<std::string> with_deadlines;  // the kinds that have a deadline rule
  for (const MessageKind* k : config_.kinds->All()) {
    if (k->spec().deadline != DeadlineRule::kNone)
      with_deadlines.push_back(k->name());
  }
  KP_ASSIGN_OR_RETURN(std::vector<std::string> ids, config_.db->Read([&](store::Database& db) {
    return store::KindRepository(db).OpenMessages(with_deadlines, now - kLookBackMs);
  }));
  // One message at a time under the lock, so submissions never wait for a whole pass.
  for (const std::string& id : ids) {
    KP_RETURN_IF_ERROR(config_.db->Write([&](store::Database& db) -> Status {
      store::MessageRepository messages(db);
      store::KindRepository kinds(db);
      KP_ASSIGN_OR_RETURN(auto found, messages.Find(id, /*with_payload=*/false));
      const MessageKind* kind = found ? config_.kinds->Find(found->kind) : nullptr;
      if (kind == nullptr)
        return Ok();
      KP_ASSIGN_OR_RETURN(auto deliveries, messages.Deliveries(id));
      CaseFacts facts{.message_id = found->id,
                      .rule = kind->spec().deadline,
                      .answer_states = kind->spec().answer_states,
                      .sender_org = found->sender_org,
                      .created_ms = found->created_ms,
                      .deadline_ms = found->deadline_ms,
                      .recalled = found->recalled_ms.has_value(),
                      .routing = found->routing};
      for (const store::DeliveryRecord& d : deliveries) {
        const Organisation* o = config_.directory->Find(d.recipient_org);
        facts.deliveries.push_back(
            {d.recipient_org, o == nullptr ? OrgKind::kCare : o->kind, d.state});
      }
      std::vector<Notice> due = DueNotices(facts, config_.policy, now);
      if (due.empty())
        return Ok();
      KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
      for (const Notice& n : due) {
        std::string contact;
        if (const Organisation* o = config_.directory->Find(n.mail_org))
          contact = o->contact_email;
        store::NoticeRecord record{.message_id = id,
                                   .key = n.key,
                                   .type = n.type,
                                   .to_org = n.to_org,
                                   .about_org = n.about_org,
                                   .mail_org = n.mail_org,
                                   .due_ms = n.due_ms,
                                   .created_ms = now,
                                   .reason = n.reason};
        if (n.mail_org.empty())
          record.mail_state = "none";
        else if (!config_.send_mail)
          record.mail_state = "not_configured";
        else if (contact.empty())
          record.mail_state = "no_address";
        else
          record.mail_state = "pending";
        KP_ASSIGN_OR_RETURN(bool inserted, kinds.InsertNotice(record));
        if (!inserted)
          continue;
        ++pass.notices;
        audit::AuditEntry e =
            GatewayEntry(audit::event::kReminder, audit::action::kExecute, *found, n.to_org, now);
        KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, std::move(e)));
        if (record.mail_state == "pending") {
          const std::string what = n.type == "escalation" ? "escalation" : "reminder";
          mails.push_back({record.id, contact, "Ketenpoort " + what + ": message " + id,
                           "Ketenpoort " + what + " for " + n.mail_org + ".\n\n" + n.reason +
                               ".\n\nOpen message " + id +
                               " in Ketenpoort to see its state and answer it.\n"});
        }
      }
      return tx.Commit();
    }));
  }
  // Retention: payloads older than their kind allows are dropped (retention.h).
  KP_ASSIGN_OR_RETURN(std::int64_t purged, PurgeExpiredPayloads(*config_.db, *config_.kinds, now));
  pass.purged = static_cast<int>(purged);
  // The network, outside the database lock.
  std::vector<std::pair<std::int64_t, Status>> results;
  for (const Mail& m : mails)
    results.emplace_back(m.notice_id, config_.send_mail(m.to, m.subject, m.text));
  if (!results.empty()) {
    KP_RETURN_IF_ERROR(config_.db->Write([&](store::Database& db) -> Status {
      store::KindRepository kinds(db);
      for (const auto& [notice_id, sent] : results) {
        if (sent)
          ++pass.mailed;
        else
          log::Warn("reminder_mail_failed",
                    {{"notice", std::to_string(notice_id)}, {"error", sent.error().code}});
        KP_RETURN_IF_ERROR(
            kinds.SetMailState(notice_id, sent ? "sent" : "failed", sent ? "" : sent.error().code));
      }
      return Ok();
    }));
  }
  return pass;
}

}  // namespace ketenpoort::server
