#include "gateway/worker/backoff.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "gateway/crypto/random.h"

namespace ketenpoort::delivery {

namespace {

constexpr std::int64_t kMaxCapMs = 30LL * 24 * 3600 * 1000;        // 30 days
constexpr std::int64_t kMaxAgeMs = 10LL * 366 * 24 * 3600 * 1000;  // about 10 years
constexpr double kMaxFactor = 1000.0;

Error PolicyError(std::string message, std::string field) {
  return InvalidArgument("invalid_backoff_policy", std::move(message), std::move(field));
}

// r clamped into [0, 1); NaN becomes 0.
double Unit(double r) {
  if (!(r >= 0.0))
    return 0.0;
  if (r >= 1.0)
    return std::nextafter(1.0, 0.0);
  return r;
}

// floor(r * (span + 1)) for r in [0, 1): uniform over 0 .. span, never above span.
std::int64_t Pick(double r, std::int64_t span) {
  auto v = static_cast<std::int64_t>(std::floor(r * static_cast<double>(span + 1)));
  return std::clamp<std::int64_t>(v, 0, span);
}

}  // namespace

Status Validate(const BackoffPolicy& policy) {
  if (policy.base.count() < 1)
    return PolicyError("base delay must be at least 1 ms", "base");
  if (!std::isfinite(policy.factor) || policy.factor < 1.0 || policy.factor > kMaxFactor)
    return PolicyError("factor must be between 1 and 1000", "factor");
  if (policy.cap < policy.base || policy.cap.count() > kMaxCapMs)
    return PolicyError("cap must be between the base delay and 30 days", "cap");
  if (policy.max_age.count() < 1 || policy.max_age.count() > kMaxAgeMs)
    return PolicyError("max age must be between 1 ms and 10 years", "max_age");
  if (policy.jitter != Jitter::kNone && policy.jitter != Jitter::kFull &&
      policy.jitter != Jitter::kEqual) {
    return PolicyError("unknown jitter mode", "jitter");
  }
  return Ok();
}

JitterSource SecureJitter() {
  return [] {
    Bytes b = crypto::RandomBytes(8);
    std::uint64_t v = 0;
    for (std::uint8_t byte : b)
      v = (v << 8) | byte;
    // The top 53 bits give every double in [0, 1) with spacing 2^-53.
    return static_cast<double>(v >> 11) * 0x1.0p-53;
  };
}

std::int64_t BaseDelayMs(const BackoffPolicy& policy, int failed_attempts) {
  const int n = std::max(failed_attempts, 1);
  const double cap = static_cast<double>(policy.cap.count());
  // base * factor^(n-1) in floating point: inf or huge values are simply capped.
  const double raw = static_cast<double>(policy.base.count()) *
                     std::pow(policy.factor, static_cast<double>(n - 1));
  if (!(raw < cap))
    return policy.cap.count();
  return static_cast<std::int64_t>(std::llround(raw));
}

RetryDecision NextAttempt(const BackoffPolicy& policy, int failed_attempts,
                          std::int64_t first_attempt_ms, std::int64_t now_ms,
                          const JitterSource& jitter) {
  now_ms = std::max(now_ms, first_attempt_ms);
  const std::int64_t deadline = first_attempt_ms + policy.max_age.count();
  if (now_ms >= deadline)
    return RetryDecision{.dead_letter = true, .next_attempt_ms = 0};

  const std::int64_t d = BaseDelayMs(policy, failed_attempts);
  std::int64_t delay = d;
  switch (policy.jitter) {
    case Jitter::kNone:
      break;
    case Jitter::kFull:
      delay = Pick(Unit(jitter()), d);
      break;
    case Jitter::kEqual: {
      const std::int64_t half_down = d / 2;
      delay = (d - half_down) + Pick(Unit(jitter()), half_down);
      break;
    }
  }
  // now_ms < deadline, so deadline - now_ms is positive and fits; no overflow in the sum.
  delay = std::min(delay, deadline - now_ms);
  return RetryDecision{.dead_letter = false, .next_attempt_ms = now_ms + delay};
}

}  // namespace ketenpoort::delivery
