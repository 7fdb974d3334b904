// Failed log-ins counted per source address, so that one machine cannot try password after
// password across many accounts (each account also locks by itself: staff_login.h).
//
//   // (compiled in examples_test.cpp)
//   LoginThrottle throttle({.max_failures = 20, .window_ms = 900000});
//   if (!throttle.Allowed(req.remote_address, now_ms)) return TooManyAttempts();   // 429
//   if (!login.LogIn(attempt, now_ms)) throttle.Failed(req.remote_address, now_ms);
//
// Contract:
// - An address is refused (Allowed false) once it has `max_failures` failed log-ins in the
//   current window of `window_ms`, which starts at its first failure; the count starts again
//   when the window has passed. A good log-in does not reset the count, so an attacker who
//   holds one account cannot use it to keep guessing others.
// - IPv6 addresses count per /64 (one subscriber's network), IPv4 per address; an empty
//   address counts as one address "".
// - Memory is bounded: at most `max_addresses` are tracked; when full, windows that have passed
//   are dropped, and if none has, a new address is not tracked (and so allowed) until room
//   frees up, while the accounts' own lock-out still holds.
// - Thread-safe; in memory only (a restart forgets the counts; the account lock-outs are in
//   the database and survive it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ketenpoort::workspace {

class LoginThrottle {
 public:
  struct Options {
    std::int64_t max_failures = 20;
    std::int64_t window_ms = 900000;
    std::size_t max_addresses = 100000;
  };

  explicit LoginThrottle(Options options) : options_(options) {}

  bool Allowed(std::string_view address, std::int64_t now_ms) const;
  void Failed(std::string_view address, std::int64_t now_ms);

  // The key an address counts under: an IPv6 address's first four groups, else the address.
  static std::string KeyOf(std::string_view address);

 private:
  struct Window {
    std::int64_t start_ms = 0;
    std::int64_t failures = 0;
  };

  Options options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Window> windows_;
};

}  // namespace ketenpoort::workspace
