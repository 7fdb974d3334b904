// When to try a failed delivery again, and when to give up: exponential backoff with jitter and
// a bounded age. Pure policy: no clock, no I/O; the caller passes the times and the randomness.
//
//   // (compiled in examples_test.cpp)
//   BackoffPolicy policy;                               // 1 s, x2, capped at 5 min, 24 h
//   KP_RETURN_IF_ERROR(Validate(policy));
//   RetryDecision d = NextAttempt(policy, /*failed_attempts=*/3, first_attempt_ms, now_ms,
//                                 SecureJitter());
//   if (d.dead_letter) MarkDeadLetter(id);  else Schedule(id, d.next_attempt_ms);
//
// Contract (times are integer milliseconds since the Unix epoch, UTC, as in the audit trail):
// - `failed_attempts` counts the attempts made so far, all failed (1 after the first failure).
//   The un-jittered delay after attempt n is
//       d(n) = min(cap, base * factor^(n-1))          d(1) = base, d(2) = base*factor, ...
// - Jitter, with r from the jitter source in [0, 1):
//       kNone    delay = d(n)
//       kFull    delay = floor(r * (d(n) + 1))          uniform over 0 .. d(n)
//       kEqual   delay = ceil(d(n)/2) + floor(r * (floor(d(n)/2) + 1))
//                                                      uniform over ceil(d/2) .. d(n)
//   A source value outside [0, 1) (or NaN) is clamped into it; so the delay is never above d(n).
// - The deadline is first_attempt_ms + max_age. Once now_ms >= deadline the message is a dead
//   letter: no further attempt. Otherwise next_attempt_ms = now_ms + delay, but never later
//   than the deadline, so one last attempt happens at the deadline itself.
// - failed_attempts < 1 is treated as 1; now_ms before first_attempt_ms (clock stepped back) is
//   treated as first_attempt_ms. Times must lie in 0 .. 253402300799999 (the audit trail's
//   range, up to year 9999); with a valid policy no arithmetic can overflow then.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "gateway/core/error.h"

namespace ketenpoort::delivery {

enum class Jitter { kNone, kFull, kEqual };

struct BackoffPolicy {
  std::chrono::milliseconds base{1000};
  double factor = 2.0;
  std::chrono::milliseconds cap{std::chrono::minutes(5)};
  Jitter jitter = Jitter::kFull;
  std::chrono::milliseconds max_age{std::chrono::hours(24)};
};

// base >= 1 ms; 1 <= factor <= 1000 (finite); base <= cap <= 30 days; 1 ms <= max_age <= 10 years.
// Errors: kInvalidArgument "invalid_backoff_policy" with `field` the offending member.
Status Validate(const BackoffPolicy& policy);

// Returns a value in [0, 1). Called at most once per NextAttempt.
using JitterSource = std::function<double()>;

// A JitterSource from OpenSSL's DRBG (gateway/crypto/random.h). Thread-safe.
JitterSource SecureJitter();

struct RetryDecision {
  bool dead_letter = false;
  std::int64_t next_attempt_ms = 0;  // meaningful only when !dead_letter

  bool operator==(const RetryDecision&) const = default;
};

// The un-jittered delay d(n) in milliseconds (see above). `policy` must be valid.
std::int64_t BaseDelayMs(const BackoffPolicy& policy, int failed_attempts);

// The decision after `failed_attempts` failed attempts, the first at `first_attempt_ms`, the
// latest failing at `now_ms`. `policy` must be valid (Validate); `jitter` is not called for
// Jitter::kNone or a dead letter.
RetryDecision NextAttempt(const BackoffPolicy& policy, int failed_attempts,
                          std::int64_t first_attempt_ms, std::int64_t now_ms,
                          const JitterSource& jitter);

}  // namespace ketenpoort::delivery
