// The sealed bodies the compose page posted, remembered per organisation and Idempotency-Key
// for a while, so that one form sent twice (a double click, a reload of the answer) posts the
// same bytes twice: the gateway then answers the second as the first (docs/API.md,
// Idempotency-Key) and the message is sent once. Sealing anew would make other bytes (a new
// content key), which the gateway refuses as 409 idempotency_conflict.
//
//   // (compiled in examples_test.cpp)
//   SealedSubmissions memory;
//   auto body = memory.BodyFor("shop-denhaag", key, digest, [&] { return SealAndBuild(); });
//   // the same key and digest again: the same body, without sealing
//   memory.Forget("shop-denhaag", key);   // the gateway refused it: a retry seals anew
//
// Contract: `digest` stands for what the person asked to send (kind, routing, recipients,
// subject, payload; never the ciphertext); a remembered body is reused only for the same
// digest, so an edited form with an old key is sealed anew (and the gateway decides). Only
// sealed bodies are kept, in memory, at most kCapacity of them for at most kTtl; nothing is
// written to disk. Thread-safe: two posts of one form seal once (the second waits for the
// first's body), while posts of other forms seal beside it; `seal` runs without the lock, so a
// slow gateway (sealing may fetch its directory) holds up only the form it seals for. A seal
// that fails is not remembered: the next post of that form seals anew.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "gateway/core/error.h"
#include "gateway/crypto/hash.h"

namespace ketenpoort::workspace {

class SealedSubmissions {
 public:
  static constexpr std::size_t kCapacity = 512;
  static constexpr std::chrono::minutes kTtl{60};

  Result<nlohmann::json> BodyFor(const std::string& org, const std::string& key,
                                 const crypto::Digest& digest,
                                 const std::function<Result<nlohmann::json>()>& seal);
  void Forget(const std::string& org, const std::string& key);

 private:
  struct Entry {
    crypto::Digest digest{};
    std::shared_future<Result<nlohmann::json>> body;  // ready once the first post sealed it
    std::chrono::steady_clock::time_point at{};
  };
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // "ORG KEY"
};

}  // namespace ketenpoort::workspace
