// The examples at the top of gateway/worker's headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/worker/backoff.h"

namespace ketenpoort::delivery {
namespace {

constexpr std::int64_t kT0 = 1'780'000'000'000;

// gateway/worker/backoff.h
TEST(WorkerExamples, Backoff) {
  const std::int64_t first_attempt_ms = kT0;
  std::vector<std::string> done;
  auto MarkDeadLetter = [&](const std::string& id) { done.push_back("dead " + id); };
  auto Schedule = [&](const std::string& id, std::int64_t at) {
    done.push_back("retry " + id + " +" + std::to_string(at - first_attempt_ms));
  };
  auto run = [&](std::int64_t now_ms, const std::string& id) -> Status {
    BackoffPolicy policy;  // 1 s, x2, capped at 5 min, 24 h
    KP_RETURN_IF_ERROR(Validate(policy));
    RetryDecision d = NextAttempt(policy, /*failed_attempts=*/3, first_attempt_ms, now_ms,
                                  [] { return 0.999999; });  // SecureJitter(), at its top
    if (d.dead_letter)
      MarkDeadLetter(id);
    else
      Schedule(id, d.next_attempt_ms);
    return Ok();
  };
  ASSERT_TRUE(run(kT0, "m-1").ok());
  ASSERT_TRUE(run(kT0 + 24 * 3600 * 1000, "m-2").ok());
  // Attempt 3: d(3) = 1 s * 2^2 = 4 s; full jitter stays within 0 .. 4 s.
  EXPECT_EQ(done, (std::vector<std::string>{"retry m-1 +4000", "dead m-2"}));
  const double r = SecureJitter()();
  EXPECT_GE(r, 0.0);
  EXPECT_LT(r, 1.0);
}

}  // namespace
}  // namespace ketenpoort::delivery
