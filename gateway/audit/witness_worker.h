// Witnesses the audit trails of the peer gateways in `federation.peers` (docs/DESIGN.md,
// federation): every `interval` it fetches each peer's signed tree head (GET /v1/audit/checkpoint
// over mutual TLS), checks the signature against the certificate the peer sends, which must chain
// to federation.trust_anchors, fetches a consistency proof from the head kept before, and keeps the
// new head (gateway/audit/witness.h). A fork (two heads of one size, a rollback, or a proof that
// fails) is reported loudly: an error log line, a `witness` audit entry with outcome
// "fork_detected", and status "fork" in GET /v1/audit/witness until an operator clears it. A peer
// that cannot be reached is logged and tried again next round; that is not a fork.
//
//   // (compiled in examples_test.cpp)
//   WitnessWorker w(config);   // db (a GuardedDatabase), keyring, TLS chain, federation config
//   w.Start();  ...  w.Stop();  // a worker/worker.h thread; Stop returns after the peer in
//                               // progress (each check is bounded by the client's timeouts)
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "gateway/config/gateway_config.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/keyring.h"
#include "gateway/store/guarded_database.h"
#include "gateway/worker/worker.h"

namespace ketenpoort::server {

class WitnessWorker {
 public:
  struct Config {
    store::GuardedDatabase* db = nullptr;
    const crypto::Keyring* keyring = nullptr;
    std::string key_id;                          // our TLS key, the client certificate's
    std::vector<crypto::Certificate> tls_chain;  // our TLS chain, presented to peers
    config::FederationConfig federation;
    std::chrono::milliseconds interval{60000};
    std::function<std::int64_t()> clock;
  };

  explicit WitnessWorker(Config config);
  ~WitnessWorker();
  WitnessWorker(const WitnessWorker&) = delete;
  WitnessWorker& operator=(const WitnessWorker&) = delete;

  void Start();
  void Stop();  // idempotent

  // One round over every peer, on the caller's thread (the thread calls this), stopping
  // between peers once `stop` is requested.
  void CheckAll(std::stop_token stop = {});

 private:
  void CheckPeer(const config::PeerConfig& peer);

  Config config_;
  worker::Worker worker_;
};

}  // namespace ketenpoort::server
