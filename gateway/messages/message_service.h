// The message pipeline of docs/API.md: submit, inbox, fetch, status, tracking and recall, each
// checked, stored and audited in one transaction. It takes the requests as the types of
// message_request.h and answers the types of message_results.h; the HTTP routes
// (server/message_routes.cpp) read the one from JSON and write the other with ToJson, so this is
// where the rules live and no JSON is built here.
//
//   // (compiled in examples_test.cpp)
//   GroupCommit commits(db);                                  // db: a store::GuardedDatabase
//   LiveDirectory directory(std::move(*DirectorySnapshot::Make(*dir, *routes)));
//   auto messages = MessageService::Create(db, commits, directory, kinds::BuiltinKinds(),
//                                          audit::NowMs);
//   Caller caller{principal, "127.0.0.1"};
//   messages->Submit(caller, SubmissionFromJson(body), std::nullopt,
//                    [](Result<Accepted> accepted) {
//                      // ToJson(*accepted): 202 {"id": "m-5f0c...", "status": "accepted",
//                      //                          "recipients": ["comensha"]}
//                    });
//   Result<InboxPage> page = messages->Inbox(caller, /*after=*/0, /*limit=*/100);
//
// Submit, in this order (every refusal is answered before anything is written; the form
// errors are SubmissionFromJson's, message_request.h, taken up in their place here):
//   body keys other than kind, recipients, routing, subject_ref, legal_basis, deadline,
//     expires, codelists, payload                              -> 400 unknown_field
//   kind, routing, legal_basis malformed                        -> 400 (RoutingInputFromJson)
//   a kind for e-mail addresses (KindAudience::kEmailAddresses; the routes hand those to
//     secure mail where a gateway has it)                       -> 400 unsupported_kind
//   the token's organisation not in the directory               -> 403 unknown_sender
//   an organisation of a kind that may not start this kind (KindSpec::sender_kinds: a b8 only
//     the police)                                               -> 403 sender_not_permitted
//   recipients malformed                                        -> 400 invalid_request;
//     explicit recipients                       -> RoutingRules::CheckRecipients's errors;
//     no recipients given and no rule matches                   -> 422 no_recipients
//   subject_ref, deadline, expires malformed, or an expiry at or before now -> 400
//   "codelists" ({"exploitation": 1}; absent lists: the latest) malformed or naming an
//     unknown list or version, or the kind's header rules (message_kind.h: required routing
//     keys, codes of the code lists at those versions, pseudonym, legal basis)
//                                                               -> 400 / 422, naming the field
//   payload missing, not base64                                 -> 400 invalid_request /
//                                                                  invalid_payload
//   payload not a CMS (Auth)EnvelopedData                       -> 422 invalid_envelope /
//                                                                  not_an_envelope
//   a recipient organisation the envelope is not encrypted for,
//     or a certificate in it that is neither a recipient's nor the sender's
//                                                               -> 422 envelope_recipient_mismatch
//   Idempotency-Key seen before with another body               -> 409 idempotency_conflict
// then one transaction (shared with concurrent submissions: store/group_commit.h): the message,
// the code-list versions it used (store/kind_repository.h), one
// delivery per recipient ("delivered" for organisations this gateway serves, "sent" plus an outbox
// item per peer gateway otherwise), the idempotency key, a `submit` audit entry and a `deliver`
// entry per local recipient. Only after COMMIT (synchronous=FULL) is the answer handed to `done`:
// a 202 is on disk. Refused submissions are audited too, with the error code as outcome, and
// their refusal is handed on once that entry is committed. Submit itself does the checks above
// on the calling thread and returns as soon as the write is queued; no thread waits for the
// commit.
//
// Status (SetStatus), in this order: the form (StatusChangeFromJson, before the call); the
// caller must be the sender (with the sender role) or a recipient that the message reached
// (with the recipient role), else 404 as for no message; recalled -> 410. Then what moves: a
// recipient moves its own delivery; the sender moves the delivery of the recipient it names
// ("recipient"), or, naming none, every delivery that has arrived and is not final (a sender
// closing a referral for all); kinds with LifecycleScope::kMessage (b8) move every delivery
// that has arrived ("received" stays per recipient). A recipient naming a recipient -> 403
// recipient_not_permitted (400 for a kMessage kind); a named organisation the message has not
// reached -> 422 not_a_recipient; nothing left to move -> 409 invalid_transition. Then: a state
// no lifecycle knows -> 400 unknown_state; a state of another kind -> 409 invalid_transition;
// an organisation that may not set it (the kind's StateRule: sender or recipient, and which
// organisation kinds) -> 403 state_not_permitted; a transition the lifecycle does not allow
// from a current state -> 409 invalid_transition; a state whose rule names a code list
// (a referral's decline: decline_reason) without a "code" -> 422 reason_code_required, a code
// not in the list -> 400 invalid_code, "other" without a reason -> 422 reason_required, a code
// for a state without a list -> 400 code_not_expected. Every attempt is audited, the ones answered
// 404 too (outcome message_not_found).
//
// Across gateways: every move of a delivery made here (a status set, the first read's
// "received", a question's or answer's move of the case message's delivery) whose other party
// (the sender, or the recipient where the sender moved it) is served by a peer gateway queues,
// in the same transaction, a status report for that gateway (store/status_report_repository.h),
// which the outbox sends and the peer applies (federation/federation_service.h). The notice a
// recipient's move makes for the sender is then made by the sender's own gateway, when the report
// arrives, not here. Questions and answers reach parties on peer gateways as messages like any
// other (their "follows" travels with them, federation_message.h).
//
// Reading: a message is visible to its sender organisation and to each recipient organisation
// it has reached; to everyone else it does not exist (404 message_not_found, audited as such
// with the caller and the message's pseudonym: Get, Tracking, Recall and SetStatus). A recipient's
// first fetch moves its delivery from "delivered" to "received". A recalled message answers
// 410 message_recalled, an expired one 410 message_expired. Every read is an audit entry.
//
// Thread-safe: the database is used only inside `db.Write`/`db.Read`; decoding and envelope
// checks run outside it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/audit/audit_entry.h"
#include "gateway/core/directory.h"
#include "gateway/core/error.h"
#include "gateway/core/kind_registry.h"
#include "gateway/core/role.h"
#include "gateway/core/routing_rules.h"
#include "gateway/crypto/certificate.h"
#include "gateway/messages/live_directory.h"
#include "gateway/messages/message_request.h"
#include "gateway/messages/message_results.h"
#include "gateway/store/database.h"
#include "gateway/store/group_commit.h"
#include "gateway/store/guarded_database.h"
#include "gateway/store/message_repository.h"

namespace ketenpoort::server {

// Who is asking, for authorisation and for the audit entry.
struct Caller {
  Principal principal;
  std::string source_address;
};

// The audit entry of `caller` acting (`event`, NEN 7513 `action`) on `object` at `now_ms`:
// user, organisation, role and source address from the caller; subject and basis left empty.
audit::AuditEntry CallerEntry(const Caller& caller, std::string_view event, std::string_view action,
                              std::string_view object, std::string_view outcome,
                              std::int64_t now_ms);

class MessageService {
 public:
  using Clock = std::function<std::int64_t()>;  // ms since the Unix epoch

  // `db` and `directory` must outlive the service. Each request works with the directory,
  // routing rules and certificates current when it starts (live_directory.h), so a reload
  // takes effect from the next request.
  // `commits` (on `db`) carries submissions; it must outlive the service and be stopped
  // before `db` closes. `deadlines` (may be null; must outlive the service): the kinds'
  // configured deadline rules, which give a message submitted without a deadline the one its
  // kind's rule counts from the submission (a b8's end of the reflection period).
  static Result<std::unique_ptr<MessageService>> Create(store::GuardedDatabase& db,
                                                        store::GroupCommit& commits,
                                                        const LiveDirectory& directory,
                                                        const KindRegistry& kinds, Clock clock,
                                                        const KindDeadlines* deadlines = nullptr);

  // The answer to a submission, called once: on the group commit's thread after the commit,
  // or on the caller's thread if the group commit is stopped. Keep it short.
  using Done = std::function<void(Result<Accepted>)>;

  // POST /v1/messages: `submission` as SubmissionFromJson read it (message_request.h), or the
  // error it answered, which is refused and audited like every other refusal. With
  // `idempotency_key`, a key seen before answers the first answer (the same body) or 409
  // idempotency_conflict (another body). Checks on this thread, then queues the write and
  // returns; `done` gets the answer. The checks are in memory, except for a follow-up or
  // question/answer (the message followed) and a hand-off on consent about a client (the
  // withdrawals), which read the database: call those off any thread that must not block
  // (SubmissionReadsStore in message_request.h tells them apart).
  void Submit(const Caller& caller, Result<Submission> submission,
              std::optional<IdempotencyKey> idempotency_key, Done done);
  // GET /v1/inbox: up to `limit` deliveries after the cursor `after` (0: from the start).
  static constexpr std::int64_t kDefaultInboxLimit = 100;
  static constexpr std::int64_t kMaxInboxLimit = 500;
  Result<InboxPage> Inbox(const Caller& caller, std::int64_t after, std::int64_t limit,
                          store::ListOrder order = store::ListOrder::kOldestFirst);
  // GET /v1/sent: up to `limit` of the caller's organisation's own sent messages after the
  // cursor `after` (0: from the start), oldest first, with each recipient's state.
  Result<SentPage> Sent(const Caller& caller, std::int64_t after, std::int64_t limit,
                        store::ListOrder order = store::ListOrder::kOldestFirst);
  // GET /v1/messages/{id}
  Result<MessageView> Get(const Caller& caller, std::string_view id);
  // POST /v1/messages/{id}/status, its body read by StatusChangeFromJson (message_request.h).
  Result<StatusChanged> SetStatus(const Caller& caller, std::string_view id,
                                  const StatusChange& change);
  // GET /v1/messages/{id}/tracking: per recipient its states with time, who and why, and the
  // legal basis of that hand-off; the code-list versions the message used ("codelists") and the
  // deadline notices about it ("notices": escalations, reminders; reminder_worker.h).
  Result<MessageTracking> Tracking(const Caller& caller, std::string_view id);
  // POST /v1/messages/{id}/recall
  Result<Recalled> Recall(const Caller& caller, std::string_view id);
  // POST /v1/consents/withdraw: the caller's organisation records that its client withdrew
  // consent for hand-offs to `recipient` (or to every recipient). From then on a submission of
  // this organisation about that client whose legal basis is consent, to such a recipient, is
  // refused (422 consent_withdrawn, naming the recipient). Audited (event consent_withdraw).
  // A recipient not in the directory: 404 unknown_organisation.
  Result<ConsentWithdrawn> WithdrawConsent(const Caller& caller,
                                           const ConsentWithdrawalRequest& request);

  // Called after the commit whenever a submission queued items for peer gateways (on the group
  // commit's thread), or a status change, a read or a question or answer queued a status report
  // for one (on the caller's thread; store/status_report_repository.h): the daemon wakes its
  // outbox worker (federation/outbox_worker.h) with it. Set before the first request.
  void OnOutboxQueued(std::function<void()> wake) { outbox_queued_ = std::move(wake); }
  // Called after a commit that recorded a notice whose mail is due (a recipient's answer to the
  // sender, sender_notice.h): the daemon wakes the reminder worker, which sends notice mails,
  // so the mail goes now, not at its next interval. Set before the first request.
  void OnNoticeRecorded(std::function<void()> wake) { notice_recorded_ = std::move(wake); }
  // Called after the commit of each new message (not an Idempotency-Key replay), on the group
  // commit's thread, with its kind and how many recipients had it delivered at once (the rest
  // wait in the outbox for a peer gateway): the daemon counts them (GET /metrics). Keep it
  // short. Set before the first request.
  struct Stored {
    std::string_view kind;
    std::size_t delivered = 0;
  };
  void OnStored(std::function<void(const Stored&)> counted) { stored_ = std::move(counted); }

 private:
  // The coded reason `change` carries for a state whose rule names a code list (checked
  // against the version message `id` records), or the refusal of a code where none belongs.
  Status CheckReasonCode(store::Database& db, std::string_view id, const StateRule* rule,
                         const StatusChange& change) const;

  MessageService(store::GuardedDatabase& db, store::GroupCommit& commits,
                 const LiveDirectory& directory, const KindRegistry& kinds, Clock clock,
                 const KindDeadlines* deadlines);

  store::GuardedDatabase& db_;
  store::GroupCommit& commits_;  // submissions share transactions (and fsyncs) under load
  const LiveDirectory& directory_;
  const KindRegistry& kinds_;  // headers, lifecycles, code lists (adapters/kinds)
  Clock clock_;
  const KindDeadlines* deadlines_;  // null: no kind's deadline is filled in
  std::function<void()> outbox_queued_;
  std::function<void()> notice_recorded_;
  std::function<void(const Stored&)> stored_;
};

}  // namespace ketenpoort::server
