// The receiving half of federation: a peer gateway delivers a message for organisations this
// gateway serves (POST /v1/federation/messages, role peer) and gets a signed delivery receipt
// (federation/receipt.h) back. The sending half is federation/outbox_worker.h.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(auto federation, FederationService::Create(config));
//   auto message = delivery::FederationMessageFromJson(body);      // federation_routes.cpp
//   if (!message) federation->Refuse(caller, message.error(), delivery::MessageIdOf(body), done);
//   else federation->Receive(caller, std::move(*message), done);    // caller: role peer
//   // done(ReceiptAnswer{receipt, certificate_pem}): 202 {"receipt": {"message_id",
//   //   "recipients", "gateway", "received", "payload_sha256", "signature"},
//   //   "certificate": "-----BEGIN CERTIFICATE-----..."} (federation/receipt.h)
//
// The message is the one the sending gateway's outbox wrote (messages/federation_message.h, whose
// parser refuses a malformed one before it gets here). Checks, each answered before anything is
// written:
//   from not in the directory                                 -> 422 unknown_sender
//   from served by this gateway (a peer cannot speak for it)  -> 403 sender_not_remote
//   from served by a gateway other than the caller's: its     -> 403 sender_not_served_by_peer
//     directory entry's "gateway" is not the URL the caller's
//     peer token is bound to (auth/peer_binding.h)
//   a recipient not in the directory                          -> 422 unknown_recipient
//   a recipient served by another gateway                     -> 422 recipient_not_served_here
//   a recipient that does not accept the kind                 -> 422 kind_not_accepted
//   expires at or before now                                  -> 400 invalid_time
//   payload not a CMS envelope                                -> 422 invalid_envelope /
//                                                                not_an_envelope
//   a recipient the envelope is not encrypted for             -> 422 envelope_recipient_mismatch
// then, in one transaction: the message under the sender's id (its "created" here is when this
// gateway took it in, the receipt's time), a "delivered" delivery per recipient and a
// `deliver` audit entry per recipient (user: the peer gateway's id, on behalf of `from`).
// Refusals are audited with the error code as outcome. The checks run on the calling thread;
// the write goes through the group commit (store/group_commit.h), and the answer (the receipt,
// signed after the commit) is handed to `done` on its thread without a thread waiting for it.
//
// A follow-up ("follows" and "thread") is linked into its thread when this gateway holds the
// message it follows. A question or answer (a kind with a conversation turn) needs it: it goes
// to one organisation, which need not accept the kind, and must follow, here, a case message
// its recipient sent and its sender received (a question), or a question its recipient sent
// about a case message its sender sent (an answer); else 422 message_not_found, audited. The
// move a question or answer makes on the case's delivery comes as a status report.
//
// Status reports (ReceiveStatus, POST /v1/federation/status, role peer): a delivery of a
// message this gateway holds moved on the gateway of the message's other party. Checks:
//   the certificate in the body is not the one the connection presented, the signature is not
//   that certificate's key, or the report names another gateway    -> 403 report_signer_mismatch
//                                                                      / 422
//                                                                      report_signature_invalid
//   the same report id before with other content                   -> 409 report_id_conflict
//   no such message here                                           -> 404 message_not_found
//   the recipient named is not one of the message's                -> 422 not_a_recipient
//   the party that moved (the recipient when the sender is served
//     here, the sender when the recipient is) is not served by the
//     calling peer                                                 -> 403 party_not_served_by_peer
//   the actor is not of that organisation                          -> 403 actor_not_party
//   the message was recalled                                       -> 410 message_recalled
//   the delivery's receipt is not recorded here yet                -> 409 delivery_in_transit
//   the lifecycle does not allow the move from the state here      -> 422 report_not_applicable
//   that party may not set that state (the kind's StateRule; a
//     "received" is the gateway's or an answer's and passes)       -> 403 state_not_permitted
// then, in one transaction: the delivery's new state (by the report's actor, with its code and
// reason), the report kept by its id with its signature (store/status_report_repository.h), a
// `status_change` audit entry (user: the actor, organisation: the party, responsible: the peer
// gateway) and, for a recipient's move, a notice for the sender, mailed to its contact except
// for "received". Refusals are audited with their code, except 409s: the sender retries those,
// and its own trail records the report that finally failed. A report taken in before is answered
// with the same receipt and changes nothing: exactly once. The answer is a receipt of the report
// (status_report.h).
//
// Exactly once: a message id stored before, with the same sender, recipients and payload, is
// answered with a receipt of the same content (the first reception's time; ECDSA signatures
// differ each time) and nothing is stored. The same id with anything else: 409
// message_id_conflict. Since the sender must be served by the caller's gateway, a peer only
// ever gets receipts for messages sent from its own gateway's organisations.
//
// The connection: CheckPeerConnection refuses a peer token whose connection did not present
// the client certificate the token is bound to (auth::CheckPeerCertificate: 403
// peer_certificate_mismatch, or peer_token_unbound for a token issued before tokens were
// bound), with an `auth_failed` audit entry: user and organisation the peer gateway's id, role
// peer, object "api_token:ID", outcome the code. federation_routes.h runs it on every route a
// peer token reaches, before any handler.
//
// Thread-safe: it reaches the database only through the group commit, which holds the
// connection's lock (store/guarded_database.h) for every job.
// It must outlive the answers it owes: `done` runs after the commit, with the service's own
// certificate_pem.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/audit/audit_entry.h"
#include "gateway/core/directory.h"
#include "gateway/core/error.h"
#include "gateway/core/kind_registry.h"
#include "gateway/crypto/keyring.h"
#include "gateway/federation/receipt.h"
#include "gateway/federation/status_report.h"
#include "gateway/messages/federation_message.h"
#include "gateway/messages/live_directory.h"
#include "gateway/messages/message_fields.h"
#include "gateway/messages/message_service.h"
#include "gateway/store/database.h"
#include "gateway/store/group_commit.h"

namespace ketenpoort::server {

class FederationService {
 public:
  using Clock = std::function<std::int64_t()>;  // ms since the Unix epoch

  struct Config {
    store::GroupCommit* commits = nullptr;     // required; outlives the service
    const LiveDirectory* directory = nullptr;  // required; outlives the service
    const crypto::Keyring* keyring = nullptr;  // required; holds `receipt_key_id`
    std::string receipt_key_id;                // the key of this gateway's TLS certificate
    std::string gateway_id;                    // this gateway's id, named in receipts
    std::string certificate_pem;               // this gateway's TLS chain, leaf first
    Clock clock;
    const KindRegistry* kinds = nullptr;  // required: lifecycles, questions and answers
    // After a commit that recorded a notice with mail due (a recipient's move reported by a
    // peer), wakes whoever mails notices; may be empty.
    std::function<void()> notice_recorded;
  };

  // Error when a required member is missing.
  static Result<std::unique_ptr<FederationService>> Create(Config config);

  // The answer, called once: on the group commit's thread, or on the caller's if it is stopped.
  // A message taken in is answered with the receipt, signed after the commit, and this gateway's
  // TLS chain to check it with.
  using Done = std::function<void(Result<delivery::ReceiptAnswer>)>;

  // POST /v1/federation/messages: checks here, then queues the write and returns.
  void Receive(const Caller& caller, delivery::FederationMessage message, Done done);

  // A delivery refused before it became a message (its body did not parse): audits the refusal,
  // object `message_id` ("" when the body named none), and hands `error` to `done` once that
  // entry is committed.
  void Refuse(const Caller& caller, Error error, std::string message_id, Done done);

  // POST /v1/federation/status: a status report (status_report.h) from the gateway of a
  // message's other party, applied to this gateway's copy of the delivery. See the top of this
  // file for the checks; answered with a receipt of the report. A report of state "recalled"
  // (state::kRecalled) is the sender's recall: from the gateway that serves the message's
  // sender, in the name of someone of the sender, it deletes this gateway's copy of the payload
  // (recipients get 410 from then on) and is audited as a `recall`; for a message this gateway
  // never received it changes nothing and is answered all the same.
  void ReceiveStatus(const Caller& caller, std::string_view client_cert_sha256,
                     delivery::StatusReportPost post, Done done);

  // A status report refused before it was looked at (its body did not parse, or its signature is
  // not the caller's): audits the refusal and hands `error` to `done`.
  void RefuseStatus(const Caller& caller, Error error, std::string message_id, Done done);

  // Ok unless `caller` is a peer whose connection presented no client certificate, or another
  // than its token is bound to (`client_cert_sha256`: api::Request's); a refusal is audited.
  Status CheckPeerConnection(const Caller& caller, std::string_view client_cert_sha256);

 private:
  explicit FederationService(Config config);
  // Commits `entry`, then hands `error` to `done` (or the audit's own error).
  void AuditRefusal(audit::AuditEntry entry, Error error, Done done);
  // ReceiveStatus for a recall, in the commit's transaction; a refusal is audited and put in
  // `refusal`.
  Status ApplyRecall(store::Database& db, const Caller& caller,
                     const delivery::SignedStatusReport& in, const store::MessageRecord* m,
                     const Directory& directory, std::int64_t now, std::optional<Error>& refusal);

  Config config_;
};

}  // namespace ketenpoort::server
