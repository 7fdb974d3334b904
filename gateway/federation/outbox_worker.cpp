#include "gateway/federation/outbox_worker.h"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "gateway/audit/audit_log.h"
#include "gateway/core/gateway_url.h"
#include "gateway/core/lifecycle.h"
#include "gateway/crypto/hash.h"
#include "gateway/federation/receipt.h"
#include "gateway/federation/status_report.h"
#include "gateway/log/log.h"
#include "gateway/messages/federation_message.h"
#include "gateway/messages/sender_notice.h"
#include "gateway/store/kind_repository.h"
#include "gateway/store/status_report_repository.h"

namespace ketenpoort::delivery {

namespace {

using nlohmann::json;

constexpr std::string_view kFederationPath = "/v1/federation/messages";
constexpr std::string_view kStatusPath = "/v1/federation/status";
constexpr std::size_t kMaxErrorCodeBytes = 64;

// A peer's error code when it looks like one (snake_case), else "http_STATUS".
std::string CodeOf(const transports::PeerResponse& r) {
  json body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object() && body.contains("error") && body["error"].is_object() &&
      body["error"].contains("code") && body["error"]["code"].is_string()) {
    std::string code = body["error"]["code"].get<std::string>();
    bool clean = !code.empty() && code.size() <= kMaxErrorCodeBytes &&
                 std::all_of(code.begin(), code.end(), [](char c) {
                   return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                 });
    if (clean)
      return code;
  }
  return "http_" + std::to_string(r.status);
}

}  // namespace

// What one attempt came to.
struct OutboxWorker::Outcome {
  enum class Kind { kDelivered, kRetry, kDead, kRecalled };
  Kind kind = Kind::kRetry;
  std::string code;          // kRetry / kDead: why
  std::string receipt;       // kDelivered: the receipt's JSON text
  std::string peer_gateway;  // kDelivered: the gateway id the receipt names
};

OutboxWorker::OutboxWorker(Config config)
    : config_(std::move(config)),
      worker_({.interval = config_.poll_interval}, [this](std::stop_token stop) {
        auto attempted = RunOnce(std::move(stop));
        if (!attempted)
          log::Error("outbox_pass_failed", {{"error", attempted.error().code}});
      }) {}

Result<std::unique_ptr<OutboxWorker>> OutboxWorker::Create(Config config) {
  if (config.db == nullptr || config.keyring == nullptr || !config.clock || config.batch < 1 ||
      config.poll_interval.count() < 1) {
    return InvalidArgument("invalid_outbox_config", "a required member is missing or invalid");
  }
  KP_RETURN_IF_ERROR(Validate(config.policy));
  if (!config.jitter)
    config.jitter = SecureJitter();
  auto worker = std::unique_ptr<OutboxWorker>(new OutboxWorker(std::move(config)));
  Config& c = worker->config_;
  for (const crypto::Certificate& cert : c.client_chain)
    worker->client_chain_pem_ += cert.ToPem();
  if (!c.trust_anchors_file.empty()) {
    KP_ASSIGN_OR_RETURN(worker->trust_anchors_, crypto::LoadPemChainFile(c.trust_anchors_file));
    transports::PeerClient::Config pc;
    pc.keyring = c.keyring;
    pc.client_key_id = c.client_key_id;
    pc.client_chain = c.client_chain;
    pc.trust_anchors_file = c.trust_anchors_file;
    pc.connect_timeout = c.connect_timeout;
    pc.total_timeout = c.total_timeout;
    KP_ASSIGN_OR_RETURN(transports::PeerClient client,
                        transports::PeerClient::Create(std::move(pc)));
    worker->client_.emplace(std::move(client));
  }
  return worker;
}

OutboxWorker::~OutboxWorker() {
  Stop();
}

void OutboxWorker::Start() {
  worker_.Start();
}

void OutboxWorker::Stop() {
  worker_.Stop();
}

void OutboxWorker::Wake() {
  worker_.Wake();
}

const OutboxWorker::Peer* OutboxWorker::FindPeer(const std::string& peer_url) const {
  auto target = ParseGatewayUrl(peer_url);
  if (!target)
    return nullptr;
  const Peer* best = nullptr;
  std::size_t best_length = 0;
  for (const Peer& peer : config_.peers) {
    auto p = ParseGatewayUrl(peer.url);
    if (!p || p->origin != target->origin)
      continue;
    bool prefix = p->path.empty() || target->path == p->path ||
                  target->path.compare(0, p->path.size() + 1, p->path + "/") == 0;
    if (prefix && (best == nullptr || p->path.size() > best_length)) {
      best = &peer;
      best_length = p->path.size();
    }
  }
  return best;
}

Result<int> OutboxWorker::RunOnce(std::stop_token stop) {
  KP_ASSIGN_OR_RETURN(
      std::vector<store::OutboxItem> due, config_.db->Read([&](store::Database& db) {
        return store::MessageRepository(db).DueOutbox(config_.clock(), config_.batch);
      }));
  int attempted = 0;
  for (const store::OutboxItem& item : due) {
    if (stop.stop_requested())
      break;
    // The message and, for a follow-up, its link, in one read.
    std::optional<store::MessageRecord> message;
    std::optional<store::MessageLink> link;
    KP_RETURN_IF_ERROR(config_.db->Read([&](store::Database& db) -> Status {
      store::MessageRepository repo(db);
      KP_ASSIGN_OR_RETURN(message, repo.Find(item.message_id, /*with_payload=*/true));
      KP_ASSIGN_OR_RETURN(link, repo.Link(item.message_id));
      return Ok();
    }));
    Outcome outcome;
    if (!message) {
      outcome.kind = Outcome::Kind::kDead;
      outcome.code = "message_not_found";
      message.emplace();
      message->id = item.message_id;
    } else {
      outcome = Attempt(item, *message, link);
    }
    ++attempted;
    KP_RETURN_IF_ERROR(Record(item, *message, outcome));
  }
  if (stop.stop_requested())
    return attempted;
  KP_ASSIGN_OR_RETURN(
      std::vector<store::OutgoingStatusReport> reports, config_.db->Read([&](store::Database& db) {
        return store::StatusReportRepository(db).Due(config_.clock(), config_.batch);
      }));
  for (const store::OutgoingStatusReport& report : reports) {
    if (stop.stop_requested())
      break;
    Outcome outcome = AttemptReport(report);
    ++attempted;
    KP_RETURN_IF_ERROR(RecordReport(report, outcome));
  }
  return attempted;
}

OutboxWorker::Outcome OutboxWorker::Attempt(const store::OutboxItem& item,
                                            const store::MessageRecord& m,
                                            const std::optional<store::MessageLink>& link) {
  Outcome out;
  const std::int64_t now = config_.clock();
  if (m.recalled_ms) {
    out.kind = Outcome::Kind::kRecalled;
    return out;
  }
  out.kind = Outcome::Kind::kDead;
  if (m.expires_ms && *m.expires_ms <= now) {
    out.code = "message_expired";
    return out;
  }
  if (!m.payload) {
    out.code = "message_purged";
    return out;
  }
  out.kind = Outcome::Kind::kRetry;
  if (!client_) {
    out.code = "federation_not_configured";
    return out;
  }
  const Peer* peer = FindPeer(item.peer_url);
  if (peer == nullptr) {
    out.code = "peer_not_configured";
    return out;
  }

  FederationMessage message = FederationMessageOf(m, item.recipients);
  if (link) {
    message.follows = link->follows_id;
    message.thread = link->thread_id;
  }
  ReceiptExpectation expected;
  expected.message_id = m.id;
  expected.recipients = item.recipients;
  std::copy_n(m.payload_sha256.begin(),
              std::min(m.payload_sha256.size(), expected.payload_sha256.size()),
              expected.payload_sha256.begin());
  return Post(item.peer_url, kFederationPath, *peer, ToJson(message).dump(), m.id, expected);
}

OutboxWorker::Outcome OutboxWorker::Post(const std::string& peer_url, std::string_view path,
                                         const Peer& peer, const std::string& body,
                                         const std::string& idempotency_key,
                                         ReceiptExpectation expected) {
  Outcome out;
  out.kind = Outcome::Kind::kRetry;
  std::string url = peer_url;
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  url += path;
  auto r = client_->PostJson(url, peer.token, body, {{"Idempotency-Key", idempotency_key}});
  if (!r) {
    out.code = r.error().code;
    // A URL or request the client refuses will never work; anything else may.
    out.kind = r.error().kind == ErrorKind::kInvalidArgument ? Outcome::Kind::kDead
                                                             : Outcome::Kind::kRetry;
    return out;
  }
  const long status = r->status;
  if (status != 202) {
    out.code = CodeOf(*r);
    bool transient = status == 408 || status == 409 || status == 429 || status >= 500;
    bool permanent = status >= 400 && status < 500 && !transient;
    out.kind = permanent ? Outcome::Kind::kDead : Outcome::Kind::kRetry;
    return out;
  }

  // 202: the receipt must prove it, or the peer is asked again later.
  auto answer = ReceiptAnswerFromJson(json::parse(r->body, nullptr, /*allow_exceptions=*/false));
  if (!answer) {
    out.code = answer.error().code;
    return out;
  }
  auto chain = crypto::ParsePemChain(answer->certificate_pem);
  if (!chain) {
    out.code = chain.error().code;
    return out;
  }
  const crypto::Certificate leaf = chain->front();
  std::vector<crypto::Certificate> intermediates(chain->begin() + 1, chain->end());
  if (Status trusted = crypto::VerifyIssuedBy(leaf, trust_anchors_, intermediates); !trusted) {
    out.code = trusted.error().code;
    return out;
  }
  const SignedReceipt& receipt = answer->receipt;
  expected.gateway = receipt.receipt.gateway;  // whoever signed with a trusted certificate
  if (Status valid = VerifyReceiptFor(receipt, leaf, expected); !valid) {
    out.code = valid.error().code;
    return out;
  }
  out.kind = Outcome::Kind::kDelivered;
  out.receipt = ToJson(receipt).dump();
  out.peer_gateway = receipt.receipt.gateway;
  return out;
}

OutboxWorker::Outcome OutboxWorker::AttemptReport(const store::OutgoingStatusReport& item) {
  Outcome out;
  out.kind = Outcome::Kind::kRetry;
  if (!client_ || config_.gateway_id.empty()) {
    out.code = "federation_not_configured";
    return out;
  }
  const Peer* peer = FindPeer(item.peer_url);
  if (peer == nullptr) {
    out.code = "peer_not_configured";
    return out;
  }
  const store::StatusReportRecord& r = item.report;
  StatusReport report{.id = r.id,
                      .message_id = r.message_id,
                      .recipient = r.recipient_org,
                      .state = r.state,
                      .code = r.code,
                      .reason = r.reason,
                      .actor = r.actor,
                      .set_ms = r.set_ms,
                      .gateway = config_.gateway_id};
  auto signed_report = SignStatusReport(*config_.keyring, config_.client_key_id, report);
  if (!signed_report) {
    // A report that does not validate never will: say so instead of retrying for a day.
    out.kind = Outcome::Kind::kDead;
    out.code = signed_report.error().code;
    return out;
  }
  ReceiptExpectation expected;
  expected.message_id = r.id;
  expected.recipients = {r.recipient_org};
  expected.payload_sha256 = ReportDigest(report);
  return Post(item.peer_url, kStatusPath, *peer,
              ToJson(StatusReportPost{std::move(*signed_report), client_chain_pem_}).dump(), r.id,
              std::move(expected));
}

Status OutboxWorker::RecordReport(const store::OutgoingStatusReport& item, const Outcome& outcome) {
  const std::int64_t now = config_.clock();
  const std::int64_t attempts = item.attempts + 1;
  std::string host = item.peer_url;
  if (auto parts = ParseGatewayUrl(item.peer_url))
    host = parts->authority;
  const store::StatusReportRecord& r = item.report;
  std::string logged;
  KP_RETURN_IF_ERROR(config_.db->Write([&](store::Database& db) -> Status {
    store::StatusReportRepository reports(db);
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    KP_ASSIGN_OR_RETURN(auto message, store::MessageRepository(db).Find(r.message_id,
                                                                        /*with_payload=*/false));
    audit::AuditEntry e;
    e.time_ms = now;
    e.event = std::string(audit::event::kStatusReport);
    e.user = "gateway";
    e.responsible_user = r.actor;
    e.organisation = r.recipient_org;
    e.role = "peer";
    e.action = std::string(audit::action::kCreate);
    e.object = r.message_id;
    e.source_address = host;
    if (message) {
      e.subject_ref = message->subject_ref;
      e.authorisation_basis = message->legal_basis;
    }
    std::string queue_state = "pending";
    std::int64_t next = item.next_attempt_ms;
    std::string error;
    switch (outcome.kind) {
      case Outcome::Kind::kDelivered:
        queue_state = "delivered";
        e.user = outcome.peer_gateway;
        e.outcome = std::string(audit::kOutcomeSuccess);
        logged = "delivered";
        break;
      case Outcome::Kind::kRecalled:
      case Outcome::Kind::kDead:
        queue_state = "dead";
        error = outcome.code;
        e.outcome = outcome.code;
        logged = "dead:" + outcome.code;
        break;
      case Outcome::Kind::kRetry: {
        const int failed = static_cast<int>(std::min<std::int64_t>(attempts, 1 << 20));
        RetryDecision decision =
            NextAttempt(config_.policy, failed, item.first_attempt_ms, now, config_.jitter);
        error = outcome.code;
        if (decision.dead_letter) {
          queue_state = "dead";
          e.outcome = outcome.code;
          logged = "dead:" + outcome.code;
        } else {
          next = decision.next_attempt_ms;
          logged = "retry:" + outcome.code;
        }
        break;
      }
    }
    KP_RETURN_IF_ERROR(
        reports.Update(item.seq, queue_state, attempts, next, error, outcome.receipt));
    // A retry is in the log line; what became of the report is in the trail.
    if (queue_state != "pending")
      KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, e));
    return tx.Commit();
  }));
  log::Info("status_report_attempt",
            {{"report", r.id}, {"message", r.message_id}, {"peer", host}, {"outcome", logged}});
  return Ok();
}

Status OutboxWorker::Record(const store::OutboxItem& item, const store::MessageRecord& m,
                            const Outcome& outcome) {
  const std::int64_t now = config_.clock();
  // Every pass over a due item is an attempt, whether or not a request left (no token, ...).
  const std::int64_t attempts = item.attempts + (outcome.kind == Outcome::Kind::kRecalled ? 0 : 1);
  std::string host = item.peer_url;
  if (auto parts = ParseGatewayUrl(item.peer_url))
    host = parts->authority;

  auto entry = [&](const std::string& org, const std::string& user, std::string_view outcome_code) {
    audit::AuditEntry e;
    e.time_ms = now;
    e.event = std::string(audit::event::kDeliver);
    e.subject_ref = m.subject_ref;
    e.user = user;
    e.responsible_user = m.sender_org;
    e.organisation = org;
    e.role = "peer";
    e.action = std::string(audit::action::kCreate);
    e.object = m.id;
    e.authorisation_basis = m.legal_basis;
    e.outcome = std::string(outcome_code);
    e.source_address = host;
    return e;
  };

  std::string logged;
  bool notice_mailed = false;
  std::size_t moved_delivered = 0;  // recipients' deliveries "sent" -> "delivered"
  std::size_t moved_dead = 0;       // "sent" -> "undeliverable"
  KP_RETURN_IF_ERROR(config_.db->Write([&](store::Database& db) -> Status {
    store::MessageRepository repo(db);
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    KP_ASSIGN_OR_RETURN(auto items, repo.OutboxFor(item.message_id));
    auto current = std::find_if(items.begin(), items.end(),
                                [&](const store::OutboxItem& o) { return o.id == item.id; });
    if (current == items.end())
      return NotFound("outbox_item_not_found", "no such outbox item");
    const bool pending = current->state == "pending";
    audit::AuditLog log;

    auto dead = [&](const std::string& code) -> Status {
      KP_RETURN_IF_ERROR(repo.UpdateOutbox(item.id, "dead", attempts, now, code, ""));
      for (const std::string& org : item.recipients) {
        KP_ASSIGN_OR_RETURN(auto d, repo.Delivery(m.id, org));
        if (d && d->state == state::kSent) {
          KP_RETURN_IF_ERROR(repo.SetState(m.id, org, state::kUndeliverable, now, "gateway", code));
          ++moved_dead;
          // A dead letter is never silent: the sender gets a notice, mailed to its contact.
          const auto known = config_.directory != nullptr ? config_.directory->Current() : nullptr;
          store::NoticeRecord n = server::SenderNotice(m, "dead_letter", org, code, now,
                                                       known ? &known->directory : nullptr);
          KP_ASSIGN_OR_RETURN(bool inserted, store::KindRepository(db).InsertNotice(n));
          notice_mailed = notice_mailed || (inserted && n.mail_state == "pending");
        }
        KP_RETURN_IF_ERROR(log.Append(db, entry(org, "gateway", code)));
      }
      logged = "dead:" + code;
      return Ok();
    };

    switch (outcome.kind) {
      case Outcome::Kind::kDelivered:
        KP_RETURN_IF_ERROR(repo.UpdateOutbox(item.id, "delivered", attempts,
                                             current->next_attempt_ms, "", outcome.receipt));
        for (const std::string& org : item.recipients) {
          KP_ASSIGN_OR_RETURN(auto d, repo.Delivery(m.id, org));
          if (d && d->state == state::kSent) {
            KP_RETURN_IF_ERROR(
                repo.SetState(m.id, org, state::kDelivered, now, outcome.peer_gateway, ""));
            ++moved_delivered;
          }
          KP_RETURN_IF_ERROR(
              log.Append(db, entry(org, outcome.peer_gateway, audit::kOutcomeSuccess)));
        }
        logged = "delivered";
        break;
      case Outcome::Kind::kRecalled:
        if (pending)
          KP_RETURN_IF_ERROR(
              repo.UpdateOutbox(item.id, "recalled", attempts, current->next_attempt_ms, "", ""));
        logged = "recalled";
        break;
      case Outcome::Kind::kDead:
        if (!pending) {
          logged = "skipped:" + current->state;
          break;
        }
        KP_RETURN_IF_ERROR(dead(outcome.code));
        break;
      case Outcome::Kind::kRetry: {
        if (!pending) {
          logged = "skipped:" + current->state;
          break;
        }
        const int failed = static_cast<int>(std::min<std::int64_t>(attempts, 1 << 20));
        RetryDecision next =
            NextAttempt(config_.policy, failed, item.first_attempt_ms, now, config_.jitter);
        if (next.dead_letter) {
          KP_RETURN_IF_ERROR(dead(outcome.code));
        } else {
          KP_RETURN_IF_ERROR(repo.UpdateOutbox(item.id, "pending", attempts, next.next_attempt_ms,
                                               outcome.code, ""));
          logged = "retry:" + outcome.code;
        }
        break;
      }
    }
    return tx.Commit();
  }));
  if (notice_mailed && config_.notice_recorded)
    config_.notice_recorded();
  if (config_.counted && moved_delivered > 0)
    config_.counted(m.kind, moved_delivered, /*delivered=*/true);
  if (config_.counted && moved_dead > 0)
    config_.counted(m.kind, moved_dead, /*delivered=*/false);
  log::Info("outbox_attempt", {{"message", m.id}, {"peer", host}, {"outcome", logged}});
  return Ok();
}

}  // namespace ketenpoort::delivery
