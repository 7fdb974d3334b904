#include "gateway/securemail/securemail_service.h"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "adapters/transports/sms_client.h"
#include "gateway/audit/audit_log.h"
#include "gateway/audit/time_format.h"
#include "gateway/core/legal_basis.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/envelope.h"
#include "gateway/crypto/hash.h"
#include "gateway/crypto/random.h"
#include "gateway/crypto/totp.h"
#include "gateway/log/log.h"
#include "gateway/messages/message_fields.h"
#include "gateway/securemail/portal/portal_pages.h"
#include "gateway/securemail/securemail_account_repository.h"
#include "gateway/securemail/securemail_codes.h"
#include "gateway/securemail/securemail_repository.h"
#include "gateway/store/blob_repository.h"
#include "gateway/store/message_repository.h"
#include "gateway/worker/backoff.h"

namespace ketenpoort::server {

namespace {

using nlohmann::json;
constexpr std::string_view kKind = "securemail";
constexpr std::string_view kPortalOrg = "portal";
constexpr std::string_view kAccount = "account";
constexpr std::string_view kTotpIssuer = "Ketenpoort";
constexpr int kCodeDigits = 6;
constexpr std::int64_t kMaxNotifyAttempts = 12;
// The delay after a failed notification: 2 s, doubling, at most 10 minutes apart.
const delivery::BackoffPolicy kNotifyRetry{.base = std::chrono::seconds(1),
                                           .factor = 2.0,
                                           .cap = std::chrono::minutes(10),
                                           .jitter = delivery::Jitter::kNone};

// An entry for what an external recipient (or the gateway on their behalf) did.
audit::AuditEntry PortalEntry(std::string_view event, std::string_view action,
                              const store::MessageRecord& m, std::string_view who,
                              std::string_view outcome, const std::string& source,
                              std::int64_t now) {
  audit::AuditEntry e;
  e.time_ms = now;
  e.event = std::string(event);
  e.user = std::string(who);
  e.organisation = std::string(kPortalOrg);
  e.role = "external_recipient";
  e.responsible_user = m.sender_user.empty() ? m.sender_org : m.sender_org + "/" + m.sender_user;
  e.action = std::string(action);
  e.object = m.id;
  e.subject_ref = m.subject_ref;
  e.authorisation_basis = m.legal_basis;
  e.outcome = std::string(outcome);
  e.source_address = source;
  return e;
}

// Who owns the blobs a portal recipient uploads for a reply (store/blob_repository.h): the
// recipient row, so that no other link can claim them.
std::string ReplyOwner(std::int64_t recipient_id) {
  return "portal/r" + std::to_string(recipient_id);
}

Error LinkUnknown() {
  return NotFound("link_unknown", "this link is unknown or no longer valid", "token");
}

// The addresses as read, in turn: the first that could not be read answers its error, an sms
// recipient on a gateway without an SMS provider 422 sms_unavailable.
Result<std::vector<SecureMailAddress>> TakeAddresses(
    std::vector<Result<SecureMailAddress>> addresses, bool sms_available) {
  std::vector<SecureMailAddress> out;
  for (Result<SecureMailAddress>& address : addresses) {
    KP_ASSIGN_OR_RETURN(SecureMailAddress a, std::move(address));
    if (a.verification == "sms" && !sms_available)
      return Refused("sms_unavailable", "this gateway has no SMS provider configured",
                     "recipients");
    out.push_back(std::move(a));
  }
  return out;
}

// A masked address for pages and mails that need to name the recipient without showing it.
std::string SenderName(const Directory& directory, const store::MessageRecord& m) {
  const Organisation* o = directory.Find(m.sender_org);
  std::string name = o != nullptr && !o->name.empty() ? o->name : m.sender_org;
  return name;
}

// The certificate a reply to `m` is sealed to: its sender organisation's.
Result<crypto::Certificate> SenderCertificate(const Directory& directory,
                                              const store::MessageRecord& m) {
  const Organisation* org = directory.Find(m.sender_org);
  if (org == nullptr || org->certificate_pem.empty())
    return Refused("recipient_without_certificate", "the sender organisation has no certificate");
  return crypto::Certificate::FromPem(org->certificate_pem);
}

Status AppendAll(store::Database& db, const std::vector<audit::AuditEntry>& entries) {
  audit::AuditLog log;
  for (const auto& e : entries)
    KP_RETURN_IF_ERROR(log.Append(db, e));
  return Ok();
}

}  // namespace

struct SecureMailService::Access {
  store::MessageRecord message;
  store::SecureMailSettings settings;
  store::SecureMailRecipient recipient;
  std::optional<store::SecureMailSession> session;
};

Result<std::unique_ptr<SecureMailService>> SecureMailService::Create(Deps deps) {
  // The portal's entry as at start: its key was loaded with it (a reload keeps using both).
  const auto known = deps.directory->Current();
  const Organisation* portal = known->directory.Find(kPortalOrg);
  if (portal == nullptr || portal->certificate_pem.empty()) {
    return InvalidArgument("portal_missing",
                           "the directory has no 'portal' organisation with a certificate",
                           "directory");
  }
  KP_ASSIGN_OR_RETURN(crypto::Certificate cert,
                      crypto::Certificate::FromPem(portal->certificate_pem));
  auto s = std::unique_ptr<SecureMailService>(new SecureMailService(std::move(deps)));
  s->portal_cert_ = std::move(cert);
  return s;
}

Result<Accepted> SecureMailService::Submit(const Caller& caller,
                                           Result<SecureMailSubmission> submission,
                                           std::optional<IdempotencyKey> idempotency_key) {
  const std::int64_t now = d_.clock();
  const Principal& who = caller.principal;
  store::MessageRecord m;
  store::SecureMailSettings settings;
  std::vector<SecureMailAddress> recipients;
  std::vector<std::string> blob_ids;

  // In the order the header documents: the fields SecureMailSubmissionFromJson read (or the
  // errors it kept) are taken up one by one between the checks that need this gateway.
  auto parse = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(SecureMailSubmission in, std::move(submission));
    if (d_.directory->Current()->directory.Find(who.org) == nullptr) {
      return PermissionDenied("unknown_sender", "the token's organisation is not in the directory");
    }
    // Every recipient is reached through a mailed link: without a relay, nobody ever could be.
    if (!d_.mailer) {
      return Refused("mail_unavailable",
                     "this gateway has no mail relay (smtp) configured to send the link",
                     "recipients");
    }
    KP_ASSIGN_OR_RETURN(auto addresses, std::move(in.recipients));
    KP_ASSIGN_OR_RETURN(recipients, TakeAddresses(std::move(addresses), static_cast<bool>(d_.sms)));
    KP_ASSIGN_OR_RETURN(SecureMailPresentation shown, std::move(in.presentation));
    settings.subject = std::move(shown.subject);
    settings.show_subject = shown.show_subject;
    settings.lang = shown.lang.empty() ? d_.options.default_lang : std::move(shown.lang);
    settings.sender_email = std::move(shown.sender_email);
    KP_ASSIGN_OR_RETURN(CommonHeader header, std::move(in.header));
    KP_RETURN_IF_ERROR(delivery::CheckNotExpired(header.expires_ms, now));
    m.subject_ref = std::move(header.subject_ref);
    m.deadline_ms = header.deadline_ms;
    m.expires_ms = header.expires_ms;
    KP_ASSIGN_OR_RETURN(m.legal_basis, std::move(in.legal_basis));
    KP_ASSIGN_OR_RETURN(SealedPayload sealed, std::move(in.payload));
    if (!sealed.info.IsFor(*portal_cert_)) {
      return Refused("envelope_recipient_mismatch", "envelope is not encrypted for org 'portal'",
                     "payload");
    }
    const auto known = d_.directory->Current();
    const Organisation* sender = known->directory.Find(who.org);
    std::optional<crypto::Certificate> sender_cert;
    if (!sender->certificate_pem.empty()) {
      auto c = crypto::Certificate::FromPem(sender->certificate_pem);
      if (c)
        sender_cert = std::move(*c);
    }
    for (const crypto::RecipientId& rid : sealed.info.recipients) {
      if (rid.Matches(*portal_cert_) || (sender_cert && rid.Matches(*sender_cert)))
        continue;
      return Refused("envelope_recipient_mismatch",
                     "envelope is also encrypted for someone other than the portal and the sender",
                     "payload");
    }
    m.payload = std::move(sealed.der);
    // Open what the recipients will open, now: a payload or upload the portal cannot show is
    // refused while the sender can still fix it.
    KP_ASSIGN_OR_RETURN(SecureMailDocument doc, OpenDocument(who.org, *m.payload));
    std::vector<crypto::Certificate> allowed{*portal_cert_};
    if (sender_cert)
      allowed.push_back(*sender_cert);
    for (std::size_t i = 0; i < doc.attachments.size(); ++i) {
      if (!doc.attachments[i].streamed())
        continue;
      KP_RETURN_IF_ERROR(CheckUpload(who.org, i, doc.attachments[i], allowed,
                                     /*may_be_claimed=*/idempotency_key.has_value()));
      blob_ids.push_back(doc.attachments[i].blob_id);
    }
    return Ok();
  };
  Status parsed = parse();
  if (!parsed) {
    audit::AuditEntry refused = CallerEntry(caller, audit::event::kSubmit, audit::action::kCreate,
                                            "", parsed.error().code, now);
    KP_RETURN_IF_ERROR(d_.db->Write([&](store::Database& db) -> Status {
      KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
      KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, refused));
      return tx.Commit();
    }));
    return std::move(parsed).error();
  }

  m.id = "m-" + crypto::HexEncode(crypto::RandomBytes(16));
  m.kind = std::string(kKind);
  m.sender_org = who.org;
  m.sender_user = who.user;
  m.created_ms = now;
  const crypto::Digest h = crypto::Sha256(*m.payload);
  m.payload_sha256.assign(h.begin(), h.end());
  settings.message_id = m.id;

  // Slow hashing before the lock.
  std::vector<store::SecureMailRecipient> rows;
  for (const SecureMailAddress& in : recipients) {
    store::SecureMailRecipient r;
    r.message_id = m.id;
    r.email = in.email;
    r.verification = in.verification;
    r.phone = in.phone;
    if (!in.access_code.empty())
      r.access_hash = HashCode(in.access_code);
    r.notify_due_ms = now;
    rows.push_back(std::move(r));
  }

  std::vector<std::string> emails;
  bool replayed = false;
  Result<Accepted> done = d_.db->Write([&](store::Database& db) -> Result<Accepted> {
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    store::MessageRepository messages(db);
    store::SecureMailRepository mail(db);
    if (idempotency_key) {
      const crypto::Digest& request_hash = idempotency_key->request_sha256;
      KP_ASSIGN_OR_RETURN(auto seen, messages.FindIdempotencyKey(who.org, idempotency_key->key));
      if (seen) {
        if (!std::equal(seen->request_sha256.begin(), seen->request_sha256.end(),
                        request_hash.begin(), request_hash.end())) {
          return Conflict("idempotency_conflict",
                          "this Idempotency-Key was used before with another request body");
        }
        KP_ASSIGN_OR_RETURN(auto earlier, mail.Recipients(seen->message_id));
        Accepted first{.id = seen->message_id};
        for (const auto& r : earlier)
          first.recipients.push_back(r.email);
        replayed = true;
        return first;
      }
    }
    KP_RETURN_IF_ERROR(messages.Insert(m, {}, "gateway"));
    if (idempotency_key) {
      KP_RETURN_IF_ERROR(messages.InsertIdempotencyKey(who.org, idempotency_key->key,
                                                       idempotency_key->request_sha256, m.id, now));
    }
    KP_RETURN_IF_ERROR(mail.InsertMessage(settings));
    store::BlobRepository blobs(db);
    for (const std::string& blob : blob_ids) {
      KP_ASSIGN_OR_RETURN(bool claimed, blobs.Claim(blob, who.org, m.id));
      if (!claimed) {
        return Conflict("attachment_claimed",
                        "an attachment_id was used by another message meanwhile");
      }
    }
    std::vector<audit::AuditEntry> entries;
    audit::AuditEntry submit = CallerEntry(caller, audit::event::kSubmit, audit::action::kCreate,
                                           m.id, audit::kOutcomeSuccess, now);
    submit.subject_ref = m.subject_ref;
    submit.authorisation_basis = m.legal_basis;
    entries.push_back(submit);
    for (const auto& r : rows) {
      KP_ASSIGN_OR_RETURN(std::int64_t id, mail.InsertRecipient(r));
      KP_RETURN_IF_ERROR(mail.AddEvent(id, "submitted", r.verification, now));
      emails.push_back(r.email);
    }
    KP_RETURN_IF_ERROR(AppendAll(db, entries));
    KP_RETURN_IF_ERROR(tx.Commit());
    return Accepted{.id = m.id, .recipients = std::move(emails)};
  });
  if (done && work_created_)
    work_created_();  // the notifications are due now
  if (done && !replayed && stored_)
    stored_(MessageService::Stored{m.kind, 0});
  return done;
}

bool SecureMailService::IsSecureMail(std::string_view id) {
  return d_.db->Read([&](store::Database& db) -> bool {
    auto found = store::SecureMailRepository(db).FindMessage(id);
    return found && found->has_value();
  });
}

Status SecureMailService::RecordBlob(const store::BlobRecord& blob,
                                     const audit::AuditEntry& entry) {
  Status recorded = d_.db->Write([&](store::Database& db) -> Status {
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    KP_RETURN_IF_ERROR(store::BlobRepository(db).Insert(blob));
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, entry));
    return tx.Commit();
  });
  if (!recorded)
    (void)d_.blobs->Remove(blob.id);  // no row names it: it must not stay
  return recorded;
}

Result<store::BlobWriter> SecureMailService::BeginUpload(const Caller& caller) {
  if (d_.blobs == nullptr)
    return Unavailable("uploads_unavailable", "this gateway keeps no uploaded attachments");
  if (d_.directory->Current()->directory.Find(caller.principal.org) == nullptr)
    return PermissionDenied("unknown_sender", "the token's organisation is not in the directory");
  return d_.blobs->Create();
}

Result<UploadAccepted> SecureMailService::FinishUpload(const Caller& caller,
                                                       store::BlobWriter writer) {
  const std::int64_t now = d_.clock();
  const std::uint64_t size = writer.size();
  KP_ASSIGN_OR_RETURN(std::string id, writer.Commit());
  store::BlobRecord b{id, caller.principal.org, static_cast<std::int64_t>(size), now, std::nullopt};
  KP_RETURN_IF_ERROR(
      RecordBlob(b, CallerEntry(caller, audit::event::kSubmit, audit::action::kCreate, id,
                                audit::kOutcomeSuccess, now)));
  return UploadAccepted{
      .attachment_id = id, .size = size, .expires_ms = now + d_.options.upload_ttl_ms};
}

Result<SecureMailTracking> SecureMailService::Tracking(const Caller& caller, std::string_view id) {
  const std::int64_t now = d_.clock();
  return d_.db->Write([&](store::Database& db) -> Result<SecureMailTracking> {
    store::MessageRepository messages(db);
    store::SecureMailRepository mail(db);
    KP_ASSIGN_OR_RETURN(auto m, messages.Find(id, false));
    if (!m || m->sender_org != caller.principal.org || m->kind != kKind)
      return NotFound("message_not_found", "no such message", "id");
    KP_ASSIGN_OR_RETURN(auto settings, mail.FindMessage(id));
    KP_ASSIGN_OR_RETURN(auto rows, mail.Recipients(id));
    KP_ASSIGN_OR_RETURN(auto events, mail.Events(id));
    SecureMailTracking out{.id = std::string(id),
                           .deadline_ms = m->deadline_ms,
                           .expires_ms = m->expires_ms,
                           .recalled_ms = m->recalled_ms,
                           .expired = m->expires_ms && *m->expires_ms <= now,
                           .show_subject = settings && settings->show_subject};
    for (const auto& r : rows) {
      SecureMailTracking::Recipient r_out{.email = r.email,
                                          .verification = r.verification,
                                          .state = "pending",
                                          .locked = r.locked,
                                          .failed_attempts = r.failed_attempts};
      for (const auto& e : events) {
        if (e.recipient_id != r.id)
          continue;
        r_out.events.push_back({.event = e.event, .time_ms = e.time_ms, .detail = e.detail});
        // The first time of each step, and the step reached last.
        std::optional<std::int64_t>* step = e.event == "notified"   ? &r_out.notified_ms
                                            : e.event == "verified" ? &r_out.verified_ms
                                            : e.event == "opened"   ? &r_out.opened_ms
                                            : e.event == "replied"  ? &r_out.replied_ms
                                                                    : nullptr;
        if (step != nullptr) {
          if (!*step)
            *step = e.time_ms;
          r_out.state = e.event;
        } else if (e.event == "downloaded" || e.event == "previewed") {
          r_out.downloads.push_back(
              {.file = e.detail, .time_ms = e.time_ms, .preview = e.event == "previewed"});
        } else if (e.event == "deadline_warning") {
          out.warnings.push_back({.email = r.email, .time_ms = e.time_ms, .reason = "not_opened"});
        } else if (e.event == "resent") {
          r_out.state = "resent";
        }
      }
      if (r.locked)
        r_out.state = "locked";
      out.recipients.push_back(std::move(r_out));
    }
    audit::AuditEntry e = CallerEntry(caller, audit::event::kFetch, audit::action::kRead,
                                      std::string(id), audit::kOutcomeSuccess, now);
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, e));
    KP_RETURN_IF_ERROR(tx.Commit());
    return out;
  });
}

Result<Resent> SecureMailService::Resend(const Caller& caller, std::string_view id,
                                         SecureMailResend request) {
  const std::int64_t now = d_.clock();
  KP_ASSIGN_OR_RETURN(std::vector<SecureMailAddress> inputs,
                      TakeAddresses(std::move(request.recipients), static_cast<bool>(d_.sms)));
  std::map<std::string, Bytes> access_hashes;
  for (const auto& in : inputs) {
    if (!in.access_code.empty())
      access_hashes[in.email] = HashCode(in.access_code);
  }
  Result<Resent> done = d_.db->Write([&](store::Database& db) -> Result<Resent> {
    store::MessageRepository messages(db);
    store::SecureMailRepository mail(db);
    KP_ASSIGN_OR_RETURN(auto m, messages.Find(id, false));
    if (!m || m->sender_org != caller.principal.org || m->kind != kKind)
      return NotFound("message_not_found", "no such message", "id");
    if (m->recalled_ms)
      return Gone("message_recalled", "the sender withdrew this message");
    if (m->expires_ms && *m->expires_ms <= now)
      return Gone("message_expired", "this message has expired");
    KP_ASSIGN_OR_RETURN(auto rows, mail.Recipients(id));
    std::vector<store::SecureMailRecipient> updated;
    for (const auto& in : inputs) {
      auto r = std::find_if(rows.begin(), rows.end(),
                            [&](const auto& x) { return x.email == in.email; });
      if (r == rows.end()) {
        return InvalidArgument("invalid_recipients",
                               "an address is not a recipient of this message", "recipients");
      }
      if (VerificationLevel(in.verification) < VerificationLevel(r->verification)) {
        return Refused(
            "verification_weaker",
            "a re-send must use the same or a stronger verification than '" + r->verification + "'",
            "recipients");
      }
      store::SecureMailRecipient u = *r;
      u.verification = in.verification;
      u.phone = in.phone;
      if (in.verification == "access_code")
        u.access_hash = access_hashes[in.email];
      else
        u.access_hash.clear();
      u.notify_due_ms = now;
      u.notify_attempts = 0;
      u.code_hash.clear();
      u.code_expires_ms.reset();
      u.codes_sent = 0;
      u.failed_attempts = 0;
      u.locked = false;
      updated.push_back(std::move(u));
    }
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    for (const auto& u : updated) {
      KP_RETURN_IF_ERROR(mail.UpdateRecipient(u));
      KP_RETURN_IF_ERROR(mail.DeleteSessionsOf(u.id));
      KP_RETURN_IF_ERROR(mail.AddEvent(u.id, "resent", u.verification, now));
    }
    audit::AuditEntry e = CallerEntry(caller, audit::event::kStatusChange, audit::action::kUpdate,
                                      std::string(id), "resent", now);
    e.subject_ref = m->subject_ref;
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, e));
    KP_RETURN_IF_ERROR(tx.Commit());
    Resent resent{.id = std::string(id)};
    for (const auto& u : updated)
      resent.recipients.push_back(u.email);
    return resent;
  });
  if (done && work_created_)
    work_created_();  // the new notifications are due now
  return done;
}

Status SecureMailService::NotifyOne(std::int64_t recipient_id) {
  const std::int64_t now = d_.clock();
  const std::string token = NewLinkToken();
  store::SecureMailRecipient r;
  store::MessageRecord m;
  store::SecureMailSettings settings;
  // Whether a notification is to be sent now.
  KP_ASSIGN_OR_RETURN(bool due, d_.db->Write([&](store::Database& db) -> Result<bool> {
    store::SecureMailRepository mail(db);
    KP_ASSIGN_OR_RETURN(auto found, mail.FindRecipient(recipient_id));
    if (!found || !found->notify_due_ms)
      return false;
    r = std::move(*found);
    KP_ASSIGN_OR_RETURN(auto msg, store::MessageRepository(db).Find(r.message_id, false));
    KP_ASSIGN_OR_RETURN(auto set, mail.FindMessage(r.message_id));
    if (!msg || !set)
      return false;
    m = std::move(*msg);
    settings = std::move(*set);
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    if (m.recalled_ms || (m.expires_ms && *m.expires_ms <= now)) {
      r.notify_due_ms.reset();
      KP_RETURN_IF_ERROR(mail.UpdateRecipient(r));
      KP_RETURN_IF_ERROR(tx.Commit());
      return false;
    }
    r.token_hash = SecretHash(token);  // the previous link (if any) stops working now
    KP_RETURN_IF_ERROR(mail.UpdateRecipient(r));
    KP_RETURN_IF_ERROR(tx.Commit());
    return true;
  }));
  if (!due)
    return Ok();
  const portal::Lang lang = portal::ParseLang(settings.lang);
  portal::NotificationFacts facts;
  facts.sender = SenderName(d_.directory->Current()->directory, m);
  facts.link = d_.options.base_url + "/m/" + token;
  facts.verify_url = d_.options.base_url + "/m/verify-gateway";
  facts.fingerprint = d_.options.fingerprint;
  facts.subject = settings.show_subject ? settings.subject : "";
  facts.verification = r.verification;
  facts.deadline = m.deadline_ms ? audit::FormatTime(*m.deadline_ms) : "";
  portal::MailContent content = portal::NotificationMail(lang, facts);
  Status sent = d_.mailer ? d_.mailer({r.email, content.subject, content.text, content.html})
                          : Status(Unavailable("smtp_not_configured", "no mail relay configured"));

  return d_.db->Write([&](store::Database& db) -> Status {
    store::SecureMailRepository mail(db);
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    const std::int64_t done = d_.clock();
    if (sent) {
      r.notify_due_ms.reset();
      r.notify_attempts = 0;
      KP_RETURN_IF_ERROR(mail.UpdateRecipient(r));
      KP_RETURN_IF_ERROR(mail.AddEvent(r.id, "notified", r.verification, done));
      KP_RETURN_IF_ERROR(audit::AuditLog().Append(
          db, PortalEntry(audit::event::kDeliver, audit::action::kCreate, m, "gateway",
                          audit::kOutcomeSuccess, "", done)));
    } else {
      r.notify_attempts += 1;
      // Tried again until sent or the message expires (the attempt after its expiry clears it,
      // above); a message without an expiry gives up after kMaxNotifyAttempts.
      if (!m.expires_ms && r.notify_attempts >= kMaxNotifyAttempts) {
        r.notify_due_ms.reset();
      } else {
        r.notify_due_ms =
            done + delivery::BaseDelayMs(kNotifyRetry, static_cast<int>(r.notify_attempts) + 1);
      }
      KP_RETURN_IF_ERROR(mail.UpdateRecipient(r));
      KP_RETURN_IF_ERROR(mail.AddEvent(r.id, r.notify_due_ms ? "notify_failed" : "notify_dead",
                                       sent.error().code, done));
      KP_RETURN_IF_ERROR(
          audit::AuditLog().Append(db, PortalEntry(audit::event::kDeliver, audit::action::kCreate,
                                                   m, "gateway", sent.error().code, "", done)));
      log::Warn(
          "securemail_notify_failed",
          {{"message", m.id}, {"recipient", std::to_string(r.id)}, {"error", sent.error().code}});
    }
    return tx.Commit();
  });
}

int SecureMailService::RunDueWork(std::stop_token stop) {
  int actions = 0;
  const std::int64_t now = d_.clock();
  std::vector<std::int64_t> due;
  std::vector<std::string> deadlines;
  std::vector<std::string> expiries;
  d_.db->Write([&](store::Database& db) {
    store::SecureMailRepository mail(db);
    auto rows = mail.DueNotifications(now, 50);
    if (rows) {
      for (const auto& r : *rows)
        due.push_back(r.id);
    }
    auto d = mail.DeadlinesDue(now, d_.options.deadline_warning_ms);
    if (d)
      deadlines = std::move(*d);
    auto e = mail.ExpiriesDue(now);
    if (e)
      expiries = std::move(*e);
    auto removed = mail.DeleteExpiredSessions(now);  // autocommit; no secret is lost
    if (removed && *removed > 0)
      ++actions;
  });
  for (std::int64_t id : due) {
    if (stop.stop_requested())
      return actions;
    if (Status s = NotifyOne(id); !s)
      log::Error("securemail_notify_error", {{"error", s.error().ToString()}});
    ++actions;
  }
  for (const std::string& id : deadlines) {
    if (stop.stop_requested())
      return actions;
    std::vector<transports::MailMessage> warnings;
    // Whether the warnings were recorded: only then are they mailed.
    const bool recorded = d_.db->Write([&](store::Database& db) {
      store::SecureMailRepository mail(db);
      auto m = store::MessageRepository(db).Find(id, false);
      auto settings = mail.FindMessage(id);
      auto rows = mail.Recipients(id);
      auto events = mail.Events(id);
      if (!m || !*m || !settings || !*settings || !rows || !events)
        return false;
      auto tx = store::Transaction::Begin(db);
      if (!tx)
        return false;
      bool ok = static_cast<bool>(mail.SetDeadlineWarned(id, now));
      for (const auto& r : *rows) {
        bool opened = std::any_of(events->begin(), events->end(), [&](const auto& e) {
          return e.recipient_id == r.id && e.event == "opened";
        });
        if (opened)
          continue;
        ok = ok &&
             mail.AddEvent(r.id, "deadline_warning", audit::FormatTime(*(*m)->deadline_ms), now);
        ok = ok && audit::AuditLog().Append(
                       db, PortalEntry(audit::event::kStatusChange, audit::action::kExecute, **m,
                                       "gateway", "deadline_warning", "", now));
        if (!(*settings)->sender_email.empty()) {
          portal::MailContent c =
              portal::DeadlineWarningMail(portal::ParseLang((*settings)->lang), id, r.email,
                                          audit::FormatTime(*(*m)->deadline_ms));
          warnings.push_back({(*settings)->sender_email, c.subject, c.text, c.html});
        }
      }
      return ok && static_cast<bool>(tx->Commit());
    });
    if (!recorded)
      continue;
    for (const auto& w : warnings) {
      if (d_.mailer) {
        if (Status s = d_.mailer(w); !s)
          log::Warn("securemail_warning_mail_failed", {{"message", id}, {"error", s.error().code}});
      }
    }
    ++actions;
  }
  for (const std::string& id : expiries) {
    if (stop.stop_requested())
      return actions;
    d_.db->Write([&](store::Database& db) {
      store::SecureMailRepository mail(db);
      auto m = store::MessageRepository(db).Find(id, false);
      auto tx = store::Transaction::Begin(db);
      if (!m || !*m || !tx)
        return;
      // The content goes at expiry (its uploads with it, below): nobody may open it any more.
      bool ok = static_cast<bool>(mail.SetExpired(id, now)) &&
                static_cast<bool>(store::MessageRepository(db).DropPayload(id)) &&
                static_cast<bool>(audit::AuditLog().Append(
                    db, PortalEntry(audit::event::kExpire, audit::action::kDelete, **m, "gateway",
                                    audit::kOutcomeSuccess, "", now)));
      if (ok && tx->Commit())
        ++actions;
    });
  }
  actions += DeleteUnneededBlobs(now);
  return actions;
}

int SecureMailService::DeleteUnneededBlobs(std::int64_t now) {
  if (d_.blobs == nullptr)
    return 0;
  std::vector<store::BlobRecord> gone;
  const bool deleted = d_.db->Write([&](store::Database& db) {
    store::BlobRepository blobs(db);
    auto ids = blobs.Disposable(now - d_.options.upload_ttl_ms, 100);
    if (!ids || ids->empty())
      return false;
    auto tx = store::Transaction::Begin(db);
    if (!tx)
      return false;
    for (const std::string& id : *ids) {
      auto found = blobs.Find(id);
      if (!found || !*found || !blobs.Delete(id))
        return false;
      gone.push_back(std::move(**found));
      audit::AuditEntry e;
      e.time_ms = now;
      e.event = std::string(audit::event::kPurge);
      e.user = "gateway";
      e.organisation = gone.back().org;
      e.role = "system";
      e.action = std::string(audit::action::kDelete);
      e.object = gone.back().message_id ? *gone.back().message_id + "/" + id : id;
      e.outcome = gone.back().message_id ? "content_gone" : "unclaimed_upload";
      if (!audit::AuditLog().Append(db, e))
        return false;
    }
    return static_cast<bool>(tx->Commit());
  });
  if (!deleted)
    return 0;
  // After the commit: a crash before these leaves files no row names, which the start-up
  // sweep removes.
  for (const store::BlobRecord& b : gone) {
    if (Status s = d_.blobs->Remove(b.id); !s)
      log::Warn("blob_remove_failed", {{"blob", b.id}, {"error", s.error().code}});
  }
  return static_cast<int>(gone.size());
}

Result<SecureMailService::Access> SecureMailService::Authorize(store::Database& db,
                                                               const PortalCredentials& who,
                                                               bool need_verified, bool check_csrf,
                                                               std::int64_t now) {
  store::SecureMailRepository mail(db);
  if (who.token.size() < 40 || who.token.size() > 64)
    return LinkUnknown();
  KP_ASSIGN_OR_RETURN(auto r, mail.FindRecipientByToken(SecretHash(who.token)));
  if (!r)
    return LinkUnknown();
  KP_ASSIGN_OR_RETURN(auto m, store::MessageRepository(db).Find(r->message_id, false));
  KP_ASSIGN_OR_RETURN(auto settings, mail.FindMessage(r->message_id));
  if (!m || !settings)
    return LinkUnknown();
  if (m->recalled_ms)
    return Gone("message_recalled", "the sender withdrew this message");
  if (m->expires_ms && *m->expires_ms <= now)
    return Gone("message_expired", "this message has expired");
  Access a{std::move(*m), std::move(*settings), std::move(*r), std::nullopt};
  if (!who.session.empty()) {
    KP_ASSIGN_OR_RETURN(auto s, mail.FindSession(SecretHash(who.session)));
    if (s && s->recipient_id == a.recipient.id && s->expires_ms > now)
      a.session = std::move(*s);
  }
  if (check_csrf || need_verified) {
    if (!a.session)
      return PermissionDenied("session_invalid", "no valid session for this link");
  }
  // The token presented against the session's own, in constant time.
  if (check_csrf && !crypto::ConstantTimeEqual(AsBytes(who.csrf), AsBytes(a.session->csrf))) {
    return PermissionDenied("csrf_invalid", "the form is stale or not from this page");
  }
  if (need_verified && !a.session->verified_ms)
    return PermissionDenied("not_verified", "verification is needed first");
  if (need_verified && a.recipient.verification == kAccount) {
    KP_ASSIGN_OR_RETURN(auto account,
                        store::SecureMailAccountRepository(db).Find(a.recipient.email));
    if (!account || !account->enrolled_ms)
      return PermissionDenied("enrolment_needed", "the authenticator app is not set up yet");
  }
  return a;
}

Result<SecureMailService::Visit> SecureMailService::Enter(const PortalCredentials& who,
                                                          const std::string& source) {
  (void)source;
  const std::int64_t now = d_.clock();
  return d_.db->Write([&](store::Database& db) -> Result<SecureMailService::Visit> {
    KP_ASSIGN_OR_RETURN(Access a, Authorize(db, who, /*need_verified=*/false,
                                            /*check_csrf=*/false, now));
    Visit v;
    v.message_id = a.message.id;
    v.verification = a.recipient.verification;
    v.sender = SenderName(d_.directory->Current()->directory, a.message);
    v.lang = a.settings.lang;
    v.locked = a.recipient.locked;
    v.attempts_left =
        std::max<std::int64_t>(0, d_.options.max_attempts - a.recipient.failed_attempts);
    v.code_active = !a.recipient.code_hash.empty() && a.recipient.code_expires_ms &&
                    *a.recipient.code_expires_ms > now;
    v.can_request_code =
        a.recipient.verification != "access_code" && a.recipient.codes_sent < d_.options.max_codes;
    std::optional<store::SecureMailAccount> account;
    if (a.recipient.verification == kAccount) {
      KP_ASSIGN_OR_RETURN(account, store::SecureMailAccountRepository(db).Find(a.recipient.email));
      v.account_enrolled = account && account->enrolled_ms;
      if (v.account_enrolled) {
        v.can_request_code = false;  // the app makes the codes
        v.code_active = true;
      }
    }
    if (a.session) {
      v.csrf = a.session->csrf;
      v.verified = a.session->verified_ms.has_value();
      if (v.verified && a.recipient.verification == kAccount && !v.account_enrolled) {
        // The address is proven; the app comes next. One secret per address until enrolled.
        v.verified = false;
        v.needs_enrolment = true;
        if (!account) {
          store::SecureMailAccount fresh{a.recipient.email, crypto::NewTotpSecret(), std::nullopt,
                                         0, now};
          KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
          KP_RETURN_IF_ERROR(store::SecureMailAccountRepository(db).Insert(fresh));
          KP_RETURN_IF_ERROR(tx.Commit());
          account = std::move(fresh);
        }
        v.enrol_key = crypto::TotpSecretBase32(account->secret);
        v.enrol_uri = crypto::OtpAuthUri(kTotpIssuer, a.recipient.email, account->secret);
      }
      return v;
    }
    store::SecureMailSession s;
    const std::string secret = NewLinkToken();
    s.session_hash = SecretHash(secret);
    s.recipient_id = a.recipient.id;
    s.csrf = crypto::Base64UrlEncode(crypto::RandomBytes(24));
    s.expires_ms = now + d_.options.session_ttl_ms;
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    KP_RETURN_IF_ERROR(store::SecureMailRepository(db).InsertSession(s));
    KP_RETURN_IF_ERROR(tx.Commit());
    v.new_session = secret;
    v.csrf = s.csrf;
    return v;
  });
}

Status SecureMailService::RequestCode(const PortalCredentials& who, const std::string& source) {
  const std::int64_t now = d_.clock();
  const std::string code = NewNumericCode(kCodeDigits);
  Bytes code_hash = HashCode(code);
  store::SecureMailRecipient r;
  store::MessageRecord m;
  std::string lang;
  KP_RETURN_IF_ERROR(d_.db->Write([&](store::Database& db) -> Status {
    KP_ASSIGN_OR_RETURN(Access a, Authorize(db, who, /*need_verified=*/false,
                                            /*check_csrf=*/true, now));
    if (a.recipient.verification == "access_code")
      return Conflict("no_code_needed", "this message opens with the sender's access code");
    if (a.recipient.verification == kAccount) {
      KP_ASSIGN_OR_RETURN(auto account,
                          store::SecureMailAccountRepository(db).Find(a.recipient.email));
      if (account && account->enrolled_ms)
        return Conflict("no_code_needed", "this message opens with the authenticator app's code");
    }
    if (a.recipient.codes_sent >= d_.options.max_codes)
      return Error{ErrorKind::kRateLimited, "too_many_codes",
                   "no more codes can be sent for this link; ask the sender to send it again", ""};
    r = a.recipient;
    m = a.message;
    lang = a.settings.lang;
    r.code_hash = std::move(code_hash);
    r.code_expires_ms = now + d_.options.code_ttl_ms;
    r.codes_sent += 1;
    r.failed_attempts = 0;  // a new code is a new round of attempts
    r.locked = false;
    store::SecureMailRepository mail(db);
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    KP_RETURN_IF_ERROR(mail.UpdateRecipient(r));
    KP_RETURN_IF_ERROR(mail.AddEvent(r.id, "code_sent", r.verification, now));
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(
        db, PortalEntry(audit::event::kPortalVerify, audit::action::kExecute, m, r.email,
                        "code_sent", source, now)));
    return tx.Commit();
  }));
  const portal::Lang l = portal::ParseLang(lang);
  if (r.verification == "sms") {
    if (!d_.sms)
      return Unavailable("sms_not_configured", "no SMS provider configured");
    return d_.sms(r.phone, portal::CodeSms(l, code));
  }
  if (!d_.mailer)
    return Unavailable("smtp_not_configured", "no mail relay configured");
  portal::MailContent c =
      portal::CodeMail(l, code, SenderName(d_.directory->Current()->directory, m));
  return d_.mailer({r.email, c.subject, c.text, c.html});
}

Result<std::string> SecureMailService::Verify(const PortalCredentials& who, std::string_view code,
                                              const std::string& source) {
  const std::int64_t now = d_.clock();
  KP_ASSIGN_OR_RETURN(Access a, d_.db->Read([&](store::Database& db) {
    return Authorize(db, who, /*need_verified=*/false, /*check_csrf=*/true, now);
  }));
  if (a.recipient.locked) {
    return Error{ErrorKind::kRateLimited, "locked", "too many wrong attempts", "code"};
  }
  // The slow comparison runs outside the lock.
  bool match = false;
  std::optional<store::SecureMailAccount> account;
  if (a.recipient.verification == kAccount) {
    KP_ASSIGN_OR_RETURN(account, d_.db->Read([&](store::Database& db) {
      return store::SecureMailAccountRepository(db).Find(a.recipient.email);
    }));
    if (account && !account->enrolled_ms)
      account.reset();  // not set up yet: the mailed code proves the address first
  }
  std::optional<std::int64_t> app_step;
  if (code.size() <= 128) {
    if (account) {
      app_step = crypto::MatchTotp(account->secret, code, now / 1000, account->last_step);
      match = app_step.has_value();
    } else if (a.recipient.verification == "access_code") {
      match = CodeMatches(a.recipient.access_hash, code);
    } else if (a.recipient.code_expires_ms && *a.recipient.code_expires_ms > now) {
      match = CodeMatches(a.recipient.code_hash, code);
    }
  }
  return d_.db->Write([&](store::Database& db) -> Result<std::string> {
    store::SecureMailRepository mail(db);
    if (app_step) {
      // Each time step once: a second use of the same code (here or in a race) fails.
      KP_ASSIGN_OR_RETURN(bool fresh, store::SecureMailAccountRepository(db).SetLastStep(
                                          a.recipient.email, *app_step));
      match = match && fresh;
    }
    // Re-read: another attempt may have counted meanwhile.
    KP_ASSIGN_OR_RETURN(auto fresh, mail.FindRecipient(a.recipient.id));
    if (!fresh)
      return LinkUnknown();
    store::SecureMailRecipient r = std::move(*fresh);
    if (r.locked)
      return Error{ErrorKind::kRateLimited, "locked", "too many wrong attempts", "code"};
    if (r.code_hash != a.recipient.code_hash || r.access_hash != a.recipient.access_hash)
      match = false;  // the code changed under us: check the new one on the next attempt
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    if (!match) {
      r.failed_attempts += 1;
      const bool lock_now = r.failed_attempts >= d_.options.max_attempts;
      if (lock_now) {
        r.locked = true;
        r.code_hash.clear();
        r.code_expires_ms.reset();
      }
      KP_RETURN_IF_ERROR(mail.UpdateRecipient(r));
      KP_RETURN_IF_ERROR(mail.AddEvent(r.id, lock_now ? "locked" : "verify_failed",
                                       std::to_string(r.failed_attempts), now));
      KP_RETURN_IF_ERROR(audit::AuditLog().Append(
          db, PortalEntry(audit::event::kPortalVerify, audit::action::kExecute, a.message, r.email,
                          lock_now ? "locked" : "wrong_code", source, now)));
      KP_RETURN_IF_ERROR(tx.Commit());
      if (lock_now)
        return Error{ErrorKind::kRateLimited, "locked", "too many wrong attempts", "code"};
      return Refused("wrong_code", "the code is wrong or has expired", "code");
    }
    r.failed_attempts = 0;
    r.code_hash.clear();  // one-time
    r.code_expires_ms.reset();
    KP_RETURN_IF_ERROR(mail.UpdateRecipient(r));
    KP_RETURN_IF_ERROR(mail.DeleteSession(a.session->session_hash));
    store::SecureMailSession s;
    const std::string secret = NewLinkToken();
    s.session_hash = SecretHash(secret);
    s.recipient_id = r.id;
    s.csrf = crypto::Base64UrlEncode(crypto::RandomBytes(24));
    s.verified_ms = now;
    s.expires_ms = now + d_.options.session_ttl_ms;
    KP_RETURN_IF_ERROR(mail.InsertSession(s));
    KP_RETURN_IF_ERROR(mail.AddEvent(r.id, "verified", r.verification, now));
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(
        db, PortalEntry(audit::event::kPortalVerify, audit::action::kExecute, a.message, r.email,
                        audit::kOutcomeSuccess, source, now)));
    KP_RETURN_IF_ERROR(tx.Commit());
    return secret;
  });
}

Status SecureMailService::Enrol(const PortalCredentials& who, std::string_view code,
                                const std::string& source) {
  const std::int64_t now = d_.clock();
  return d_.db->Write([&](store::Database& db) -> Status {
    KP_ASSIGN_OR_RETURN(Access a, Authorize(db, who, /*need_verified=*/false,
                                            /*check_csrf=*/true, now));
    if (!a.session->verified_ms)
      return PermissionDenied("not_verified", "the mailed code is needed first");
    if (a.recipient.verification != kAccount)
      return Conflict("no_enrolment", "this message does not use an authenticator app");
    store::SecureMailAccountRepository accounts(db);
    KP_ASSIGN_OR_RETURN(auto account, accounts.Find(a.recipient.email));
    if (!account)
      return PermissionDenied("not_verified", "open the link again to set up the app");
    if (account->enrolled_ms)
      return Conflict("already_enrolled", "the authenticator app is already set up");
    auto step = crypto::MatchTotp(account->secret, code, now / 1000, account->last_step);
    if (!step)
      return Refused("wrong_code", "the code is wrong; check the phone's clock", "code");
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    KP_ASSIGN_OR_RETURN(bool enrolled, accounts.MarkEnrolled(a.recipient.email, now, *step));
    if (!enrolled)
      return Refused("wrong_code", "this code was used already", "code");
    store::SecureMailRepository mail(db);
    KP_RETURN_IF_ERROR(mail.AddEvent(a.recipient.id, "enrolled", std::string(kAccount), now));
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(
        db, PortalEntry(audit::event::kPortalVerify, audit::action::kCreate, a.message,
                        a.recipient.email, "enrolled", source, now)));
    return tx.Commit();
  });
}

Result<SecureMailDocument> SecureMailService::OpenDocument(const std::string& sender_org,
                                                           ByteView payload) {
  auto inner = d_.keyring->DecryptCms(d_.portal_key_id, *portal_cert_, payload);
  if (!inner) {
    return Refused("payload_unreadable",
                   "the portal cannot decrypt the payload: " + inner.error().message, "payload");
  }
  KP_ASSIGN_OR_RETURN(crypto::SignedContent signed_content,
                      crypto::VerifySignedData(*inner, d_.trust_anchors));
  const auto known = d_.directory->Current();
  const Organisation* sender = known->directory.Find(sender_org);
  auto sender_cert = sender ? crypto::Certificate::FromPem(sender->certificate_pem)
                            : Result<crypto::Certificate>(NotFound("no_cert", "no certificate"));
  if (!sender_cert || !(*sender_cert == signed_content.signer)) {
    return Refused("signer_mismatch", "the content is not signed by the sender organisation",
                   "payload");
  }
  return ParseSecureMailDocument(signed_content.content);
}

Status SecureMailService::CheckUpload(const std::string& org, std::size_t index,
                                      const DocumentAttachment& a,
                                      const std::vector<crypto::Certificate>& allowed,
                                      bool may_be_claimed) {
  const std::string which = "attachment " + std::to_string(index + 1);
  if (d_.blobs == nullptr)
    return Unavailable("uploads_unavailable", "this gateway keeps no uploaded attachments");
  // Whether the upload is already claimed: then this is an idempotent repeat.
  KP_ASSIGN_OR_RETURN(bool repeat, d_.db->Read([&](store::Database& db) -> Result<bool> {
    KP_ASSIGN_OR_RETURN(auto blob, store::BlobRepository(db).Find(a.blob_id));
    if (!blob || blob->org != org || (blob->message_id && !may_be_claimed)) {
      return Refused("attachment_unknown",
                     which + ": its attachment_id is not an unused upload of this organisation",
                     "payload");
    }
    return blob->message_id.has_value();
  }));
  if (repeat)
    return Ok();  // the first submission checked it
  KP_ASSIGN_OR_RETURN(crypto::EnvelopeInfo info, crypto::InspectEnvelope(a.envelope_der));
  bool for_portal = false;
  for (const crypto::RecipientId& rid : info.recipients) {
    bool known = false;
    for (const crypto::Certificate& c : allowed)
      known = known || rid.Matches(c);
    if (!known) {
      return Refused("envelope_recipient_mismatch",
                     which +
                         ": its envelope is also encrypted for someone other than the "
                         "portal and the sender",
                     "payload");
    }
    for_portal = for_portal || rid.Matches(*portal_cert_);
  }
  if (!for_portal) {
    return Refused("envelope_recipient_mismatch",
                   which + ": its envelope is not encrypted for org 'portal'", "payload");
  }
  auto key = d_.keyring->UnlockEnvelope(d_.portal_key_id, *portal_cert_, a.envelope_der);
  if (!key)
    return Refused(key.error().code, which + ": " + key.error().message, "payload");
  KP_ASSIGN_OR_RETURN(std::string path, d_.blobs->PathOf(a.blob_id));
  KP_ASSIGN_OR_RETURN(crypto::DetachedReader reader,
                      crypto::DetachedReader::Open(std::move(*key), path));
  crypto::Sha256Stream hash;
  std::uint64_t size = 0;
  std::vector<std::uint8_t> buffer(256 * 1024);
  for (;;) {
    auto n = reader.Read(buffer);
    if (!n) {
      return Refused("attachment_mismatch",
                     which +
                         ": the upload does not decrypt under its envelope (damaged, or "
                         "another file's envelope)",
                     "payload");
    }
    if (*n == 0)
      break;
    size += *n;
    hash.Update(ByteView(buffer.data(), *n));
  }
  const crypto::Digest digest = hash.Finish();
  if (size != a.size || !crypto::ConstantTimeEqual(digest, a.sha256)) {
    return Refused("attachment_mismatch",
                   which +
                       ": the upload is not the file the sender signed (size or SHA-256 "
                       "differ)",
                   "payload");
  }
  return Ok();
}

Result<SecureMailService::Content> SecureMailService::Decrypt(const std::string& message_id) {
  KP_ASSIGN_OR_RETURN(
      store::MessageRecord m, d_.db->Read([&](store::Database& db) -> Result<store::MessageRecord> {
        KP_ASSIGN_OR_RETURN(auto found, store::MessageRepository(db).Find(message_id, true));
        if (!found)
          return LinkUnknown();
        return std::move(*found);
      }));
  if (!m.payload)
    return Gone("message_recalled", "the sender withdrew this message");
  KP_ASSIGN_OR_RETURN(SecureMailDocument doc, OpenDocument(m.sender_org, *m.payload));
  Content c;
  c.sender = SenderName(d_.directory->Current()->directory, m);
  c.created = audit::FormatTime(m.created_ms);
  c.deadline = m.deadline_ms ? audit::FormatTime(*m.deadline_ms) : "";
  c.body = std::move(doc.body);
  for (DocumentAttachment& a : doc.attachments)
    c.attachments.push_back({a.name, a.type, a.size, std::move(a.data), nullptr});
  c.document_attachments = std::move(doc.attachments);
  return c;
}

Result<SecureMailService::Content> SecureMailService::Read(const PortalCredentials& who,
                                                           const std::string& source) {
  const std::int64_t now = d_.clock();
  KP_ASSIGN_OR_RETURN(Access a, d_.db->Read([&](store::Database& db) {
    return Authorize(db, who, /*need_verified=*/true, /*check_csrf=*/false, now);
  }));
  auto content = Decrypt(a.message.id);
  return d_.db->Write([&](store::Database& db) -> Result<SecureMailService::Content> {
    store::SecureMailRepository mail(db);
    KP_ASSIGN_OR_RETURN(auto events, mail.Events(a.message.id));
    const bool first = std::none_of(events.begin(), events.end(), [&](const auto& e) {
      return e.recipient_id == a.recipient.id && e.event == "opened";
    });
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    if (content && first)
      KP_RETURN_IF_ERROR(mail.AddEvent(a.recipient.id, "opened", "", now));
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(
        db, PortalEntry(audit::event::kOpen, audit::action::kRead, a.message, a.recipient.email,
                        content ? std::string(audit::kOutcomeSuccess) : content.error().code,
                        source, now)));
    KP_RETURN_IF_ERROR(tx.Commit());
    if (content && !a.settings.subject.empty())
      content->subject = a.settings.subject;
    return content;
  });
}

Result<SecureMailService::Attachment> SecureMailService::Download(const PortalCredentials& who,
                                                                  std::size_t index,
                                                                  const std::string& source,
                                                                  bool preview) {
  const std::int64_t now = d_.clock();
  KP_ASSIGN_OR_RETURN(Access a, d_.db->Read([&](store::Database& db) {
    return Authorize(db, who, /*need_verified=*/true, /*check_csrf=*/false, now);
  }));
  KP_ASSIGN_OR_RETURN(Content c, Decrypt(a.message.id));
  if (index >= c.attachments.size())
    return NotFound("attachment_not_found", "no such attachment", "n");
  Attachment out = std::move(c.attachments[index]);
  const DocumentAttachment& where = c.document_attachments[index];
  if (where.streamed()) {
    if (d_.blobs == nullptr)
      return Unavailable("uploads_unavailable", "this gateway keeps no uploaded attachments");
    KP_ASSIGN_OR_RETURN(
        crypto::UnlockedEnvelope key,
        d_.keyring->UnlockEnvelope(d_.portal_key_id, *portal_cert_, where.envelope_der));
    KP_ASSIGN_OR_RETURN(std::string path, d_.blobs->PathOf(where.blob_id));
    KP_ASSIGN_OR_RETURN(crypto::DetachedReader reader,
                        crypto::DetachedReader::Open(std::move(key), path));
    out.stream = std::make_shared<crypto::DetachedReader>(std::move(reader));
  }
  return d_.db->Write([&](store::Database& db) -> Result<SecureMailService::Attachment> {
    store::SecureMailRepository mail(db);
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    KP_RETURN_IF_ERROR(
        mail.AddEvent(a.recipient.id, preview ? "previewed" : "downloaded", out.name, now));
    audit::AuditEntry e = PortalEntry(audit::event::kDownload, audit::action::kRead, a.message,
                                      a.recipient.email, audit::kOutcomeSuccess, source, now);
    // The object is the message (so the sender organisation's auditor finds it); which file it
    // was is in the tracking event beside it.
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, e));
    KP_RETURN_IF_ERROR(tx.Commit());
    return out;
  });
}

Result<SecureMailService::ReplyUpload> SecureMailService::BeginReplyUpload(
    const PortalCredentials& who, const std::string& source) {
  if (d_.blobs == nullptr)
    return Unavailable("uploads_unavailable", "this gateway keeps no uploaded attachments");
  const std::int64_t now = d_.clock();
  KP_ASSIGN_OR_RETURN(Access a, d_.db->Read([&](store::Database& db) {
    return Authorize(db, who, /*need_verified=*/true, /*check_csrf=*/true, now);
  }));
  KP_ASSIGN_OR_RETURN(crypto::Certificate org_cert,
                      SenderCertificate(d_.directory->Current()->directory, a.message));
  KP_ASSIGN_OR_RETURN(SealingUpload sealing,
                      SealingUpload::Begin(*d_.blobs, {org_cert, *portal_cert_}));
  return ReplyUpload{std::move(sealing), ReplyOwner(a.recipient.id), std::move(a.message),
                     a.recipient.email, source};
}

Result<ReplyUploaded> SecureMailService::FinishReplyUpload(ReplyUpload upload) {
  const std::int64_t now = d_.clock();
  KP_ASSIGN_OR_RETURN(SealingUpload::Sealed s, upload.sealing.Finish());
  store::BlobRecord b{s.blob_id, upload.owner, static_cast<std::int64_t>(s.size), now,
                      std::nullopt};
  audit::AuditEntry e = PortalEntry(audit::event::kSubmit, audit::action::kCreate, upload.message,
                                    upload.email, audit::kOutcomeSuccess, upload.source, now);
  e.object = upload.message.id + "/" + s.blob_id;
  KP_RETURN_IF_ERROR(RecordBlob(b, e));
  return ReplyUploaded{.attachment_id = std::move(s.blob_id),
                       .size = s.size,
                       .sha256 = std::move(s.sha256),
                       .envelope_der = std::move(s.envelope_der)};
}

Result<SecureMailService::StoredFile> SecureMailService::AttachmentCiphertext(
    const Caller& caller, std::string_view message_id, std::string_view attachment_id) {
  const std::int64_t now = d_.clock();
  auto not_found = [] {
    return NotFound("attachment_not_found", "no such attachment of a message of yours",
                    "attachment_id");
  };
  if (d_.blobs == nullptr || !store::BlobStore::IsValidId(attachment_id))
    return not_found();
  return d_.db->Write([&](store::Database& db) -> Result<SecureMailService::StoredFile> {
    store::MessageRepository messages(db);
    KP_ASSIGN_OR_RETURN(auto blob, store::BlobRepository(db).Find(attachment_id));
    if (!blob || blob->message_id != std::string(message_id))
      return not_found();
    KP_ASSIGN_OR_RETURN(auto m, messages.Find(message_id, false));
    KP_ASSIGN_OR_RETURN(auto delivery, messages.Delivery(message_id, caller.principal.org));
    if (!m || !delivery || !HasRole(caller.principal.role, Role::kRecipient))
      return not_found();
    KP_ASSIGN_OR_RETURN(std::uint64_t size, d_.blobs->SizeOf(attachment_id));
    KP_ASSIGN_OR_RETURN(std::string path, d_.blobs->PathOf(attachment_id));
    audit::AuditEntry e = CallerEntry(caller, audit::event::kDownload, audit::action::kRead,
                                      std::string(message_id) + "/" + std::string(attachment_id),
                                      audit::kOutcomeSuccess, now);
    e.subject_ref = m->subject_ref;
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, e));
    KP_RETURN_IF_ERROR(tx.Commit());
    return StoredFile{std::move(path), size};
  });
}

Result<Accepted> SecureMailService::Reply(const PortalCredentials& who,
                                          Result<SecureMailReply> request,
                                          const std::string& source) {
  const std::int64_t now = d_.clock();
  KP_ASSIGN_OR_RETURN(Access a, d_.db->Read([&](store::Database& db) {
    return Authorize(db, who, /*need_verified=*/true, /*check_csrf=*/true, now);
  }));
  // The body's fields in their place among the checks, as when the service read them.
  KP_ASSIGN_OR_RETURN(SecureMailReply in, std::move(request));
  KP_ASSIGN_OR_RETURN(std::string text, std::move(in.body));
  KP_ASSIGN_OR_RETURN(crypto::Certificate org_cert,
                      SenderCertificate(d_.directory->Current()->directory, a.message));
  json attachments = json::array();
  std::vector<std::string> blob_ids;
  const std::string owner = ReplyOwner(a.recipient.id);
  KP_ASSIGN_OR_RETURN(std::vector<DocumentAttachment> files, std::move(in.attachments));
  for (std::size_t i = 0; i < files.size(); ++i) {
    const DocumentAttachment& d = files[i];
    if (!d.streamed()) {
      attachments.push_back(
          {{"name", d.name}, {"type", d.type}, {"data", crypto::Base64Encode(d.data)}});
      continue;
    }
    KP_RETURN_IF_ERROR(CheckUpload(owner, i, d, {org_cert, *portal_cert_}, false));
    blob_ids.push_back(d.blob_id);
    attachments.push_back({{"name", d.name},
                           {"type", d.type},
                           {"attachment_id", d.blob_id},
                           {"size", d.size},
                           {"sha256", crypto::HexEncode(d.sha256)},
                           {"envelope", crypto::Base64Encode(d.envelope_der)}});
  }
  if (text.empty() && attachments.empty())
    return InvalidArgument("empty_reply", "a reply needs text or a file", "body");
  json doc = {{"version", 1},
              {"in_reply_to", a.message.id},
              {"from_email", a.recipient.email},
              {"body", text},
              {"attachments", std::move(attachments)}};
  const std::string content = doc.dump(-1, ' ', false, json::error_handler_t::replace);
  KP_ASSIGN_OR_RETURN(Bytes signed_der,
                      d_.keyring->SignCms(d_.portal_key_id, *portal_cert_, AsBytes(content)));
  KP_ASSIGN_OR_RETURN(Bytes sealed, crypto::SealCms(signed_der, {org_cert, *portal_cert_}));

  store::MessageRecord reply;
  reply.id = "m-" + crypto::HexEncode(crypto::RandomBytes(16));
  reply.kind = std::string(kKind);
  reply.sender_org = std::string(kPortalOrg);
  reply.sender_user = "";
  reply.subject_ref = a.message.subject_ref;
  reply.routing = {{"in_reply_to", a.message.id}};
  reply.legal_basis = a.message.legal_basis;
  reply.created_ms = now;
  const crypto::Digest h = crypto::Sha256(sealed);
  reply.payload_sha256.assign(h.begin(), h.end());
  reply.payload = std::move(sealed);

  Result<Accepted> stored = d_.db->Write([&](store::Database& db) -> Result<Accepted> {
    store::SecureMailRepository mail(db);
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    KP_RETURN_IF_ERROR(store::MessageRepository(db).Insert(
        reply, {{a.message.sender_org, "delivered"}}, "gateway"));
    for (const std::string& blob : blob_ids) {
      KP_ASSIGN_OR_RETURN(bool claimed, store::BlobRepository(db).Claim(blob, owner, reply.id));
      if (!claimed)
        return Conflict("attachment_claimed", "a file was used by another reply meanwhile");
    }
    KP_RETURN_IF_ERROR(mail.AddEvent(a.recipient.id, "replied", reply.id, now));
    audit::AuditEntry e = PortalEntry(audit::event::kSubmit, audit::action::kCreate, a.message,
                                      a.recipient.email, audit::kOutcomeSuccess, source, now);
    e.object = reply.id;
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, e));
    audit::AuditEntry d = e;
    d.event = std::string(audit::event::kDeliver);
    d.organisation = a.message.sender_org;
    d.user = "gateway";
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, d));
    KP_RETURN_IF_ERROR(tx.Commit());
    return Accepted{.id = reply.id, .recipients = {a.message.sender_org}};
  });
  if (stored && stored_)
    stored_(MessageService::Stored{reply.kind, 1});
  return stored;
}

}  // namespace ketenpoort::server
