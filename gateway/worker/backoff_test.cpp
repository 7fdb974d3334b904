#include "gateway/worker/backoff.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

namespace ketenpoort::delivery {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

constexpr std::int64_t kT0 = 1795326001000;  // 2026-11-22T05:40:01.000Z
constexpr std::int64_t kHourMs = 3600 * 1000;

JitterSource Fixed(double r) {
  return [r] { return r; };
}

JitterSource MustNotBeCalled() {
  return [] {
    ADD_FAILURE() << "jitter source called";
    return 0.5;
  };
}

BackoffPolicy Policy(Jitter jitter) {
  BackoffPolicy p;
  p.base = milliseconds(1000);
  p.factor = 2.0;
  p.cap = minutes(5);
  p.jitter = jitter;
  p.max_age = hours(24);
  return p;
}

TEST(BackoffTest, DefaultPolicyIsValid) {
  EXPECT_TRUE(Validate(BackoffPolicy{}).ok());
}

TEST(BackoffTest, BaseDelayGrowsExponentiallyUpToTheCap) {
  struct Case {
    int attempts;
    std::int64_t want_ms;
  };
  const std::vector<Case> cases = {
      {-3, 1000},   {0, 1000},      {1, 1000},         {2, 2000},    {3, 4000},
      {4, 8000},    {8, 128000},    {9, 256000},       {10, 300000}, {11, 300000},
      {64, 300000}, {1000, 300000}, {1 << 30, 300000},
  };
  BackoffPolicy p = Policy(Jitter::kNone);
  for (const Case& c : cases)
    EXPECT_EQ(BaseDelayMs(p, c.attempts), c.want_ms) << "attempts " << c.attempts;

  p.factor = 1.5;
  p.base = milliseconds(200);
  EXPECT_EQ(BaseDelayMs(p, 1), 200);
  EXPECT_EQ(BaseDelayMs(p, 2), 300);
  EXPECT_EQ(BaseDelayMs(p, 3), 450);
  p.factor = 1.0;
  EXPECT_EQ(BaseDelayMs(p, 50), 200);
}

TEST(BackoffTest, JitterModesWithAFixedSource) {
  struct Case {
    Jitter jitter;
    int attempts;
    double r;
    std::int64_t want_delay_ms;
  };
  const std::vector<Case> cases = {
      // No jitter: the base delay, whatever the source would say.
      {Jitter::kNone, 1, 0.0, 1000},
      {Jitter::kNone, 3, 0.9, 4000},
      {Jitter::kNone, 12, 0.5, 300000},
      // Full jitter: floor(r * (d + 1)), 0 .. d.
      {Jitter::kFull, 1, 0.0, 0},
      {Jitter::kFull, 1, 0.5, 500},
      {Jitter::kFull, 1, 0.999999999, 1000},
      {Jitter::kFull, 3, 0.25, 1000},
      {Jitter::kFull, 12, 0.5, 150000},
      // Equal jitter: ceil(d/2) + floor(r * (floor(d/2) + 1)), d/2 .. d.
      {Jitter::kEqual, 1, 0.0, 500},
      {Jitter::kEqual, 1, 0.5, 750},
      {Jitter::kEqual, 1, 0.999999999, 1000},
      {Jitter::kEqual, 2, 0.25, 1250},
      {Jitter::kEqual, 12, 0.0, 150000},
      // Out-of-range sources are clamped into [0, 1).
      {Jitter::kFull, 1, -0.5, 0},
      {Jitter::kFull, 1, 1.0, 1000},
      {Jitter::kFull, 1, 7.0, 1000},
      {Jitter::kEqual, 1, 2.0, 1000},
      {Jitter::kFull, 1, std::nan(""), 0},
  };
  for (const Case& c : cases) {
    RetryDecision d = NextAttempt(Policy(c.jitter), c.attempts, kT0, kT0 + 10, Fixed(c.r));
    EXPECT_FALSE(d.dead_letter);
    EXPECT_EQ(d.next_attempt_ms, kT0 + 10 + c.want_delay_ms)
        << "jitter " << static_cast<int>(c.jitter) << " attempts " << c.attempts << " r " << c.r;
  }
}

TEST(BackoffTest, EqualJitterWithAnOddBaseDelayStaysInRange) {
  BackoffPolicy p = Policy(Jitter::kEqual);
  p.base = milliseconds(1001);
  p.cap = milliseconds(1001);
  EXPECT_EQ(NextAttempt(p, 1, kT0, kT0, Fixed(0.0)).next_attempt_ms, kT0 + 501);
  EXPECT_EQ(NextAttempt(p, 1, kT0, kT0, Fixed(0.9999999)).next_attempt_ms, kT0 + 1001);
}

TEST(BackoffTest, DeadLetterOnceMaxAgeHasPassed) {
  struct Case {
    std::int64_t now_offset_ms;
    bool dead;
    std::int64_t want_next_offset_ms;  // when not dead
  };
  BackoffPolicy p = Policy(Jitter::kNone);
  const std::vector<Case> cases = {
      {0, false, 300000},                            // attempt 20: the 5 min cap
      {23 * kHourMs, false, 23 * kHourMs + 300000},  // still well within the day
      {24 * kHourMs - 60000, false, 24 * kHourMs},   // clamped to the deadline: a last try
      {24 * kHourMs - 1, false, 24 * kHourMs},
      {24 * kHourMs, true, 0},  // at the deadline: give up
      {24 * kHourMs + 1, true, 0},
      {400 * kHourMs, true, 0},
  };
  for (const Case& c : cases) {
    RetryDecision d = NextAttempt(p, 20, kT0, kT0 + c.now_offset_ms, MustNotBeCalled());
    EXPECT_EQ(d.dead_letter, c.dead) << "now +" << c.now_offset_ms;
    if (!c.dead) {
      EXPECT_EQ(d.next_attempt_ms, kT0 + c.want_next_offset_ms) << "now +" << c.now_offset_ms;
    }
  }
}

TEST(BackoffTest, DeadLetterDoesNotDrawRandomness) {
  RetryDecision d =
      NextAttempt(Policy(Jitter::kFull), 3, kT0, kT0 + 25 * kHourMs, MustNotBeCalled());
  EXPECT_TRUE(d.dead_letter);
}

TEST(BackoffTest, ClockSteppedBackCountsFromTheFirstAttempt) {
  RetryDecision d = NextAttempt(Policy(Jitter::kNone), 2, kT0, kT0 - 5000, MustNotBeCalled());
  EXPECT_FALSE(d.dead_letter);
  EXPECT_EQ(d.next_attempt_ms, kT0 + 2000);
}

TEST(BackoffTest, ScheduleOfARetriedMessageEndsInADeadLetter) {
  // A peer that never answers: each attempt happens at the scheduled time and fails.
  BackoffPolicy p = Policy(Jitter::kNone);
  p.max_age = hours(1);
  std::int64_t now = kT0;
  int attempts = 0;
  std::vector<std::int64_t> gaps;
  for (int guard = 0; guard < 1000; ++guard) {
    ++attempts;
    RetryDecision d = NextAttempt(p, attempts, kT0, now, MustNotBeCalled());
    if (d.dead_letter)
      break;
    gaps.push_back(d.next_attempt_ms - now);
    now = d.next_attempt_ms;
  }
  // 1,2,4,...,256 s (9 gaps, 511 s), then 5 min gaps until the hour is reached: 3089 s left,
  // 10 gaps of 300 s and one of 89 s ending exactly at the deadline.
  ASSERT_EQ(gaps.size(), 20u);
  EXPECT_EQ(gaps[0], 1000);
  EXPECT_EQ(gaps[8], 256000);
  EXPECT_EQ(gaps[9], 300000);
  EXPECT_EQ(gaps.back(), 89000);
  EXPECT_EQ(now, kT0 + kHourMs);
  EXPECT_EQ(attempts, 21);
}

TEST(BackoffTest, SecureJitterStaysInTheUnitInterval) {
  JitterSource j = SecureJitter();
  std::set<double> seen;
  for (int i = 0; i < 1000; ++i) {
    double r = j();
    ASSERT_GE(r, 0.0);
    ASSERT_LT(r, 1.0);
    seen.insert(r);
  }
  EXPECT_GT(seen.size(), 990u);  // 53-bit values: a repeat is practically impossible
}

TEST(BackoffTest, ValidateNamesTheBadField) {
  struct Case {
    BackoffPolicy policy;
    const char* field;
  };
  auto with = [](auto change) {
    BackoffPolicy p;
    change(p);
    return p;
  };
  const std::vector<Case> cases = {
      {with([](BackoffPolicy& p) { p.base = milliseconds(0); }), "base"},
      {with([](BackoffPolicy& p) { p.factor = 0.5; }), "factor"},
      {with([](BackoffPolicy& p) { p.factor = 1e9; }), "factor"},
      {with([](BackoffPolicy& p) { p.factor = std::nan(""); }), "factor"},
      {with([](BackoffPolicy& p) { p.cap = milliseconds(10); }), "cap"},
      {with([](BackoffPolicy& p) { p.cap = hours(24 * 31); }), "cap"},
      {with([](BackoffPolicy& p) { p.max_age = milliseconds(0); }), "max_age"},
      {with([](BackoffPolicy& p) { p.max_age = hours(24 * 366 * 11); }), "max_age"},
  };
  for (const Case& c : cases) {
    Status s = Validate(c.policy);
    ASSERT_FALSE(s.ok()) << c.field;
    EXPECT_EQ(s.error().code, "invalid_backoff_policy");
    EXPECT_EQ(s.error().field, c.field);
  }
}

}  // namespace
}  // namespace ketenpoort::delivery
