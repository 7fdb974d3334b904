// Signs audit tree heads while the gateway runs (docs/DESIGN.md, the audit trail): whenever the
// trail has grown by `every` entries, or has grown at all and `interval` has passed since the last
// signed head, and once more when stopped, so a clean shutdown leaves a signed head over
// everything.
//
//   // (compiled in examples_test.cpp)
//   CheckpointSigner signer(db, keyring, "tls", {.interval = 60s, .every = 1000});  // db: Guarded
//   signer.Start();      // a thread of its own (worker/worker.h)
//   ...
//   signer.Stop();       // signs a last head if the trail grew, joins the thread
//
// Signing failures are logged (never key material) and retried at the next check; they never
// stop the gateway. Partners fetch the heads at GET /v1/audit/checkpoint.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "gateway/crypto/certificate.h"
#include "gateway/crypto/keyring.h"
#include "gateway/store/guarded_database.h"
#include "gateway/worker/worker.h"

namespace ketenpoort::server {

class CheckpointSigner {
 public:
  struct Options {
    std::chrono::milliseconds interval{60000};
    std::int64_t every = 1000;
  };

  // `signer_cert`: the certificate of `key_id`, stored with each head (audit_log.h); may be
  // null.
  CheckpointSigner(store::GuardedDatabase& db, const crypto::Keyring& keyring, std::string key_id,
                   Options options, const crypto::Certificate* signer_cert = nullptr);
  ~CheckpointSigner();
  CheckpointSigner(const CheckpointSigner&) = delete;
  CheckpointSigner& operator=(const CheckpointSigner&) = delete;

  void Start();
  void Stop();  // idempotent

 private:
  // Signs a head when the rules above say so (`force`: whenever the trail grew).
  void MaybeSign(bool force);

  store::GuardedDatabase& db_;
  const crypto::Keyring& keyring_;
  std::string key_id_;
  Options options_;
  std::optional<crypto::Certificate> signer_cert_;
  std::chrono::steady_clock::time_point last_signed_at_ = std::chrono::steady_clock::now();
  std::mutex lifecycle_mu_;  // guards the two below
  bool started_ = false;
  bool stopped_ = false;
  worker::Worker worker_;  // last: its thread reads the members above
};

}  // namespace ketenpoort::server
