#include "gateway/federation/federation_service.h"

#include <algorithm>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "gateway/audit/audit_log.h"
#include "gateway/auth/peer_binding.h"
#include "gateway/core/lifecycle.h"
#include "gateway/crypto/hash.h"
#include "gateway/messages/message_header.h"
#include "gateway/messages/sender_notice.h"
#include "gateway/store/kind_repository.h"
#include "gateway/store/message_repository.h"
#include "gateway/store/status_report_repository.h"

namespace ketenpoort::server {

namespace {

// What a delivery from a peer holds once checked.
struct Incoming {
  store::MessageRecord message;
  std::vector<std::string> recipients;  // sorted
  crypto::Digest payload_sha256{};
  std::string follows;  // a follow-up's: the message it follows, and its thread
  std::string thread;
  std::optional<ConversationTurn> turn;  // a question's or answer's
};

// Whether a question or answer from `from` to `to` may follow message `followed` here: a
// question follows a case message that `to` sent and `from` received; an answer follows a
// question `to` sent about a case message `from` sent.
Result<bool> IsCaseTurn(store::MessageRepository& repo, const KindRegistry& kinds,
                        const ConversationTurn& turn, const store::MessageRecord& followed,
                        const std::string& from, const std::string& to) {
  if (followed.sender_org != to)
    return false;
  if (turn.role == ConversationTurn::Role::kQuestion) {
    const MessageKind* k = kinds.Find(followed.kind);
    if (k == nullptr || k->spec().conversation)
      return false;
    KP_ASSIGN_OR_RETURN(auto d, repo.Delivery(followed.id, from));
    return d.has_value();
  }
  const MessageKind* q = kinds.Find(followed.kind);
  if (q == nullptr || !q->spec().conversation ||
      q->spec().conversation->role != ConversationTurn::Role::kQuestion)
    return false;
  KP_ASSIGN_OR_RETURN(auto link, repo.Link(followed.id));
  if (!link)
    return false;
  KP_ASSIGN_OR_RETURN(auto case_message, repo.Find(link->follows_id, /*with_payload=*/false));
  return case_message && case_message->sender_org == from;
}

// An entry of what `caller`, a peer gateway, did: `event` / `action` on `object` for
// `organisation`, with `m`'s pseudonym and basis when known. User and responsible are the
// caller's gateway id unless the caller names another (`user`, `responsible`).
audit::AuditEntry PeerEntry(const Caller& caller, std::string_view event, std::string_view action,
                            std::string_view organisation, std::string_view object,
                            const store::MessageRecord* m, std::string_view outcome,
                            std::int64_t now) {
  audit::AuditEntry e;
  e.time_ms = now;
  e.event = std::string(event);
  e.user = caller.principal.org;
  e.organisation = std::string(organisation);
  e.role = std::string(RoleName(caller.principal.role));
  e.action = std::string(action);
  e.object = std::string(object);
  e.outcome = std::string(outcome);
  e.source_address = caller.source_address;
  if (m != nullptr) {
    e.subject_ref = m->subject_ref;
    e.authorisation_basis = m->legal_basis;
  }
  return e;
}

audit::AuditEntry DeliverEntry(const Caller& caller, std::string_view organisation,
                               std::string_view object, const store::MessageRecord* m,
                               std::string_view responsible, std::string_view outcome,
                               std::int64_t now) {
  // The peer gateway delivered, on behalf of the sender (`responsible`).
  audit::AuditEntry e = PeerEntry(caller, audit::event::kDeliver, audit::action::kCreate,
                                  organisation, object, m, outcome, now);
  e.responsible_user = std::string(responsible);
  return e;
}

// A peer's status report on `object`, by `user` of `organisation`; the peer is responsible.
audit::AuditEntry StatusEntry(const Caller& caller, std::string_view user,
                              std::string_view organisation, std::string_view object,
                              const store::MessageRecord* m, std::string_view outcome,
                              std::int64_t now) {
  audit::AuditEntry e = PeerEntry(caller, audit::event::kStatusChange, audit::action::kUpdate,
                                  organisation, object, m, outcome, now);
  e.user = std::string(user);
  e.responsible_user = caller.principal.org;
  return e;
}

// What this gateway keeps of a report it applied: the report, who signed it, when it came.
store::IncomingStatusReport IncomingOf(const delivery::SignedStatusReport& in, std::int64_t now) {
  const delivery::StatusReport& r = in.report;
  return {.report = {.id = r.id,
                     .message_id = r.message_id,
                     .recipient_org = r.recipient,
                     .state = r.state,
                     .code = r.code,
                     .reason = r.reason,
                     .actor = r.actor,
                     .set_ms = r.set_ms},
          .gateway = r.gateway,
          .signature = in.signature,
          .received_ms = now};
}

}  // namespace

FederationService::FederationService(Config config) : config_(std::move(config)) {}

Result<std::unique_ptr<FederationService>> FederationService::Create(Config config) {
  if (config.commits == nullptr || config.directory == nullptr || config.keyring == nullptr ||
      config.kinds == nullptr || !config.clock || config.receipt_key_id.empty() ||
      config.gateway_id.empty() || config.certificate_pem.empty()) {
    return InvalidArgument("invalid_federation_config", "a required member is missing");
  }
  return std::unique_ptr<FederationService>(new FederationService(std::move(config)));
}

void FederationService::Refuse(const Caller& caller, Error error, std::string message_id,
                               Done done) {
  // Built before `error` moves on: it names the error's code.
  audit::AuditEntry entry = DeliverEntry(caller, caller.principal.org, message_id, nullptr, "",
                                         error.code, config_.clock());
  AuditRefusal(std::move(entry), std::move(error), std::move(done));
}

void FederationService::AuditRefusal(audit::AuditEntry entry, Error error, Done done) {
  // The refusal is answered once its audit entry is committed (or with the audit's error).
  config_.commits->Submit(
      [entry = std::move(entry)](store::Database& db) {
        return audit::AuditLog().Append(db, entry);
      },
      [error = std::move(error), done = std::move(done)](Status audited) {
        done(audited ? Result<delivery::ReceiptAnswer>(error)
                     : Result<delivery::ReceiptAnswer>(std::move(audited).error()));
      });
}

void FederationService::Receive(const Caller& caller, delivery::FederationMessage message,
                                Done done) {
  const std::int64_t now = config_.clock();
  // One version of the directory and certificates for the whole delivery.
  const std::shared_ptr<const DirectorySnapshot> known = config_.directory->Current();
  const Directory& directory = known->directory;
  const CertificateMap& certificates = known->certificates;

  // What the wire format cannot tell: whether this gateway takes the message from this peer.
  auto check = [&]() -> Result<Incoming> {
    Incoming in;
    store::MessageRecord& m = in.message;
    const Organisation* from = directory.Find(message.from);
    if (from == nullptr) {
      return Refused("unknown_sender",
                     "organisation '" + message.from + "' is not in this gateway's directory",
                     "from");
    }
    if (from->gateway_url.empty()) {
      return PermissionDenied("sender_not_remote",
                              "organisation '" + message.from +
                                  "' is served by this gateway; a peer cannot send for it");
    }
    // Only the gateway that serves `from` may speak for it: another peer's token, or this one
    // naming an organisation of a third gateway, would forge the sender.
    KP_RETURN_IF_ERROR(auth::CheckServedByPeer(caller.principal, *from));
    in.recipients = std::move(message.recipients);
    std::sort(in.recipients.begin(), in.recipients.end());
    const MessageKind* kind = config_.kinds->Find(message.kind);
    if (kind != nullptr && kind->spec().conversation) {
      // A question or answer goes to the case's other party alone, whatever it accepts.
      if (message.follows.empty() || in.recipients.size() != 1) {
        return Refused("follows_required",
                       "a " + message.kind + " follows the message it is about, for one party",
                       "follows");
      }
      in.turn = kind->spec().conversation;
    }
    in.follows = std::move(message.follows);
    in.thread = std::move(message.thread);
    for (const std::string& org : in.recipients) {
      const Organisation* o = directory.Find(org);
      if (o == nullptr) {
        return Refused("unknown_recipient", "organisation '" + org + "' is not in the directory",
                       "recipients");
      }
      if (!o->gateway_url.empty()) {
        return Refused("recipient_not_served_here",
                       "organisation '" + org + "' is served by another gateway", "recipients");
      }
      if (!in.turn && !o->Accepts(message.kind)) {
        return Refused("kind_not_accepted",
                       "organisation '" + org + "' does not accept '" + message.kind + "'",
                       "recipients");
      }
      if (!certificates.contains(org)) {
        return Refused("recipient_without_certificate",
                       "organisation '" + org + "' has no certificate in the directory",
                       "recipients");
      }
    }
    KP_RETURN_IF_ERROR(delivery::CheckNotExpired(message.expires_ms, now));
    KP_ASSIGN_OR_RETURN(SealedPayload sealed, InspectSealedPayload(std::move(message.payload)));
    for (const std::string& org : in.recipients) {
      if (!sealed.info.IsFor(certificates.find(org)->second)) {
        return Refused("envelope_recipient_mismatch",
                       "envelope is not encrypted for org '" + org + "'", "payload");
      }
    }
    m.id = std::move(message.id);
    m.kind = std::move(message.kind);
    m.sender_org = std::move(message.from);
    m.sender_user = "";
    m.subject_ref = std::move(message.subject_ref);
    m.routing = std::move(message.routing);
    m.legal_basis = std::move(message.legal_basis);
    m.deadline_ms = message.deadline_ms;
    m.expires_ms = message.expires_ms;
    m.created_ms = now;  // when this gateway took it in: the receipt's time
    in.payload_sha256 = crypto::Sha256(sealed.der);
    m.payload_sha256.assign(in.payload_sha256.begin(), in.payload_sha256.end());
    m.payload = std::move(sealed.der);
    return in;
  };

  std::string id = message.id;  // for the audit entry of a refusal
  auto incoming = check();
  if (!incoming) {
    Refuse(caller, std::move(incoming).error(), std::move(id), std::move(done));
    return;
  }

  // What the job writes and the receipt it answers with, shared by the job and its completion
  // (both on the committer thread).
  struct Write {
    Incoming in;
    std::map<std::string, std::string> initial;
    std::vector<audit::AuditEntry> entries;
    delivery::DeliveryReceipt receipt;
    std::optional<Error> refusal;  // a turn that does not fit its case here (audited)
  };
  auto w = std::make_shared<Write>();
  w->in = std::move(*incoming);
  const Incoming& in = w->in;
  const store::MessageRecord& m = in.message;
  for (const std::string& org : in.recipients) {
    w->initial[org] = std::string(state::kDelivered);
    w->entries.push_back(
        DeliverEntry(caller, org, m.id, &m, m.sender_org, audit::kOutcomeSuccess, now));
  }
  w->receipt = delivery::DeliveryReceipt{.message_id = m.id,
                                         .recipients = in.recipients,
                                         .gateway = config_.gateway_id,
                                         .received_ms = now,
                                         .payload_sha256 = in.payload_sha256};
  auto job = [this, w, caller, now](store::Database& db) -> Status {
    const Incoming& in = w->in;
    const store::MessageRecord& m = in.message;
    store::MessageRepository repo(db);
    KP_ASSIGN_OR_RETURN(auto seen, repo.Find(m.id, /*with_payload=*/false));
    if (seen) {
      KP_ASSIGN_OR_RETURN(auto deliveries, repo.Deliveries(m.id));
      std::vector<std::string> orgs;
      for (const store::DeliveryRecord& d : deliveries)
        orgs.push_back(d.recipient_org);
      std::sort(orgs.begin(), orgs.end());
      if (seen->sender_org != m.sender_org || seen->payload_sha256 != m.payload_sha256 ||
          orgs != in.recipients) {
        return Conflict("message_id_conflict",
                        "a different message with this id was delivered before");
      }
      w->receipt.received_ms = seen->created_ms;  // the same receipt as the first time
      return Ok();
    }
    // A follow-up joins its thread here when this gateway holds the message it follows; else
    // it starts the thread here (the case's earlier messages never came this way).
    std::optional<store::MessageRecord> followed;
    if (!in.follows.empty()) {
      KP_ASSIGN_OR_RETURN(followed, repo.Find(in.follows, /*with_payload=*/false));
    }
    if (in.turn) {
      bool fits = false;
      if (followed) {
        KP_ASSIGN_OR_RETURN(fits, IsCaseTurn(repo, *config_.kinds, *in.turn, *followed,
                                             m.sender_org, in.recipients.front()));
      }
      if (!fits) {
        Error refused = Refused("message_not_found",
                                "no message '" + in.follows + "' here that this " + m.kind +
                                    " can follow between these organisations",
                                "follows");
        KP_RETURN_IF_ERROR(audit::AuditLog().Append(
            db, DeliverEntry(caller, caller.principal.org, m.id, nullptr, "", refused.code, now)));
        w->refusal = std::move(refused);
        return Ok();
      }
    }
    KP_RETURN_IF_ERROR(repo.Insert(m, w->initial, "gateway"));
    if (followed) {
      KP_RETURN_IF_ERROR(repo.InsertLink(
          {.message_id = m.id, .follows_id = in.follows, .thread_id = in.thread, .reason = ""}));
    }
    audit::AuditLog log;
    for (const audit::AuditEntry& e : w->entries)
      KP_RETURN_IF_ERROR(log.Append(db, e));
    return Ok();
  };
  // Signing (one ECDSA signature) runs on the committer thread after the commit: deliveries
  // from peers are few, and the receipt must name what was committed.
  config_.commits->Submit(std::move(job), [this, w, done = std::move(done)](Status stored) {
    if (!stored) {
      done(std::move(stored).error());
      return;
    }
    if (w->refusal) {
      done(std::move(*w->refusal));
      return;
    }
    auto signed_receipt =
        delivery::SignReceipt(*config_.keyring, config_.receipt_key_id, w->receipt);
    if (!signed_receipt) {
      done(std::move(signed_receipt).error());
      return;
    }
    done(delivery::ReceiptAnswer{std::move(*signed_receipt), config_.certificate_pem});
  });
}

void FederationService::ReceiveStatus(const Caller& caller, std::string_view client_cert_sha256,
                                      delivery::StatusReportPost post, Done done) {
  const std::int64_t now = config_.clock();
  // The signature first: only a report the calling gateway signed, with the certificate its
  // connection presented, is looked at.
  auto signed_by_caller = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> chain,
                        crypto::ParsePemChain(post.certificate_pem));
    if (chain.empty() || chain.front().Sha256Fingerprint() != client_cert_sha256) {
      return PermissionDenied("report_signer_mismatch",
                              "the report's certificate is not the one this connection presented");
    }
    KP_RETURN_IF_ERROR(delivery::VerifyStatusReport(post.report, chain.front()));
    if (post.report.report.gateway != caller.principal.org) {
      return PermissionDenied("report_signer_mismatch",
                              "the report names another gateway than the caller");
    }
    return Ok();
  };
  if (Status signed_ok = signed_by_caller(); !signed_ok) {
    RefuseStatus(caller, std::move(signed_ok).error(), post.report.report.message_id,
                 std::move(done));
    return;
  }

  struct Write {
    delivery::SignedStatusReport in;
    std::shared_ptr<const DirectorySnapshot> known;
    delivery::DeliveryReceipt receipt;
    std::optional<Error> refusal;  // refused after the database was consulted (audited)
    bool notice_mailed = false;
  };
  auto w = std::make_shared<Write>();
  w->in = std::move(post.report);
  w->known = config_.directory->Current();
  const delivery::StatusReport& r = w->in.report;
  w->receipt = delivery::DeliveryReceipt{.message_id = r.id,
                                         .recipients = {r.recipient},
                                         .gateway = config_.gateway_id,
                                         .received_ms = now,
                                         .payload_sha256 = delivery::ReportDigest(r)};
  auto job = [this, w, caller, now](store::Database& db) -> Status {
    const delivery::StatusReport& r = w->in.report;
    const Directory& directory = w->known->directory;
    store::StatusReportRepository reports(db);
    KP_ASSIGN_OR_RETURN(auto seen, reports.FindIncoming(r.id));
    if (seen) {
      if (seen->report.message_id != r.message_id || seen->report.recipient_org != r.recipient ||
          seen->report.state != r.state || seen->report.code != r.code ||
          seen->report.reason != r.reason || seen->report.actor != r.actor ||
          seen->report.set_ms != r.set_ms || seen->gateway != r.gateway) {
        return Conflict("report_id_conflict", "a different report with this id came before");
      }
      w->receipt.received_ms = seen->received_ms;  // the same receipt as the first time
      return Ok();
    }
    store::MessageRepository repo(db);
    KP_ASSIGN_OR_RETURN(auto m, repo.Find(r.message_id, /*with_payload=*/false));
    if (r.state == state::kRecalled)
      return ApplyRecall(db, caller, w->in, m ? &*m : nullptr, directory, now, w->refusal);
    // Whose move it is: the recipient's, reported by the gateway that serves the recipient to
    // the sender's, or the sender's, reported the other way. Never a move of an organisation
    // the calling peer does not serve.
    auto check = [&]() -> Result<std::string> {
      if (!m)
        return NotFound("message_not_found", "no message '" + r.message_id + "' here");
      KP_ASSIGN_OR_RETURN(auto d, repo.Delivery(m->id, r.recipient));
      if (!d) {
        return Refused("not_a_recipient",
                       "'" + r.recipient + "' is not a recipient of message " + m->id, "recipient");
      }
      const Organisation* sender = directory.Find(m->sender_org);
      const Organisation* recipient = directory.Find(r.recipient);
      const Organisation* mover = nullptr;
      if (sender != nullptr && recipient != nullptr && sender->gateway_url.empty())
        mover = recipient;
      else if (sender != nullptr && recipient != nullptr && recipient->gateway_url.empty())
        mover = sender;
      if (mover == nullptr || !auth::CheckServedByPeer(caller.principal, *mover)) {
        return PermissionDenied("party_not_served_by_peer",
                                "the calling gateway does not serve the party that moved "
                                "this delivery");
      }
      const std::string actor_org = r.actor.substr(0, r.actor.find('/'));
      if (actor_org != mover->id) {
        return PermissionDenied("actor_not_party",
                                "the report's actor is not of organisation '" + mover->id + "'");
      }
      if (m->recalled_ms)
        return Gone("message_recalled", "the sender withdrew this message");
      if (d->state == state::kSent) {
        // This gateway has not recorded the receipt yet: the report may come again later.
        return Conflict("delivery_in_transit", "the delivery has not been confirmed here yet");
      }
      if (Status allowed = config_.kinds->CheckTransition(m->kind, d->state, r.state); !allowed) {
        return Refused("report_not_applicable",
                       "the delivery here cannot move from '" + d->state + "' to '" + r.state + "'",
                       "state");
      }
      // The peer checked who may set the state; checked again, so that a peer can claim no
      // move its organisation could not make here. "received" is the gateway's (a read) or an
      // answer's, never chosen by hand.
      if (r.state != state::kReceived) {
        const bool by_sender = mover == sender;
        KP_RETURN_IF_ERROR(config_.kinds->LifecycleFor(m->kind).CheckSetter(r.state, mover->kind,
                                                                            by_sender, !by_sender));
      }
      return mover->id;
    };
    auto mover = check();
    audit::AuditEntry e =
        StatusEntry(caller, mover ? r.actor : caller.principal.org,
                    mover ? *mover : caller.principal.org, r.message_id, m ? &*m : nullptr,
                    mover ? audit::kOutcomeSuccess : std::string_view(mover.error().code), now);
    if (!mover) {
      // Retried ones (a conflict) are not the trail's news until they are final.
      if (mover.error().kind != ErrorKind::kConflict)
        KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, e));
      w->refusal = std::move(mover).error();
      return Ok();
    }
    KP_RETURN_IF_ERROR(repo.SetState(m->id, r.recipient, r.state, now, r.actor, r.reason, r.code));
    KP_RETURN_IF_ERROR(reports.InsertIncoming(IncomingOf(w->in, now)));
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, e));
    if (*mover == r.recipient) {
      // A recipient's move is news for the sender, as when it is made on this gateway
      // (messages/message_service.h): mailed, except that it was read.
      std::string what = r.state + (r.code.empty() ? "" : " (" + r.code + ")");
      store::NoticeRecord n = SenderNotice(*m, "status", r.recipient, what, now,
                                           r.state == state::kReceived ? nullptr : &directory);
      KP_ASSIGN_OR_RETURN(bool inserted, store::KindRepository(db).InsertNotice(n));
      w->notice_mailed = inserted && n.mail_state == "pending";
    }
    return Ok();
  };
  config_.commits->Submit(std::move(job), [this, w, done = std::move(done)](Status stored) {
    if (!stored) {
      done(std::move(stored).error());
      return;
    }
    if (w->refusal) {
      done(std::move(*w->refusal));
      return;
    }
    if (w->notice_mailed && config_.notice_recorded)
      config_.notice_recorded();
    auto signed_receipt =
        delivery::SignReceipt(*config_.keyring, config_.receipt_key_id, w->receipt);
    if (!signed_receipt) {
      done(std::move(signed_receipt).error());
      return;
    }
    done(delivery::ReceiptAnswer{std::move(*signed_receipt), config_.certificate_pem});
  });
}

Status FederationService::ApplyRecall(store::Database& db, const Caller& caller,
                                      const delivery::SignedStatusReport& in,
                                      const store::MessageRecord* m, const Directory& directory,
                                      std::int64_t now, std::optional<Error>& refusal) {
  const delivery::StatusReport& r = in.report;
  // The sender recalls: the report must come from the gateway that serves the sender, in the
  // name of someone of the sender. A message this gateway never received (the outbox stopped
  // when it was recalled) has nothing to delete: the recall holds here too.
  const std::string actor_org = r.actor.substr(0, r.actor.find('/'));
  const Organisation* sender = directory.Find(m != nullptr ? m->sender_org : actor_org);
  Status allowed = Ok();
  if (sender == nullptr || !auth::CheckServedByPeer(caller.principal, *sender)) {
    allowed = PermissionDenied("party_not_served_by_peer",
                               "the calling gateway does not serve the sender of this message");
  } else if (actor_org != sender->id) {
    allowed = PermissionDenied("actor_not_party",
                               "the report's actor is not of organisation '" + sender->id + "'");
  }
  audit::AuditEntry e = PeerEntry(caller, audit::event::kRecall, audit::action::kDelete,
                                  allowed ? std::string_view(sender->id) : caller.principal.org,
                                  r.message_id, m, allowed ? audit::kOutcomeSuccess : "", now);
  if (!allowed) {
    e.outcome = allowed.error().code;
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, e));
    refusal = std::move(allowed).error();
    return Ok();
  }
  e.user = r.actor;
  e.responsible_user = caller.principal.org;
  if (m != nullptr && !m->recalled_ms)
    KP_RETURN_IF_ERROR(store::MessageRepository(db).Recall(m->id, now));
  KP_RETURN_IF_ERROR(store::StatusReportRepository(db).InsertIncoming(IncomingOf(in, now)));
  return audit::AuditLog().Append(db, e);
}

void FederationService::RefuseStatus(const Caller& caller, Error error, std::string message_id,
                                     Done done) {
  const std::string object = delivery::IsValidMessageId(message_id) ? message_id : "";
  audit::AuditEntry entry = StatusEntry(caller, caller.principal.org, caller.principal.org, object,
                                        nullptr, error.code, config_.clock());
  AuditRefusal(std::move(entry), std::move(error), std::move(done));
}

Status FederationService::CheckPeerConnection(const Caller& caller,
                                              std::string_view client_cert_sha256) {
  Status bound = auth::CheckPeerCertificate(caller.principal, client_cert_sha256);
  if (bound)
    return bound;
  audit::AuditEntry e;
  e.time_ms = config_.clock();
  e.event = std::string(audit::event::kAuthFailed);
  e.user = caller.principal.org;  // the peer gateway's id
  e.organisation = caller.principal.org;
  e.role = std::string(RoleName(caller.principal.role));
  e.action = std::string(audit::action::kExecute);
  e.object = "api_token:" + std::to_string(caller.principal.token_id);
  e.outcome = bound.error().code;
  e.source_address = caller.source_address;
  KP_RETURN_IF_ERROR(
      config_.commits->Run([&](store::Database& db) { return audit::AuditLog().Append(db, e); }));
  return bound;
}

}  // namespace ketenpoort::server
