#include "gateway/deadlines/reminder_worker.h"

#include <utility>
#include <vector>

#include "gateway/audit/audit_log.h"
#include "gateway/deadlines/retention.h"
#include "gateway/log/log.h"
#include "gateway/store/kind_repository.h"
#include "gateway/store/message_repository.h"
#include "gateway/worker/backoff.h"

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

// The mail of a notice, rebuilt from the row whenever it is (re)sent.
// What a notice's mail calls it: the deadline rules' escalations and reminders, and the notices
// a sender gets about its deliveries (messages/sender_notice.h).
// What the notice is, in Dutch and in English: the people who read these mails work in Dutch
// first (docs/DESIGN.md, who uses it); English follows for those who do not.
struct MailWords {
  const char* nl;
  const char* en;
};

MailWords MailWhat(const store::NoticeRecord& n) {
  if (n.type == "escalation")
    return {"escalatie", "escalation"};
  if (n.type == "reminder")
    return {"herinnering", "reminder"};
  if (n.type == "status")
    return {"statuswijziging", "status change"};
  if (n.type == "dead_letter")
    return {"onbestelbaar bericht", "undeliverable message"};
  return {"melding", "notice"};
}

std::string MailSubject(const store::NoticeRecord& n) {
  const MailWords w = MailWhat(n);
  return std::string("Ketenpoort: ") + w.nl + " / " + w.en + " - bericht/message " + n.message_id;
}

// Codes and ids only (a state, an organisation id, a message id): never a payload or a name.
std::string MailText(const store::NoticeRecord& n) {
  const MailWords w = MailWhat(n);
  std::string what = n.reason;
  if (n.type == "status" || n.type == "dead_letter")
    what = n.about_org + ": " + n.reason;
  return std::string("Ketenpoort ") + w.nl + " voor " + n.mail_org + ".\n\n" + what +
         ".\n\nOpen bericht " + n.message_id +
         " in Ketenpoort om de stand te zien en te antwoorden.\n\n-- English --\n\n" +
         "Ketenpoort " + w.en + " for " + n.mail_org + ".\n\n" + what + ".\n\nOpen message " +
         n.message_id + " in Ketenpoort to see its state and answer it.\n";
}

// How many due mails one read takes; a pass reads again while reads come back full.
constexpr int kMailBatch = 32;

}  // namespace

ReminderWorker::ReminderWorker(Config config)
    : config_(std::move(config)),
      worker_({.interval = config_.interval}, [this](std::stop_token stop) {
        auto pass = RunOnce(std::move(stop));
        if (!pass) {
          log::Error("reminder_pass_failed", {{"error", pass.error().ToString()}});
        } else if (pass->notices > 0 || pass->purged > 0 || pass->mailed > 0) {
          log::Info("reminder_pass", {{"notices", std::to_string(pass->notices)},
                                      {"mailed", std::to_string(pass->mailed)},
                                      {"purged", std::to_string(pass->purged)}});
        }
      }) {
  if (!config_.jitter)
    config_.jitter = delivery::SecureJitter();
}

ReminderWorker::~ReminderWorker() {
  Stop();
}

void ReminderWorker::Start() {
  worker_.Start();
}

void ReminderWorker::Stop() {
  worker_.Stop();
}

Result<ReminderWorker::Pass> ReminderWorker::RunOnce(std::stop_token stop) {
  Pass pass;
  const std::int64_t now = config_.clock();
  std::vector<std::string> with_deadlines;  // the kinds that have a deadline rule
  for (const auto& [name, rule] : config_.deadlines)
    with_deadlines.push_back(name);
  KP_ASSIGN_OR_RETURN(std::vector<std::string> ids, config_.db->Read([&](store::Database& db) {
    return store::KindRepository(db).OpenMessages(with_deadlines, now - kLookBackMs);
  }));
  // The directory as it is now, for the whole pass (a reload applies from the next one).
  const std::shared_ptr<const DirectorySnapshot> known = config_.directory->Current();
  const Directory& directory = known->directory;
  // One message at a time under the lock, so submissions never wait for a whole pass.
  for (const std::string& id : ids) {
    if (stop.stop_requested())
      return pass;
    KP_RETURN_IF_ERROR(config_.db->Write([&](store::Database& db) -> Status {
      store::MessageRepository messages(db);
      store::KindRepository kinds(db);
      KP_ASSIGN_OR_RETURN(auto found, messages.Find(id, /*with_payload=*/false));
      const MessageKind* kind = found ? config_.kinds->Find(found->kind) : nullptr;
      auto rule = found ? config_.deadlines.find(found->kind) : config_.deadlines.end();
      if (kind == nullptr || rule == config_.deadlines.end())
        return Ok();
      KP_ASSIGN_OR_RETURN(auto deliveries, messages.Deliveries(id));
      CaseFacts facts{.message_id = found->id,
                      .answer_states = kind->spec().answer_states,
                      .sender_org = found->sender_org,
                      .created_ms = found->created_ms,
                      .deadline_ms = found->deadline_ms,
                      .recalled = found->recalled_ms.has_value(),
                      .routing = found->routing};
      for (const store::DeliveryRecord& d : deliveries) {
        const Organisation* o = directory.Find(d.recipient_org);
        facts.deliveries.push_back(
            {d.recipient_org, o == nullptr ? OrgKind::kCare : o->kind, d.state});
      }
      std::vector<Notice> due = rule->second->DueNotices(facts, now);
      if (due.empty())
        return Ok();
      KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
      for (const Notice& n : due) {
        // A notice is made by the gateway of the organisation it is for: the other gateway of a
        // federated case makes its own from the same states (status reports keep both copies
        // of a delivery in step), so each notice and its mail comes once.
        if (const Organisation* to = directory.Find(n.to_org);
            to != nullptr && !to->gateway_url.empty())
          continue;
        std::string contact;
        if (const Organisation* o = directory.Find(n.mail_org))
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
        if (record.mail_state == "pending")
          record.mail_next_ms = now;  // sent below, after the commit; again if that fails
        KP_ASSIGN_OR_RETURN(bool inserted, kinds.InsertNotice(record));
        if (!inserted)
          continue;
        ++pass.notices;
        audit::AuditEntry e =
            GatewayEntry(audit::event::kReminder, audit::action::kExecute, *found, n.to_org, now);
        KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, std::move(e)));
      }
      return tx.Commit();
    }));
  }
  // Retention: payloads older than their kind allows are dropped (retention.h).
  KP_ASSIGN_OR_RETURN(std::int64_t purged,
                      PurgeExpiredPayloads(*config_.db, *config_.kinds, {.now_ms = now}));
  pass.purged = static_cast<int>(purged);
  KP_ASSIGN_OR_RETURN(pass.mailed, SendDueMails(now, stop));
  return pass;
}

void ReminderWorker::Wake() {
  worker_.Wake();
}

Result<int> ReminderWorker::SendDueMails(std::int64_t now, const std::stop_token& stop) {
  if (!config_.send_mail) {
    // Notices recorded elsewhere (messages/sender_notice.h) do not know whether mail is
    // configured: without a relay theirs is "not_configured", as for the rules' own notices.
    return config_.db->Write([&](store::Database& db) -> Result<int> {
      store::KindRepository kinds(db);
      KP_ASSIGN_OR_RETURN(std::vector<store::NoticeRecord> due, kinds.MailsDue(now, kMailBatch));
      if (due.empty())
        return 0;
      KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
      for (const store::NoticeRecord& n : due)
        KP_RETURN_IF_ERROR(kinds.SetMailState(n.id, "not_configured", ""));
      KP_RETURN_IF_ERROR(tx.Commit());
      return 0;
    });
  }
  const std::shared_ptr<const DirectorySnapshot> known = config_.directory->Current();
  int sent_count = 0;
  for (;;) {
    KP_ASSIGN_OR_RETURN(std::vector<store::NoticeRecord> due,
                        config_.db->Read([&](store::Database& db) {
                          return store::KindRepository(db).MailsDue(now, kMailBatch);
                        }));
    for (const store::NoticeRecord& n : due) {
      if (stop.stop_requested())
        return sent_count;
      const std::int64_t expires = n.created_ms + config_.mail_retry.max_age.count();
      const Organisation* o = known->directory.Find(n.mail_org);
      Status sent = Ok();
      if (now > expires) {  // NextAttempt schedules one last attempt at `expires` itself
        sent = Unavailable("mail_expired", "the notice's mail expired before it could be sent");
      } else if (o == nullptr || o->contact_email.empty()) {
        sent = Unavailable("no_address", "the organisation has no contact address");
      } else {
        // The network, outside the database lock.
        sent = config_.send_mail(o->contact_email, MailSubject(n), MailText(n));
      }
      if (sent)
        ++sent_count;
      KP_RETURN_IF_ERROR(config_.db->Write([&](store::Database& db) -> Status {
        store::KindRepository kinds(db);
        if (sent)
          return kinds.SetMailState(n.id, "sent", "");
        const std::int64_t attempts = n.mail_attempts + (now > expires ? 0 : 1);  // tried now?
        const delivery::RetryDecision next = delivery::NextAttempt(
            config_.mail_retry, static_cast<int>(attempts), n.created_ms, now, config_.jitter);
        log::Warn("reminder_mail_failed", {{"notice", std::to_string(n.id)},
                                           {"message", n.message_id},
                                           {"attempts", std::to_string(attempts)},
                                           {"retry", next.dead_letter ? "no" : "yes"},
                                           {"error", sent.error().code}});
        if (next.dead_letter)
          return kinds.SetMailState(n.id, "failed", sent.error().code);
        return kinds.ScheduleMailRetry(n.id, sent.error().code, attempts, next.next_attempt_ms);
      }));
    }
    // A failed mail is due again strictly later than `now` (equal jitter), so this ends.
    if (static_cast<int>(due.size()) < kMailBatch)
      return sent_count;
  }
}

}  // namespace ketenpoort::server
