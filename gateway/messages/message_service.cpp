#include "gateway/messages/message_service.h"

#include "gateway/messages/sender_notice.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "gateway/audit/audit_log.h"
#include "gateway/audit/time_format.h"
#include "gateway/core/legal_basis.h"
#include "gateway/core/lifecycle.h"
#include "gateway/core/message_kind.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/envelope.h"
#include "gateway/crypto/hash.h"
#include "gateway/crypto/random.h"
#include "gateway/messages/federation_message.h"
#include "gateway/messages/message_fields.h"
#include "gateway/messages/message_header.h"
#include "gateway/store/consent_repository.h"
#include "gateway/store/kind_repository.h"
#include "gateway/store/message_repository.h"
#include "gateway/store/status_report_repository.h"

namespace ketenpoort::server {

namespace {

using nlohmann::json;

// "m-" and 128 random bits in hex: unguessable, so an id alone reveals nothing.
std::string NewMessageId() {
  return "m-" + crypto::HexEncode(crypto::RandomBytes(16));
}

std::string Actor(const Principal& p) {
  return p.user.empty() ? p.org : p.org + "/" + p.user;
}

std::vector<std::string> RecipientOrgs(const std::vector<store::DeliveryRecord>& deliveries) {
  std::vector<std::string> out;
  out.reserve(deliveries.size());
  for (const auto& d : deliveries)
    out.push_back(d.recipient_org);
  return out;
}

// What every listed message shows (the inbox, the sent list): recalled, expired, and its header
// with the organisations it reached.
template <typename ListEntry>
void FillListed(store::MessageRecord message, const std::vector<store::DeliveryRecord>& deliveries,
                std::int64_t now, ListEntry& entry) {
  entry.recalled = message.recalled_ms.has_value();
  entry.expired = message.expires_ms && *message.expires_ms <= now;
  entry.header = delivery::FederationMessageOf(std::move(message), RecipientOrgs(deliveries));
}

// The caller's entry about message `m` (may be null): with its client and legal basis.
audit::AuditEntry Entry(const Caller& caller, std::string_view event, std::string_view action,
                        std::string_view object, const store::MessageRecord* m,
                        std::string_view outcome, std::int64_t now) {
  audit::AuditEntry e = CallerEntry(caller, event, action, object, outcome, now);
  if (m != nullptr) {
    e.subject_ref = m->subject_ref;
    e.authorisation_basis = m->legal_basis;
  }
  return e;
}

// Appends one entry in a transaction of its own. `db` is lent by a Write of its owner.
Status AppendAlone(store::Database& db, audit::AuditEntry entry) {
  KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
  KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, std::move(entry)));
  return tx.Commit();
}

Error MessageNotFound() {
  return NotFound("message_not_found", "no such message", "id");
}

// An organisation that is not a party to message `id`, or an id nobody has: the attempt is an
// audit entry (outcome message_not_found, with the message's pseudonym when it exists, so an
// auditor sees who tried to reach that client's file) and the answer is as for no message at
// all, so the refusal reveals nothing. An id of a form no message has is recorded as such.
Error RefusedAccess(store::Database& db, const Caller& caller, std::string_view event,
                    std::string_view action, std::string_view id, const store::MessageRecord* m,
                    std::int64_t now) {
  audit::AuditEntry e =
      CallerEntry(caller, event, action, delivery::IsValidMessageId(id) ? id : "(malformed id)",
                  "message_not_found", now);
  if (m != nullptr)
    e.subject_ref = m->subject_ref;
  Status appended = AppendAlone(db, std::move(e));
  if (!appended)
    return std::move(appended).error();
  return MessageNotFound();
}

// True when `org` is in `directory` and served by this gateway.
bool ServedHere(const Directory& directory, const std::string& org) {
  const Organisation* o = directory.Find(org);
  return o != nullptr && o->gateway_url.empty();
}

// A delivery of `m` to `recipient` moved here to `state`: when the message's other party (the
// sender, where the recipient acted; the recipient, where the sender did) is served by a peer
// gateway, queues a report of the move for that gateway (federation/status_report.h), in the
// caller's transaction. True when one was queued.
Result<bool> QueueStatusReport(store::Database& db, const Directory& directory,
                               const store::MessageRecord& m, const std::string& recipient,
                               std::string_view state, std::string_view code,
                               std::string_view reason, const std::string& actor,
                               std::int64_t now) {
  const Organisation* sender = directory.Find(m.sender_org);
  const Organisation* to = directory.Find(recipient);
  std::string peer;
  if (sender != nullptr && !sender->gateway_url.empty())
    peer = sender->gateway_url;
  else if (to != nullptr && !to->gateway_url.empty())
    peer = to->gateway_url;
  if (peer.empty())
    return false;
  KP_RETURN_IF_ERROR(store::StatusReportRepository(db).Enqueue({.id = store::NewReportId(),
                                                                .message_id = m.id,
                                                                .recipient_org = recipient,
                                                                .state = std::string(state),
                                                                .code = std::string(code),
                                                                .reason = std::string(reason),
                                                                .actor = actor,
                                                                .set_ms = now},
                                                               peer, now));
  return true;
}

// A submission the directory, the routing rules and the kind accepted: what is stored.
// A question or answer (a kind of audience kCaseParty) in the conversation about a case
// message: whom it goes to, and the asker's delivery of the case message it moves.
struct CaseTurn {
  store::MessageRecord case_message;  // without payload
  std::string thread;                 // the case's thread
  std::string asker;                  // the recipient organisation that asked
  std::string to;                     // the organisation the question or answer goes to
  std::string state;                  // the asker's delivery's state now
  std::string sets_state;             // where this turn moves it
};

// The case turn of a `turn`-kind message from `caller` that follows message `followed`;
// nullopt when `caller` may not take that turn there (the followed message unknown, not the
// kind the turn follows, or the caller not its party), which is answered as for no message.
Result<std::optional<CaseTurn>> FindCaseTurn(store::Database& db, const KindRegistry& kinds,
                                             const ConversationTurn& turn,
                                             const std::string& followed,
                                             const std::string& caller) {
  store::MessageRepository repo(db);
  KP_ASSIGN_OR_RETURN(auto first, repo.Find(followed, /*with_payload=*/false));
  if (!first)
    return std::optional<CaseTurn>();
  KP_ASSIGN_OR_RETURN(auto link, repo.Link(followed));
  CaseTurn t;
  t.thread = store::ThreadOf(link, followed);
  t.sets_state = turn.sets_state;
  if (turn.role == ConversationTurn::Role::kQuestion) {
    // Asked by a recipient of the case message, of its sender.
    const MessageKind* k = kinds.Find(first->kind);
    if (k == nullptr || k->spec().conversation || first->sender_org == caller)
      return std::optional<CaseTurn>();
    KP_ASSIGN_OR_RETURN(auto delivery, repo.Delivery(followed, caller));
    if (!delivery)
      return std::optional<CaseTurn>();
    t.asker = caller;
    t.to = first->sender_org;
    t.state = delivery->state;
    t.case_message = std::move(*first);
    return std::optional<CaseTurn>(std::move(t));
  }
  // An answer: from the case message's sender, to the organisation whose question it follows.
  const MessageKind* q = kinds.Find(first->kind);
  if (q == nullptr || !q->spec().conversation ||
      q->spec().conversation->role != ConversationTurn::Role::kQuestion || !link)
    return std::optional<CaseTurn>();
  KP_ASSIGN_OR_RETURN(auto case_message, repo.Find(link->follows_id, /*with_payload=*/false));
  if (!case_message || case_message->sender_org != caller)
    return std::optional<CaseTurn>();
  KP_ASSIGN_OR_RETURN(auto delivery, repo.Delivery(case_message->id, first->sender_org));
  if (!delivery)
    return std::optional<CaseTurn>();
  t.asker = first->sender_org;
  t.to = first->sender_org;
  t.state = delivery->state;
  t.case_message = std::move(*case_message);
  return std::optional<CaseTurn>(std::move(t));
}

struct Checked {
  RoutingInput routing;
  std::vector<std::string> recipients;
  std::string subject_ref;
  std::optional<std::int64_t> deadline_ms;
  std::optional<std::int64_t> expires_ms;
  CodeListVersions codelists;  // every list, at the version this message used
  Bytes payload;
  std::optional<store::MessageLink> link;   // a follow-up's (message_id filled in at the write)
  std::string follows_subject_ref;          // the subject_ref of the message it follows up
  std::optional<CaseTurn> turn;             // a question's or answer's effect on its case
  std::map<std::string, LegalBasis> bases;  // a recipient's own basis, where it has one

  // The basis `org`'s hand-off rests on: its own, else the message's.
  std::optional<LegalBasis> BasisFor(const std::string& org) const {
    auto it = bases.find(org);
    return it != bases.end() ? std::optional<LegalBasis>(it->second) : routing.legal_basis;
  }
};

// Message `id` when `sender_org` sent it, with the thread it belongs to (its own id when it
// starts the case); nullopt otherwise, so that a follow-up reveals nothing of others' messages.
Result<std::optional<std::pair<store::MessageRecord, std::string>>> FollowedMessage(
    store::Database& db, const std::string& id, const std::string& sender_org) {
  using Found = std::optional<std::pair<store::MessageRecord, std::string>>;
  store::MessageRepository repo(db);
  KP_ASSIGN_OR_RETURN(auto m, repo.Find(id, /*with_payload=*/false));
  if (!m || m->sender_org != sender_org)
    return Found();
  KP_ASSIGN_OR_RETURN(auto link, repo.Link(id));
  std::string thread = store::ThreadOf(link, id);
  return Found(std::pair(std::move(*m), std::move(thread)));
}

// The code-list versions recorded for a message; none from before they were recorded (or
// should the recorded text not read as versions).
CodeListVersions RecordedCodeLists(store::Database& db, std::string_view id) {
  auto text = store::KindRepository(db).CodeLists(id);
  if (!text || !text->has_value())
    return {};
  json v = json::parse(**text, nullptr, /*allow_exceptions=*/false);
  if (!v.is_object())
    return {};
  auto versions = CodeListVersionsFromJson(v);
  return versions ? std::move(*versions) : CodeListVersions{};
}

}  // namespace

audit::AuditEntry CallerEntry(const Caller& caller, std::string_view event, std::string_view action,
                              std::string_view object, std::string_view outcome,
                              std::int64_t now_ms) {
  audit::AuditEntry e;
  e.time_ms = now_ms;
  e.event = std::string(event);
  e.user = caller.principal.user;
  e.organisation = caller.principal.org;
  e.role = std::string(RoleName(caller.principal.role));
  e.action = std::string(action);
  e.object = std::string(object);
  e.outcome = std::string(outcome);
  e.source_address = caller.source_address;
  return e;
}

MessageService::MessageService(store::GuardedDatabase& db, store::GroupCommit& commits,
                               const LiveDirectory& directory, const KindRegistry& kinds,
                               Clock clock, const KindDeadlines* deadlines)
    : db_(db),
      commits_(commits),
      directory_(directory),
      kinds_(kinds),
      clock_(std::move(clock)),
      deadlines_(deadlines) {}

Result<std::unique_ptr<MessageService>> MessageService::Create(
    store::GuardedDatabase& db, store::GroupCommit& commits, const LiveDirectory& directory,
    const KindRegistry& kinds, Clock clock, const KindDeadlines* deadlines) {
  return std::unique_ptr<MessageService>(
      new MessageService(db, commits, directory, kinds, std::move(clock), deadlines));
}

void MessageService::Submit(const Caller& caller, Result<Submission> request,
                            std::optional<IdempotencyKey> idempotency_key, Done done) {
  const std::int64_t now = clock_();
  const Principal& who = caller.principal;
  // One version of the directory, rules and certificates for the whole submission.
  const std::shared_ptr<const DirectorySnapshot> known = directory_.Current();
  const Directory& directory = known->directory;
  const CertificateMap& certificates = known->certificates;

  // In the order the header documents: the fields SubmissionFromJson read (or the errors it
  // kept) are taken up one by one between the checks that need the directory, the routing
  // rules, the kinds or the clock.
  auto check = [&]() -> Result<Checked> {
    KP_ASSIGN_OR_RETURN(Submission in, std::move(request));
    Checked s;
    s.routing = std::move(in.routing);
    const MessageKind* kind = kinds_.Find(s.routing.kind);
    if (kind != nullptr && kind->spec().audience == KindAudience::kEmailAddresses) {
      // Reached only where no secure-mail service takes such kinds (message_routes.h).
      return InvalidArgument(
          "unsupported_kind",
          "this kind goes to e-mail addresses, which this gateway does not serve", "kind");
    }
    const Organisation* sender = directory.Find(who.org);
    if (sender == nullptr) {
      return PermissionDenied("unknown_sender",
                              "the token's organisation '" + who.org + "' is not in the directory");
    }
    if (kind != nullptr)
      KP_RETURN_IF_ERROR(kind->CheckSender(sender->kind));
    // A follow-up of an earlier message of this sender, of the same kind: one case, one thread.
    KP_ASSIGN_OR_RETURN(std::optional<FollowUp> follows, std::move(in.follows));
    const std::optional<ConversationTurn> turn =
        kind != nullptr ? kind->spec().conversation : std::nullopt;
    if (turn) {
      // A question or answer: it follows its message and goes to that message's other party.
      if (!follows) {
        return InvalidArgument("follows_required",
                               "a " + s.routing.kind + " follows the message it is about",
                               "follows");
      }
      KP_ASSIGN_OR_RETURN(auto found, db_.Read([&](store::Database& db) {
        return FindCaseTurn(db, kinds_, *turn, follows->message_id, who.org);
      }));
      if (!found) {
        return NotFound("message_not_found",
                        "no message '" + follows->message_id + "' this organisation can " +
                            (turn->role == ConversationTurn::Role::kQuestion
                                 ? "ask about"
                                 : "answer (an answer follows a question to this "
                                   "organisation's message)"),
                        "follows");
      }
      KP_RETURN_IF_ERROR(
          kinds_.CheckTransition(found->case_message.kind, found->state, found->sets_state));
      s.follows_subject_ref = found->case_message.subject_ref;
      s.link = store::MessageLink{.follows_id = follows->message_id,
                                  .thread_id = found->thread,
                                  .reason = std::move(follows->reason)};
      KP_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> given, std::move(in.recipients));
      s.recipients = {found->to};
      if (given && *given != s.recipients) {
        return Refused("recipient_not_party",
                       "a " + s.routing.kind + " goes to '" + found->to + "' alone", "recipients");
      }
      s.turn = std::move(*found);
    } else if (follows) {
      KP_ASSIGN_OR_RETURN(auto found, db_.Read([&](store::Database& db) {
        return FollowedMessage(db, follows->message_id, who.org);
      }));
      if (!found) {
        return NotFound("message_not_found",
                        "this organisation sent no message '" + follows->message_id + "'",
                        "follows");
      }
      if (found->first.kind != s.routing.kind) {
        return Refused(
            "follow_up_kind_mismatch",
            "a follow-up is of the kind of the message it follows ('" + found->first.kind + "')",
            "kind");
      }
      s.follows_subject_ref = found->first.subject_ref;
      s.link = store::MessageLink{.follows_id = follows->message_id,
                                  .thread_id = found->second,
                                  .reason = std::move(follows->reason)};
    }
    std::optional<std::vector<std::string>> given;
    if (!s.turn) {
      KP_ASSIGN_OR_RETURN(given, std::move(in.recipients));
    }
    KP_ASSIGN_OR_RETURN(s.bases, std::move(in.legal_bases));
    if (!s.bases.empty() && !given) {
      return Refused("recipients_required",
                     "a legal basis per recipient needs the recipients named", "legal_bases");
    }
    if (s.turn) {
      // The recipient is the other party, chosen above.
    } else if (given) {
      s.recipients = std::move(*given);
      // A follow-up may go to any organisation of the region that takes the kind (the rules
      // chose the first recipients; after a decline the sender chooses the next).
      const auto scope =
          s.link ? RoutingRules::RecipientScope::kInRegion : RoutingRules::RecipientScope::kRouted;
      const std::set<std::string> distinct(s.recipients.begin(), s.recipients.end());
      if (s.bases.empty() || distinct.size() != s.recipients.size() || s.recipients.empty()) {
        KP_RETURN_IF_ERROR(
            known->routes.CheckRecipients(s.routing, s.recipients, directory, scope));
      } else {
        // Each recipient is checked with the basis its own hand-off rests on.
        for (const auto& [org, basis] : s.bases) {
          if (!distinct.contains(org)) {
            return InvalidArgument("invalid_request", "not a recipient of this message",
                                   "legal_bases." + org);
          }
        }
        for (const std::string& org : s.recipients) {
          RoutingInput input = s.routing;
          input.legal_basis = s.BasisFor(org);
          KP_RETURN_IF_ERROR(known->routes.CheckRecipients(input, {org}, directory, scope));
        }
      }
      std::sort(s.recipients.begin(), s.recipients.end());
    } else {
      s.recipients = known->routes.Resolve(s.routing).recipients;
      if (s.recipients.empty()) {
        return Refused("no_recipients", "no routing rule yields a recipient for this message",
                       "routing");
      }
    }
    KP_ASSIGN_OR_RETURN(CommonHeader header, std::move(in.header));
    KP_RETURN_IF_ERROR(delivery::CheckNotExpired(header.expires_ms, now));
    s.subject_ref = std::move(header.subject_ref);
    if (s.link && s.subject_ref != s.follows_subject_ref) {
      return Refused("subject_mismatch",
                     "a follow-up is about the client of the message it follows: give its "
                     "subject_ref",
                     "subject_ref");
    }
    // A hand-off that rests on the client's consent needs that consent still to stand.
    std::vector<std::string> on_consent;
    for (const std::string& org : s.recipients) {
      if (s.BasisFor(org) == LegalBasis::kConsent)
        on_consent.push_back(org);
    }
    if (!on_consent.empty() && !s.subject_ref.empty()) {
      KP_ASSIGN_OR_RETURN(std::string withdrawn, db_.Read([&](store::Database& db) {
        return store::ConsentRepository(db).FirstWithdrawn(who.org, s.subject_ref, on_consent);
      }));
      if (!withdrawn.empty()) {
        return Refused("consent_withdrawn",
                       "the client withdrew consent for hand-offs to '" + withdrawn +
                           "'; send on another legal basis or not at all",
                       "legal_basis");
      }
    }
    s.deadline_ms = header.deadline_ms;
    s.expires_ms = header.expires_ms;
    KP_ASSIGN_OR_RETURN(CodeListVersions requested, std::move(in.codelists));
    KP_RETURN_IF_ERROR(kinds_.ValidateHeader(s.routing.kind,
                                             KindHeader{.routing = s.routing.routing,
                                                        .subject_ref = s.subject_ref,
                                                        .legal_basis = s.routing.legal_basis,
                                                        .deadline_ms = s.deadline_ms},
                                             requested));
    s.codelists = kinds_.code_lists().Resolve(requested);
    if (!s.deadline_ms && deadlines_ != nullptr) {
      // A kind whose rule gives every case a deadline (a b8's reflection period) counts it from
      // now when the sender gave none.
      if (auto rule = deadlines_->find(s.routing.kind); rule != deadlines_->end())
        s.deadline_ms = rule->second->DeadlineFrom(now);
    }
    KP_ASSIGN_OR_RETURN(SealedPayload sealed, std::move(in.payload));
    s.payload = std::move(sealed.der);
    const crypto::EnvelopeInfo* info = &sealed.info;
    for (const std::string& org : s.recipients) {
      auto cert = certificates.find(org);
      if (cert == certificates.end()) {
        return Refused("recipient_without_certificate",
                       "organisation '" + org + "' has no certificate in the directory",
                       "recipients");
      }
      if (!info->IsFor(cert->second)) {
        return Refused("envelope_recipient_mismatch",
                       "envelope is not encrypted for org '" + org + "'", "payload");
      }
    }
    const auto sender_cert = certificates.find(who.org);
    for (const crypto::RecipientId& rid : info->recipients) {
      bool known = sender_cert != certificates.end() && rid.Matches(sender_cert->second);
      for (const std::string& org : s.recipients)
        known = known || rid.Matches(certificates.find(org)->second);
      if (known)
        continue;
      std::string outsider = "a certificate outside the directory";
      for (const auto& [org, cert] : certificates) {
        if (rid.Matches(cert)) {
          outsider = "org '" + org + "'";
          break;
        }
      }
      return Refused("envelope_recipient_mismatch",
                     "envelope is also encrypted for " + outsider + ", which is not a recipient",
                     "payload");
    }
    return s;
  };

  auto submission = check();
  if (!submission) {
    // The refusal is answered once its audit entry is committed (or with the audit's error).
    audit::AuditEntry refused = Entry(caller, audit::event::kSubmit, audit::action::kCreate, "",
                                      nullptr, submission.error().code, now);
    commits_.Submit(
        [refused = std::move(refused)](store::Database& db) {
          return audit::AuditLog().Append(db, refused);
        },
        [error = std::move(submission).error(), done = std::move(done)](Status audited) {
          done(audited ? Result<Accepted>(error) : Result<Accepted>(std::move(audited).error()));
        });
    return;
  }
  Checked& s = *submission;

  // What the job writes, shared by the job and its completion (both on the committer thread).
  struct Write {
    store::MessageRecord m;
    std::map<std::string, std::string> initial;
    std::map<std::string, std::vector<std::string>> by_peer;  // peer gateway URL -> recipients
    std::vector<audit::AuditEntry> entries;
    std::string codelists;
    std::vector<std::string> recipients;
    std::string org;
    std::optional<IdempotencyKey> idempotency_key;
    std::optional<store::MessageLink> link;
    std::map<std::string, std::string> bases;  // recipients' own legal bases
    std::optional<CaseTurn> turn;
    std::optional<store::NoticeRecord> notice;  // a question's news for the case's sender
    audit::AuditEntry turn_entry;               // the case message's status change
    bool notice_mailed = false;
    std::string actor;                               // who moved the case message's delivery
    std::shared_ptr<const DirectorySnapshot> known;  // for where a status report goes
    bool report_queued = false;                      // the case's other party is on a peer gateway
    bool replayed = false;                           // an Idempotency-Key's first answer again
    Accepted answer;
  };
  auto w = std::make_shared<Write>();
  store::MessageRecord& m = w->m;
  m.id = NewMessageId();
  m.kind = s.routing.kind;
  m.sender_org = who.org;
  m.sender_user = who.user;
  m.subject_ref = s.subject_ref;
  m.routing = s.routing.routing;
  m.legal_basis = s.routing.legal_basis ? std::string(LegalBasisName(*s.routing.legal_basis)) : "";
  m.deadline_ms = s.deadline_ms;
  m.expires_ms = s.expires_ms;
  m.created_ms = now;
  const crypto::Digest payload_hash = crypto::Sha256(s.payload);
  m.payload_sha256.assign(payload_hash.begin(), payload_hash.end());
  m.payload = std::move(s.payload);

  std::map<std::string, std::string>& initial = w->initial;
  for (const std::string& org : s.recipients) {
    const Organisation* o = directory.Find(org);
    if (o->gateway_url.empty()) {
      initial[org] = std::string(state::kDelivered);
    } else {
      initial[org] = std::string(state::kSent);
      w->by_peer[o->gateway_url].push_back(org);
    }
  }
  std::vector<audit::AuditEntry>& entries = w->entries;
  entries.push_back(Entry(caller, audit::event::kSubmit, audit::action::kCreate, m.id, &m,
                          audit::kOutcomeSuccess, now));
  for (const auto& [org, st] : initial) {
    if (st != state::kDelivered)
      continue;
    audit::AuditEntry e = Entry(caller, audit::event::kDeliver, audit::action::kCreate, m.id, &m,
                                audit::kOutcomeSuccess, now);
    e.organisation = org;  // delivered into this organisation's inbox, by the gateway
    if (auto basis = s.BasisFor(org))
      e.authorisation_basis = std::string(LegalBasisName(*basis));
    e.user = "gateway";
    e.role = "recipient";
    e.responsible_user = Actor(who);
    entries.push_back(std::move(e));
  }
  if (s.link) {
    s.link->message_id = m.id;
    w->link = std::move(s.link);
  }
  for (const auto& [org, basis] : s.bases)
    w->bases[org] = std::string(LegalBasisName(basis));
  if (s.turn) {
    // The asker's delivery of the case message moves with the question or answer, in its
    // transaction, audited as a status change of the case message by this organisation.
    CaseTurn& t = *s.turn;
    w->turn_entry = Entry(caller, audit::event::kStatusChange, audit::action::kUpdate,
                          t.case_message.id, &t.case_message, audit::kOutcomeSuccess, now);
    // As for a status set directly (SetStatus): a recipient's move is news for the sender.
    // A sender on a peer gateway hears it there, from the status report.
    if (who.org != t.case_message.sender_org && ServedHere(directory, t.case_message.sender_org))
      w->notice = SenderNotice(t.case_message, "status", who.org, t.sets_state, now, &directory);
    w->actor = Actor(who);
    w->known = known;
    w->turn = std::move(t);
  }
  w->codelists = CodeListVersionsToJson(s.codelists).dump();
  w->recipients = std::move(s.recipients);
  w->org = who.org;
  w->idempotency_key = std::move(idempotency_key);

  commits_.Submit(
      [w, now, &kinds = kinds_](store::Database& db) -> Status {
        store::MessageRepository repo(db);
        if (w->idempotency_key) {
          const IdempotencyKey& key = *w->idempotency_key;
          KP_ASSIGN_OR_RETURN(auto seen, repo.FindIdempotencyKey(w->org, key.key));
          if (seen) {
            if (!std::equal(seen->request_sha256.begin(), seen->request_sha256.end(),
                            key.request_sha256.begin(), key.request_sha256.end())) {
              return Conflict("idempotency_conflict",
                              "this Idempotency-Key was used before with another request body");
            }
            KP_ASSIGN_OR_RETURN(auto deliveries, repo.Deliveries(seen->message_id));
            w->answer = Accepted{seen->message_id, RecipientOrgs(deliveries)};
            w->replayed = true;
            return Ok();
          }
        }
        KP_RETURN_IF_ERROR(repo.Insert(w->m, w->initial, "gateway"));
        KP_RETURN_IF_ERROR(store::KindRepository(db).SetCodeLists(w->m.id, w->codelists));
        if (w->link)
          KP_RETURN_IF_ERROR(repo.InsertLink(*w->link));
        if (!w->bases.empty())
          KP_RETURN_IF_ERROR(repo.InsertLegalBases(w->m.id, w->bases));
        if (w->turn) {
          const CaseTurn& t = *w->turn;
          // Checked again here: another request may have moved the delivery since.
          KP_ASSIGN_OR_RETURN(auto now_state, repo.Delivery(t.case_message.id, t.asker));
          if (!now_state) {
            return Conflict("invalid_transition",
                            "the delivery this " + w->m.kind + " is about is gone");
          }
          KP_RETURN_IF_ERROR(
              kinds.CheckTransition(t.case_message.kind, now_state->state, t.sets_state));
          KP_RETURN_IF_ERROR(repo.SetState(t.case_message.id, t.asker, t.sets_state, now, w->actor,
                                           w->m.kind + " " + w->m.id));
          KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, w->turn_entry));
          KP_ASSIGN_OR_RETURN(
              w->report_queued,
              QueueStatusReport(db, w->known->directory, t.case_message, t.asker, t.sets_state, "",
                                w->m.kind + " " + w->m.id, w->actor, now));
          if (w->notice) {
            KP_ASSIGN_OR_RETURN(bool inserted, store::KindRepository(db).InsertNotice(*w->notice));
            w->notice_mailed = inserted && w->notice->mail_state == "pending";
          }
        }
        for (const auto& [peer, orgs] : w->by_peer)
          KP_RETURN_IF_ERROR(repo.EnqueueOutbox(w->m.id, peer, orgs, now));
        if (w->idempotency_key) {
          KP_RETURN_IF_ERROR(repo.InsertIdempotencyKey(
              w->org, w->idempotency_key->key, w->idempotency_key->request_sha256, w->m.id, now));
        }
        audit::AuditLog log;
        for (const audit::AuditEntry& e : w->entries)
          KP_RETURN_IF_ERROR(log.Append(db, e));
        w->answer = Accepted{w->m.id, w->recipients};
        return Ok();
      },
      [w, done = std::move(done), wake = outbox_queued_, notice = notice_recorded_,
       counted = stored_](Status stored) {
        if (!stored) {
          done(std::move(stored).error());
          return;
        }
        if (!w->replayed && counted) {
          const auto delivered =
              std::count_if(w->initial.begin(), w->initial.end(),
                            [](const auto& entry) { return entry.second == state::kDelivered; });
          counted(Stored{w->m.kind, static_cast<std::size_t>(delivered)});
        }
        // Committed: the outbox sends it now, instead of at its next poll for retries.
        if ((!w->by_peer.empty() || w->report_queued) && wake)
          wake();
        if (w->notice_mailed && notice)
          notice();
        done(std::move(w->answer));
      });
}

Result<InboxPage> MessageService::Inbox(const Caller& caller, std::int64_t after_seq,
                                        std::int64_t max, store::ListOrder order) {
  const std::int64_t now = clock_();
  return db_.Write([&](store::Database& db) -> Result<InboxPage> {
    store::MessageRepository repo(db);
    KP_ASSIGN_OR_RETURN(auto items,
                        repo.Inbox(caller.principal.org, after_seq, static_cast<int>(max), order));
    InboxPage page;
    page.next = after_seq;
    for (store::InboxItem& item : items) {
      KP_ASSIGN_OR_RETURN(auto deliveries, repo.Deliveries(item.message.id));
      InboxEntry entry;
      FillListed(std::move(item.message), deliveries, now, entry);
      entry.state = std::move(item.delivery.state);
      entry.cursor = item.delivery.seq;
      page.next = item.delivery.seq;
      page.messages.push_back(std::move(entry));
    }
    KP_RETURN_IF_ERROR(AppendAlone(db, Entry(caller, audit::event::kFetch, audit::action::kRead,
                                             "inbox", nullptr, audit::kOutcomeSuccess, now)));
    return page;
  });
}

Result<SentPage> MessageService::Sent(const Caller& caller, std::int64_t after_seq,
                                      std::int64_t max, store::ListOrder order) {
  const std::int64_t now = clock_();
  return db_.Write([&](store::Database& db) -> Result<SentPage> {
    store::MessageRepository repo(db);
    KP_ASSIGN_OR_RETURN(auto items,
                        repo.Sent(caller.principal.org, after_seq, static_cast<int>(max), order));
    SentPage page;
    page.next = after_seq;
    for (store::SentItem& item : items) {
      KP_ASSIGN_OR_RETURN(auto deliveries, repo.Deliveries(item.message.id));
      SentEntry entry;
      FillListed(std::move(item.message), deliveries, now, entry);
      for (const store::DeliveryRecord& d : deliveries)
        entry.states[d.recipient_org] = d.state;
      entry.cursor = item.seq;
      page.next = item.seq;
      page.messages.push_back(std::move(entry));
    }
    KP_RETURN_IF_ERROR(AppendAlone(db, Entry(caller, audit::event::kFetch, audit::action::kRead,
                                             "sent", nullptr, audit::kOutcomeSuccess, now)));
    return page;
  });
}

Result<MessageView> MessageService::Get(const Caller& caller, std::string_view id) {
  const std::int64_t now = clock_();
  const Principal& who = caller.principal;
  return db_.Write([&](store::Database& db) -> Result<MessageView> {
    store::MessageRepository repo(db);
    KP_ASSIGN_OR_RETURN(auto found, repo.Find(id, /*with_payload=*/true));
    if (!found)
      return RefusedAccess(db, caller, audit::event::kOpen, audit::action::kRead, id, nullptr, now);
    const store::MessageRecord& m = *found;
    const bool is_sender = m.sender_org == who.org && HasRole(who.role, Role::kSender);
    std::optional<store::DeliveryRecord> delivery;
    if (HasRole(who.role, Role::kRecipient)) {
      KP_ASSIGN_OR_RETURN(delivery, repo.Delivery(id, who.org));
      if (delivery && delivery->state == state::kSent)
        delivery.reset();  // still on its way to that organisation's gateway
    }
    if (!is_sender && !delivery)
      return RefusedAccess(db, caller, audit::event::kOpen, audit::action::kRead, id, &m, now);

    std::optional<Error> gone;
    if (m.recalled_ms)
      gone = Gone("message_recalled", "the sender withdrew this message");
    else if (m.expires_ms && *m.expires_ms <= now)
      gone = Gone("message_expired", "this message has expired");
    else if (!m.payload)
      gone = Gone("message_purged", "the content of this message has been removed");

    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    std::string outcome = gone ? gone->code : std::string(audit::kOutcomeSuccess);
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(
        db, Entry(caller, audit::event::kOpen, audit::action::kRead, m.id, &m, outcome, now)));
    bool report_queued = false;
    if (!gone && delivery && delivery->state == state::kDelivered) {
      KP_RETURN_IF_ERROR(repo.SetState(id, who.org, state::kReceived, now, Actor(who), ""));
      delivery->state = std::string(state::kReceived);
      const std::shared_ptr<const DirectorySnapshot> known = directory_.Current();
      if (ServedHere(known->directory, m.sender_org)) {
        // The sender sees that it arrived; a mail per reader would be noise.
        store::NoticeRecord n = SenderNotice(m, "status", who.org, state::kReceived, now, nullptr);
        KP_ASSIGN_OR_RETURN(bool inserted, store::KindRepository(db).InsertNotice(n));
        (void)inserted;  // the key holds the time: a second read in the same ms is the same news
      }
      KP_ASSIGN_OR_RETURN(report_queued,
                          QueueStatusReport(db, known->directory, m, who.org, state::kReceived, "",
                                            "", Actor(who), now));
    }
    KP_RETURN_IF_ERROR(tx.Commit());
    if (report_queued && outbox_queued_)
      outbox_queued_();
    if (gone)
      return *gone;

    KP_ASSIGN_OR_RETURN(auto deliveries, repo.Deliveries(id));
    MessageView view;
    view.recalled = found->recalled_ms.has_value();
    view.message = delivery::FederationMessageOf(std::move(*found), RecipientOrgs(deliveries));
    if (delivery)
      view.state = delivery->state;
    if (is_sender) {
      std::map<std::string, std::string> states;
      for (const auto& d : deliveries)
        states[d.recipient_org] = d.state;
      view.states = std::move(states);
    }
    view.codelists = RecordedCodeLists(db, id);
    KP_ASSIGN_OR_RETURN(auto link, repo.Link(id));
    if (link)
      view.link = FollowUpLink{.follows = link->follows_id, .thread = link->thread_id};
    return view;
  });
}

Status MessageService::CheckReasonCode(store::Database& db, std::string_view id,
                                       const StateRule* rule, const StatusChange& change) const {
  if (rule == nullptr || rule->code_list.empty()) {
    if (change.code.empty())
      return Ok();
    return InvalidArgument("code_not_expected",
                           "state '" + change.state + "' takes no coded reason", "code");
  }
  if (change.code.empty()) {
    return Refused("reason_code_required",
                   "state '" + change.state + "' needs a code of list " + rule->code_list, "code");
  }
  KP_RETURN_IF_ERROR(kinds_.code_lists().CheckCode(rule->code_list, RecordedCodeLists(db, id),
                                                   change.code, "code"));
  if (change.code == "other" && change.reason.empty())
    return Refused("reason_required", "the code 'other' needs the reason in words", "reason");
  return Ok();
}

Result<StatusChanged> MessageService::SetStatus(const Caller& caller, std::string_view id,
                                                const StatusChange& change) {
  const std::string& to = change.state;
  const std::string& reason = change.reason;
  const std::int64_t now = clock_();
  const Principal& who = caller.principal;
  return db_.Write([&](store::Database& db) -> Result<StatusChanged> {
    store::MessageRepository repo(db);
    KP_ASSIGN_OR_RETURN(auto found, repo.Find(id, /*with_payload=*/false));
    auto refused = [&] {
      return RefusedAccess(db, caller, audit::event::kStatusChange, audit::action::kUpdate, id,
                           found ? &*found : nullptr, now);
    };
    if (!found)
      return refused();
    // A recipient is an organisation the message reached, acting with the recipient role: a
    // token with the sender role alone answers for no delivery.
    std::optional<store::DeliveryRecord> delivery;
    if (HasRole(who.role, Role::kRecipient)) {
      KP_ASSIGN_OR_RETURN(delivery, repo.Delivery(id, who.org));
      if (delivery && delivery->state == state::kSent)
        delivery.reset();  // still on its way to that organisation's gateway
    }
    const bool is_recipient = delivery.has_value();
    const bool is_sender = found->sender_org == who.org && HasRole(who.role, Role::kSender);
    if (!is_recipient && !is_sender)
      return refused();
    if (found->recalled_ms)
      return Gone("message_recalled", "the sender withdrew this message");
    const Lifecycle& lifecycle = kinds_.LifecycleFor(found->kind);
    const bool whole_message =
        lifecycle.scope() == LifecycleScope::kMessage && to != state::kReceived;
    // The sender acts on deliveries that are not its own: the one it names, or every one that
    // has arrived and is not final. A recipient acts on its own, unless the kind moves the
    // whole message.
    const bool as_sender =
        is_sender && !whole_message && (!is_recipient || !change.recipient.empty());
    Status allowed = Ok();
    std::vector<store::DeliveryRecord> targets;
    if (!change.recipient.empty() && !is_sender) {
      allowed = PermissionDenied("recipient_not_permitted",
                                 "only the message's sender chooses a recipient's delivery");
    } else if (!change.recipient.empty() && whole_message) {
      allowed = InvalidArgument("recipient_not_permitted",
                                "a state of this kind moves every delivery of the message at once",
                                "recipient");
    } else if (whole_message || as_sender) {
      KP_ASSIGN_OR_RETURN(auto all, repo.Deliveries(id));
      for (store::DeliveryRecord& d : all) {
        if (d.state == state::kSent || d.state == state::kUndeliverable)
          continue;
        if (as_sender && (change.recipient.empty() ? lifecycle.IsFinal(d.state)
                                                   : d.recipient_org != change.recipient))
          continue;
        targets.push_back(std::move(d));
      }
      if (targets.empty() && !change.recipient.empty()) {
        allowed = Refused("not_a_recipient",
                          "'" + change.recipient + "' is not a recipient this message has reached",
                          "recipient");
      } else if (targets.empty()) {
        allowed = Conflict("invalid_transition",
                           "no delivery of this message can move to '" + to + "' now");
      }
    } else {
      targets.push_back(*delivery);
    }
    const std::shared_ptr<const DirectorySnapshot> known = directory_.Current();
    const Organisation* org = known->directory.Find(who.org);
    if (allowed && !lifecycle.IsKnown(to)) {
      allowed = kinds_.CheckTransition(found->kind, targets.front().state, to);
    } else if (allowed && org == nullptr) {
      allowed = PermissionDenied(
          "unknown_sender", "the token's organisation '" + who.org + "' is not in the directory");
    } else if (allowed) {
      allowed = lifecycle.CheckSetter(to, org->kind, is_sender, !as_sender && is_recipient);
    }
    for (const store::DeliveryRecord& d : targets) {
      if (!allowed)
        break;
      allowed = lifecycle.Check(d.state, to);
    }
    if (allowed)
      allowed = CheckReasonCode(db, id, lifecycle.RuleFor(to), change);
    bool notice_mailed = false;
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(
        db,
        Entry(caller, audit::event::kStatusChange, audit::action::kUpdate, std::string(id), &*found,
              allowed ? std::string(audit::kOutcomeSuccess) : allowed.error().code, now)));
    bool report_queued = false;
    if (allowed) {
      for (const store::DeliveryRecord& d : targets) {
        KP_RETURN_IF_ERROR(
            repo.SetState(id, d.recipient_org, to, now, Actor(who), reason, change.code));
        KP_ASSIGN_OR_RETURN(bool queued,
                            QueueStatusReport(db, known->directory, *found, d.recipient_org, to,
                                              change.code, reason, Actor(who), now));
        report_queued = report_queued || queued;
      }
      // A recipient's answer is news for the sender: a notice, mailed to its contact (by the
      // sender's own gateway, from the status report, when that is a peer).
      if (!as_sender && who.org != found->sender_org &&
          ServedHere(known->directory, found->sender_org)) {
        std::string what = to + (change.code.empty() ? "" : " (" + change.code + ")");
        store::NoticeRecord n =
            SenderNotice(*found, "status", who.org, what, now, &known->directory);
        KP_ASSIGN_OR_RETURN(bool inserted, store::KindRepository(db).InsertNotice(n));
        notice_mailed = inserted && n.mail_state == "pending";
      }
    }
    KP_RETURN_IF_ERROR(tx.Commit());
    if (notice_mailed && notice_recorded_)
      notice_recorded_();
    if (report_queued && outbox_queued_)
      outbox_queued_();
    if (!allowed)
      return std::move(allowed).error();
    StatusChanged changed{.id = std::string(id), .org = who.org, .state = to, .time_ms = now};
    if (whole_message || as_sender)
      changed.recipients = RecipientOrgs(targets);
    return changed;
  });
}

Result<MessageTracking> MessageService::Tracking(const Caller& caller, std::string_view id) {
  const std::int64_t now = clock_();
  return db_.Write([&](store::Database& db) -> Result<MessageTracking> {
    store::MessageRepository repo(db);
    KP_ASSIGN_OR_RETURN(auto found, repo.Find(id, /*with_payload=*/false));
    if (!found || found->sender_org != caller.principal.org) {
      return RefusedAccess(db, caller, audit::event::kFetch, audit::action::kRead, id,
                           found ? &*found : nullptr, now);
    }
    KP_ASSIGN_OR_RETURN(auto deliveries, repo.Deliveries(id));
    KP_ASSIGN_OR_RETURN(auto events, repo.Events(id));
    KP_ASSIGN_OR_RETURN(auto outbox, repo.OutboxFor(id));
    KP_ASSIGN_OR_RETURN(auto bases, repo.LegalBases(id));
    MessageTracking out;
    for (store::DeliveryRecord& d : deliveries) {
      MessageTracking::Recipient r;
      for (store::DeliveryEvent& e : events) {
        if (e.recipient_org != d.recipient_org)
          continue;
        r.events.push_back({.state = std::move(e.state),
                            .time_ms = e.time_ms,
                            .by = std::move(e.actor),
                            .reason = std::move(e.reason),
                            .code = std::move(e.code)});
      }
      for (const store::OutboxItem& o : outbox) {
        if (std::find(o.recipients.begin(), o.recipients.end(), d.recipient_org) ==
            o.recipients.end())
          continue;
        // The peer's signed delivery receipt (federation/receipt.h), as the outbox recorded it.
        r.transfer = MessageTracking::Transfer{.gateway = o.peer_url,
                                               .state = o.state,
                                               .attempts = o.attempts,
                                               .last_error = o.last_error,
                                               .receipt = o.receipt};
      }
      auto own = bases.find(d.recipient_org);
      r.legal_basis = own != bases.end() ? own->second : found->legal_basis;
      r.org = std::move(d.recipient_org);
      r.state = std::move(d.state);
      out.recipients.push_back(std::move(r));
    }
    KP_RETURN_IF_ERROR(
        AppendAlone(db, Entry(caller, audit::event::kFetch, audit::action::kRead, std::string(id),
                              &*found, audit::kOutcomeSuccess, now)));
    // Escalations and reminders the deadline rules recorded (reminder_worker.h).
    KP_ASSIGN_OR_RETURN(auto notices, store::KindRepository(db).NoticesFor(id));
    for (store::NoticeRecord& n : notices) {
      out.notices.push_back({.type = std::move(n.type),
                             .to = std::move(n.to_org),
                             .about = std::move(n.about_org),
                             .due_ms = n.due_ms,
                             .time_ms = n.created_ms,
                             .reason = std::move(n.reason),
                             .mail = std::move(n.mail_state)});
    }
    out.id = std::string(id);
    out.kind = found->kind;
    out.legal_basis = found->legal_basis;
    out.codelists = RecordedCodeLists(db, id);
    out.deadline_ms = found->deadline_ms;
    out.recalled_ms = found->recalled_ms;
    // The case this message belongs to: every message of it is this sender's (a follow-up
    // needs the sender of the message it follows).
    KP_ASSIGN_OR_RETURN(auto link, repo.Link(id));
    const std::string thread = store::ThreadOf(link, id);
    if (link) {
      out.link = FollowUpLink{
          .follows = link->follows_id, .thread = link->thread_id, .reason = link->reason};
    }
    KP_ASSIGN_OR_RETURN(auto later, repo.Thread(thread));
    if (!later.empty()) {
      out.thread_messages.push_back(thread);
      for (const store::MessageLink& l : later)
        out.thread_messages.push_back(l.message_id);
    }
    return out;
  });
}

Result<ConsentWithdrawn> MessageService::WithdrawConsent(const Caller& caller,
                                                         const ConsentWithdrawalRequest& request) {
  const std::int64_t now = clock_();
  if (!request.recipient.empty() &&
      directory_.Current()->directory.Find(request.recipient) == nullptr) {
    return NotFound("unknown_organisation", "unknown organisation '" + request.recipient + "'",
                    "recipient");
  }
  return db_.Write([&](store::Database& db) -> Result<ConsentWithdrawn> {
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    KP_RETURN_IF_ERROR(store::ConsentRepository(db).Withdraw({.org = caller.principal.org,
                                                              .subject_ref = request.subject_ref,
                                                              .recipient_org = request.recipient,
                                                              .reason = request.reason,
                                                              .time_ms = now,
                                                              .actor = Actor(caller.principal)}));
    audit::AuditEntry e = Entry(caller, audit::event::kConsentWithdraw, audit::action::kUpdate,
                                request.recipient.empty() ? "*" : request.recipient, nullptr,
                                audit::kOutcomeSuccess, now);
    e.subject_ref = request.subject_ref;
    e.authorisation_basis = "consent";
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, e));
    KP_RETURN_IF_ERROR(tx.Commit());
    return ConsentWithdrawn{request.subject_ref, request.recipient, now};
  });
}

Result<Recalled> MessageService::Recall(const Caller& caller, std::string_view id) {
  const std::int64_t now = clock_();
  return db_.Write([&](store::Database& db) -> Result<Recalled> {
    store::MessageRepository repo(db);
    KP_ASSIGN_OR_RETURN(auto found, repo.Find(id, /*with_payload=*/false));
    if (!found || found->sender_org != caller.principal.org) {
      return RefusedAccess(db, caller, audit::event::kRecall, audit::action::kDelete, id,
                           found ? &*found : nullptr, now);
    }
    KP_ASSIGN_OR_RETURN(auto deliveries, repo.Deliveries(id));
    const std::shared_ptr<const DirectorySnapshot> known = directory_.Current();
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    KP_RETURN_IF_ERROR(repo.Recall(id, now));
    KP_RETURN_IF_ERROR(
        audit::AuditLog().Append(db, Entry(caller, audit::event::kRecall, audit::action::kDelete,
                                           id, &*found, audit::kOutcomeSuccess, now)));
    // A recipient on a peer gateway holds a copy there: the recall travels to it as a signed
    // report, and that gateway deletes its copy (FederationService::ReceiveStatus).
    bool report_queued = false;
    for (const store::DeliveryRecord& d : deliveries) {
      KP_ASSIGN_OR_RETURN(
          bool queued, QueueStatusReport(db, known->directory, *found, d.recipient_org,
                                         state::kRecalled, "", "", Actor(caller.principal), now));
      report_queued = report_queued || queued;
    }
    KP_RETURN_IF_ERROR(tx.Commit());
    if (report_queued && outbox_queued_)
      outbox_queued_();
    return Recalled{std::string(id)};
  });
}

}  // namespace ketenpoort::server
