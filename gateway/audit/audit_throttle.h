// Rate-limits audit entries per source address, so that a flood of failed logins from one
// address is a few entries with counts rather than one entry (and one write) per request.
//
//   // (compiled in examples_test.cpp)
//   AuditThrottle throttle({.interval_ms = 1000, .max_addresses = 10000});
//   if (auto left_out = throttle.Admit("192.0.2.7", SteadyNowMs())) {
//     // record an entry; *left_out failures from this address were not recorded since its
//     // previous entry
//   }  // else: not recorded now; counted into that address's next entry
//
// Contract:
// - An address gets at most one admitted failure per `interval_ms`; the failures in between
//   are counted and reported by its next admitted one.
// - Memory is bounded: at most `max_addresses` addresses are tracked. An address whose interval
//   is over and that has nothing to report is forgotten at once; when the table is full, the
//   address admitted longest ago is forgotten, and its count, if any, is added to unreported()
//   (so rotating addresses cannot grow the table; they can only make it forget counts).
// - `now_ms` comes from a monotonic clock. Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ketenpoort::server {

class AuditThrottle {
 public:
  struct Options {
    std::int64_t interval_ms = 1000;
    std::size_t max_addresses = 10000;
  };

  explicit AuditThrottle(Options options);

  // Whether a failure from `address` at `now_ms` gets an entry: the count of failures from it
  // left out since its previous entry, or nullopt (this one is left out and counted).
  std::optional<std::uint64_t> Admit(std::string_view address, std::int64_t now_ms);

  std::size_t tracked() const;       // addresses held now
  std::uint64_t unreported() const;  // counts dropped when a full table forgot an address

 private:
  struct Slot {
    std::int64_t admitted_ms = 0;          // the address's last admitted failure
    std::uint64_t left_out = 0;            // failures since then, not recorded
    std::list<std::string>::iterator age;  // its place in by_age_
  };

  // Forgets `it` (its count, if any, goes to unreported_).
  void Forget(std::unordered_map<std::string, Slot>::iterator it);

  const Options options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Slot> slots_;
  std::list<std::string> by_age_;  // addresses, oldest admitted first
  std::uint64_t unreported_ = 0;
};

}  // namespace ketenpoort::server
