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
#include "gateway/store/message_repository.h"

namespace ketenpoort::server {

namespace {

// What a delivery from a peer holds once checked.
struct Incoming {
  store::MessageRecord message;
  std::vector<std::string> recipients;  // sorted
  crypto::Digest payload_sha256{};
};

audit::AuditEntry DeliverEntry(const Caller& caller, std::string_view organisation,
                               std::string_view object, const store::MessageRecord* m,
                               std::string_view responsible, std::string_view outcome,
                               std::int64_t now) {
  audit::AuditEntry e;
  e.time_ms = now;
  e.event = std::string(audit::event::kDeliver);
  e.user = caller.principal.org;  // the peer gateway that delivered
  e.responsible_user = std::string(responsible);
  e.organisation = std::string(organisation);
  e.role = std::string(RoleName(caller.principal.role));
  e.action = std::string(audit::action::kCreate);
  e.object = std::string(object);
  e.outcome = std::string(outcome);
  e.source_address = caller.source_address;
  if (m != nullptr) {
    e.subject_ref = m->subject_ref;
    e.authorisation_basis = m->legal_basis;
  }
  return e;
}

}  // namespace

FederationService::FederationService(Config config) : config_(std::move(config)) {}

Result<std::unique_ptr<FederationService>> FederationService::Create(Config config) {
  if (config.commits == nullptr || config.directory == nullptr || config.keyring == nullptr ||
      !config.clock || config.receipt_key_id.empty() || config.gateway_id.empty() ||
      config.certificate_pem.empty()) {
    return InvalidArgument("invalid_federation_config", "a required member is missing");
  }
  return std::unique_ptr<FederationService>(new FederationService(std::move(config)));
}

void FederationService::Refuse(const Caller& caller, Error error, std::string message_id,
                               Done done) {
  // The refusal is answered once its audit entry is committed (or with the audit's error).
  audit::AuditEntry refused = DeliverEntry(caller, caller.principal.org, message_id, nullptr, "",
                                           error.code, config_.clock());
  config_.commits->Submit(
      [refused = std::move(refused)](store::Database& db) {
        return audit::AuditLog().Append(db, refused);
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
      if (!o->Accepts(message.kind)) {
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
  auto job = [w](store::Database& db) -> Status {
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
    KP_RETURN_IF_ERROR(repo.Insert(m, w->initial, "gateway"));
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
    auto signed_receipt =
        delivery::SignReceipt(*config_.keyring, config_.receipt_key_id, w->receipt);
    if (!signed_receipt) {
      done(std::move(signed_receipt).error());
      return;
    }
    done(delivery::ReceiptAnswer{std::move(*signed_receipt), config_.certificate_pem});
  });
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
