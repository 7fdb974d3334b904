// Remembers, for a short time, the principal of each API token that authenticated, so that a
// client sending many requests costs one database read a second, not one per request, and so
// that cheap routes can be answered on the server's I/O thread (api::CachedAuthenticator).
//
//   // (compiled in examples_test.cpp)
//   auth::TokenCache cache({.ttl = std::chrono::milliseconds(1000)});
//   if (auto known = cache.Find(token)) return *known;        // no database, no audit
//   auto principal = AuthenticateApiToken(db, token);
//   if (principal) cache.Remember(token, *principal);
//
// Contract: a token is found only if Remember saw it less than `ttl` ago, so a token revoked in
// the database (by another process) keeps working in this one for at most `ttl`. Refusals are
// never remembered: every unknown token takes the full path (and its audit entry). Only the
// token's SHA-256 is kept, as in the database. Safe to use from many threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "gateway/core/role.h"

namespace ketenpoort::auth {

class TokenCache {
 public:
  struct Options {
    std::chrono::milliseconds ttl{1000};  // 0: remember nothing
    std::size_t max_entries = 10000;      // when full, the oldest half is forgotten
  };

  explicit TokenCache(Options options);

  // The principal Remember stored for `token` less than `ttl` ago, or nullopt.
  std::optional<Principal> Find(std::string_view token) const;

  void Remember(std::string_view token, const Principal& principal);

  // Forgets every token (a revocation made by this process takes effect at once).
  void Clear();

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    Principal principal;
    Clock::time_point until;
  };
  void EvictLocked(Clock::time_point now);

  const Options options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // key: SHA-256 of the token, raw bytes
};

}  // namespace ketenpoort::auth
