#include "gateway/audit/witness_worker.h"

#include <nlohmann/json.hpp>

#include <utility>

#include "adapters/transports/peer_client.h"
#include "gateway/audit/audit_log.h"
#include "gateway/audit/tree_head.h"
#include "gateway/audit/witness.h"
#include "gateway/audit/witness_store.h"
#include "gateway/crypto/encoding.h"
#include "gateway/log/log.h"

namespace ketenpoort::server {

namespace {

using nlohmann::json;

// The head and the certificate a peer's GET /v1/audit/checkpoint returns, checked.
Result<audit::TreeHead> ReadCheckpoint(const std::string& body,
                                       const std::vector<crypto::Certificate>& anchors) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("certificate") || !doc["certificate"].is_string())
    return InvalidArgument("invalid_checkpoint", "the peer's checkpoint has no certificate");
  KP_ASSIGN_OR_RETURN(crypto::Certificate cert,
                      crypto::Certificate::FromPem(doc["certificate"].get<std::string>()));
  KP_RETURN_IF_ERROR(crypto::VerifyIssuedBy(cert, anchors));
  json head_only = doc;
  head_only.erase("certificate");
  KP_ASSIGN_OR_RETURN(audit::TreeHead head, audit::TreeHeadFromJson(head_only));
  if (!crypto::VerifySignature(cert, audit::SignedBytes(head), head.signature))
    return Refused("checkpoint_signature_invalid", "the peer's tree head signature is invalid");
  return head;
}

Result<std::vector<crypto::Digest>> ReadProof(const std::string& body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("proof") || !doc["proof"].is_array())
    return InvalidArgument("invalid_proof", "the peer's consistency proof is malformed");
  std::vector<crypto::Digest> proof;
  for (const json& h : doc["proof"]) {
    if (!h.is_string())
      return InvalidArgument("invalid_proof", "the peer's consistency proof is malformed");
    KP_ASSIGN_OR_RETURN(Bytes raw, crypto::Base64Decode(h.get<std::string>()));
    if (raw.size() != 32)
      return InvalidArgument("invalid_proof", "the peer's consistency proof is malformed");
    crypto::Digest d{};
    std::copy(raw.begin(), raw.end(), d.begin());
    proof.push_back(d);
  }
  return proof;
}

}  // namespace

WitnessWorker::WitnessWorker(Config config)
    : config_(std::move(config)),
      worker_({.interval = config_.interval},
              [this](std::stop_token stop) { CheckAll(std::move(stop)); }) {}

WitnessWorker::~WitnessWorker() {
  Stop();
}

void WitnessWorker::Start() {
  worker_.Start();
}

void WitnessWorker::Stop() {
  worker_.Stop();
}

void WitnessWorker::CheckAll(std::stop_token stop) {
  for (const config::PeerConfig& peer : config_.federation.peers) {
    if (stop.stop_requested())
      return;
    CheckPeer(peer);
  }
}

void WitnessWorker::CheckPeer(const config::PeerConfig& peer) {
  auto fail = [&](const Error& e) {
    log::Warn("witness_failed", {{"peer", peer.url}, {"error", e.code}, {"detail", e.message}});
  };
  auto token = config::ReadTokenFile(peer.token_file);
  if (!token)
    return fail(token.error());
  auto anchors = crypto::LoadPemChainFile(config_.federation.trust_anchors);
  if (!anchors)
    return fail(anchors.error());
  transports::PeerClient::Config pc;
  pc.keyring = config_.keyring;
  pc.client_key_id = config_.key_id;
  pc.client_chain = config_.tls_chain;
  pc.trust_anchors_file = config_.federation.trust_anchors;
  pc.connect_timeout = std::chrono::milliseconds(3000);
  pc.total_timeout = std::chrono::milliseconds(10000);
  auto client = transports::PeerClient::Create(std::move(pc));
  if (!client)
    return fail(client.error());
  auto r = client->Get(peer.url + "/v1/audit/checkpoint", *token);
  if (!r)
    return fail(r.error());
  if (r->status != 200)
    return fail(Unavailable("checkpoint_" + std::to_string(r->status), "no checkpoint"));

  const std::int64_t now = config_.clock();
  auto head = ReadCheckpoint(r->body, *anchors);
  std::optional<audit::TreeHead> known;
  {
    auto latest = config_.db->Read(
        [&](store::Database& db) { return audit::WitnessStore(db).Latest(peer.url); });
    if (!latest)
      return fail(latest.error());
    known = *latest;
  }
  audit::WitnessVerdict verdict;
  if (!head) {
    verdict = {audit::WitnessVerdict::Kind::kFork,
               "the peer's checkpoint does not verify: " + head.error().message};
  } else {
    std::vector<crypto::Digest> proof;
    if (known && head->size > known->size) {
      auto p = client->Get(peer.url +
                               "/v1/audit/proof/consistency?first=" + std::to_string(known->size) +
                               "&second=" + std::to_string(head->size),
                           *token);
      if (!p)
        return fail(p.error());
      if (p->status != 200)
        return fail(Unavailable("proof_" + std::to_string(p->status), "no proof"));
      auto parsed = ReadProof(p->body);
      if (!parsed)
        return fail(parsed.error());
      proof = std::move(*parsed);
    }
    verdict = audit::CheckPeerHead(known ? &*known : nullptr, *head, proof);
  }

  using Kind = audit::WitnessVerdict::Kind;
  const bool fork = verdict.kind == Kind::kFork;
  Status written = config_.db->Write([&](store::Database& db) -> Status {
    auto tx = store::Transaction::Begin(db);
    if (!tx)
      return tx.error();
    audit::WitnessStore store(db);
    Status s = Ok();
    if (verdict.kind == Kind::kFirst || verdict.kind == Kind::kExtends)
      s = store.Keep(peer.url, *head, now);
    if (s)
      s = store.SetState(peer.url, fork ? "fork" : "consistent", verdict.problem, now);
    if (s && (fork || verdict.kind != Kind::kSame)) {
      audit::AuditEntry e;
      e.time_ms = now;
      e.event = std::string(audit::event::kWitness);
      e.user = "gateway";
      e.role = "witness";
      e.action = std::string(audit::action::kExecute);
      e.object = peer.url;
      e.outcome = fork ? "fork_detected" : std::string(audit::kOutcomeSuccess);
      s = audit::AuditLog().Append(db, std::move(e));
    }
    if (s)
      s = tx->Commit();
    return s;
  });
  if (!written)
    return fail(written.error());
  if (fork) {
    log::Error("audit_fork_detected", {{"peer", peer.url}, {"problem", verdict.problem}});
  } else if (verdict.kind != Kind::kSame) {
    log::Info("witnessed", {{"peer", peer.url}, {"size", std::to_string(head->size)}});
  }
}

}  // namespace ketenpoort::server
