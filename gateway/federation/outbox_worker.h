// The sending half of federation: a thread that delivers the outbox (store/message_repository.h)
// to peer gateways over mutual-TLS HTTPS and records what happened. The receiving half is
// federation/federation_service.h.
//
//   // (compiled in examples_test.cpp)
//   OutboxWorker::Config c;
//   c.db = &db;                      // the gateway's one connection, a store::GuardedDatabase
//   c.keyring = &keyring;  c.client_key_id = "tls";  c.client_chain = tls_chain;
//   c.trust_anchors_file = "certs/peers.pem";           // "": federation not configured
//   c.peers = {{"https://127.0.0.1:9444", token}};      // tokens the peers issued to us
//   c.policy = {.base = 1s, .cap = 5min, .max_age = 24h};
//   auto worker = OutboxWorker::Create(std::move(c));
//   (*worker)->Start();  ...  (*worker)->Stop();         // Stop joins the thread
//   ...  CommitMessageForAPeer();  (*worker)->Wake();    // attempted now, not at the next poll
//
// The thread is a worker/worker.h: at Start, at once after Wake (the message service calls it
// when a submission queued items), and every poll_interval (for retries that came due) it reads
// up to `batch` due items inside `db->Read`, then attempts each outside it, so no lock is held
// during network I/O, checking for stop between items:
//   POST PEER_URL/v1/federation/messages, Authorization: Bearer <the peer's token>,
//   Idempotency-Key: <message id>, body the message as federation_message.h writes it, with
//   "recipients" that peer's organisations.
// The peer's token is the one of the configured peer with the same origin (scheme, host, port)
// whose URL is the longest path prefix of the item's peer URL.
//
// Outcome of one attempt, recorded in one transaction:
//   202 whose certificate chains to the trust anchors (crypto::VerifyIssuedBy) and whose
//   receipt is signed by it for this message, these recipients and this payload's SHA-256
//   (delivery::VerifyReceiptFor)
//       -> item "delivered" with the receipt JSON; each recipient's delivery "sent" ->
//          "delivered" by the receipt's gateway id; a `deliver` audit entry per recipient
//   no HTTP answer, 408, 409, 429, 5xx, an unverifiable receipt, no token for the peer
//       -> attempts + 1, last_error = a code, next attempt from backoff.h (NextAttempt with
//          `jitter`); past policy.max_age since the first attempt: a dead letter
//   any other 4xx -> a dead letter at once
//   dead letter -> item "dead", last_error the code; each recipient's delivery "sent" ->
//          "undeliverable" (reason: the code) and a "dead_letter" notice for the sender; a
//          `deliver` audit entry per recipient with the code as outcome
//   message recalled -> item "recalled", nothing sent; message expired or purged -> dead letter
// An item recalled while its attempt was on the wire keeps "recalled" unless the peer took it
// in: a receipt is recorded whatever happened meanwhile. last_error is a code (the peer's
// error code, "http_503", "peer_unreachable", "certificate_untrusted", ...): never a token or
// a body. One log line per attempt: message id, peer host, outcome.
//
// Status reports (store/status_report_repository.h) go in the same pass, after the messages:
// each due report (the oldest pending one of its delivery) is signed with `client_key_id` as
// gateway `gateway_id` (federation/status_report.h) and posted to PEER_URL/v1/federation/status
// with `client_chain` and the peer's token, Idempotency-Key the report id. A 202 whose receipt
// (trusted as above) names the report's id, its recipient and the SHA-256 of its canonical
// bytes -> "delivered" with the receipt; failures are retried, or given up, as for messages.
// A report delivered or given up is a `status_report` audit entry (organisation: the delivery's
// recipient, user: the peer's gateway id or "gateway", outcome: success or the code); a retry
// is only a log line (report id, message id, peer host, outcome).
//
// Stop returns once the thread has joined: at once between attempts, else after the request in
// flight (bounded by the client's timeouts; a refused connection returns at once).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/transports/peer_client.h"
#include "gateway/core/error.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/keyring.h"
#include "gateway/federation/receipt.h"
#include "gateway/messages/live_directory.h"
#include "gateway/store/guarded_database.h"
#include "gateway/store/message_repository.h"
#include "gateway/store/status_report_repository.h"
#include "gateway/worker/backoff.h"
#include "gateway/worker/worker.h"

namespace ketenpoort::delivery {

class OutboxWorker {
 public:
  using Clock = std::function<std::int64_t()>;  // ms since the Unix epoch

  struct Peer {
    std::string url;    // "https://gw-b.example.org:8443" (a base URL, no trailing slash)
    std::string token;  // the API token (role peer) that peer issued to this gateway
  };

  struct Config {
    store::GuardedDatabase* db = nullptr;      // required; outlives the worker
    const crypto::Keyring* keyring = nullptr;  // required; outlives the worker
    std::string client_key_id;                 // the key of `client_chain`'s leaf
    std::vector<crypto::Certificate> client_chain;
    std::string gateway_id;          // this gateway's id, named in the status reports it signs
    std::string trust_anchors_file;  // "": every attempt fails (not configured)
    std::vector<Peer> peers;
    BackoffPolicy policy;
    Clock clock;          // required
    JitterSource jitter;  // empty: SecureJitter()
    // Only retries wait for it: new items come with a Wake.
    std::chrono::milliseconds poll_interval{1000};
    int batch = 32;
    std::chrono::milliseconds connect_timeout{3000};
    std::chrono::milliseconds total_timeout{15000};
    // A dead letter is a notice for the message's sender (messages/sender_notice.h), mailed to
    // its contact in this directory, as current at the time (null: recorded without mail).
    // After the commit that recorded one with mail due, `notice_recorded` (when set) wakes
    // whoever sends it.
    const server::LiveDirectory* directory = nullptr;
    std::function<void()> notice_recorded;
    // Optional: after the commit of each attempt that moved deliveries, the message's kind, how
    // many recipients' deliveries moved, and whether to "delivered" (a peer's receipt) or to
    // "undeliverable" (a dead letter); the daemon counts them (GET /metrics).
    std::function<void(std::string_view kind, std::size_t recipients, bool delivered)> counted;
  };

  // Checks the config (policy valid, pointers set, trust anchors readable) and prepares the
  // HTTPS client; does not start the thread.
  static Result<std::unique_ptr<OutboxWorker>> Create(Config config);
  ~OutboxWorker();  // Stop()
  OutboxWorker(const OutboxWorker&) = delete;
  OutboxWorker& operator=(const OutboxWorker&) = delete;

  void Start();
  // Stops and joins the thread. Idempotent.
  void Stop();
  // Makes the thread poll now (e.g. after a submission queued an item).
  void Wake();

  // One pass over the due items on the caller's thread (the thread must not be running);
  // the number of items attempted. Returns early, between items, once `stop` is requested.
  Result<int> RunOnce(std::stop_token stop = {});

 private:
  struct Outcome;
  explicit OutboxWorker(Config config);
  Outcome Attempt(const store::OutboxItem& item, const store::MessageRecord& message,
                  const std::optional<store::MessageLink>& link);
  Status Record(const store::OutboxItem& item, const store::MessageRecord& message,
                const Outcome& outcome);
  Outcome AttemptReport(const store::OutgoingStatusReport& report);
  Status RecordReport(const store::OutgoingStatusReport& report, const Outcome& outcome);
  // POSTs `body` to `peer_url` + `path` and checks the receipt in a 202 against `expected`
  // (its gateway: whoever signed with a trusted certificate).
  Outcome Post(const std::string& peer_url, std::string_view path, const Peer& peer,
               const std::string& body, const std::string& idempotency_key,
               ReceiptExpectation expected);
  const Peer* FindPeer(const std::string& peer_url) const;

  Config config_;
  std::vector<crypto::Certificate> trust_anchors_;
  std::string client_chain_pem_;  // client_chain as PEM: sent with every status report
  std::optional<transports::PeerClient> client_;
  worker::Worker worker_;  // last: its thread uses the members above
};

}  // namespace ketenpoort::delivery
