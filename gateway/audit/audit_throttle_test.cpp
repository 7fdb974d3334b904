#include "gateway/audit/audit_throttle.h"

#include <gtest/gtest.h>

#include <string>

namespace ketenpoort::server {
namespace {

TEST(AuditThrottleTest, OneEntryPerAddressPerIntervalWithTheRestCountedIntoTheNext) {
  AuditThrottle t({.interval_ms = 1000, .max_addresses = 100});
  EXPECT_EQ(t.Admit("192.0.2.7", 10'000), 0u);
  for (int i = 1; i <= 5; ++i)
    EXPECT_EQ(t.Admit("192.0.2.7", 10'000 + i * 100), std::nullopt);  // within the second
  EXPECT_EQ(t.Admit("192.0.2.7", 10'999), std::nullopt);
  EXPECT_EQ(t.Admit("192.0.2.7", 11'000), 6u);  // the next entry reports the six left out
  EXPECT_EQ(t.Admit("192.0.2.7", 11'500), std::nullopt);
}

TEST(AuditThrottleTest, AddressesAreLimitedEachOnTheirOwn) {
  AuditThrottle t({.interval_ms = 1000, .max_addresses = 100});
  EXPECT_EQ(t.Admit("192.0.2.7", 0), 0u);
  EXPECT_EQ(t.Admit("192.0.2.8", 1), 0u);
  EXPECT_EQ(t.Admit("192.0.2.7", 2), std::nullopt);
  EXPECT_EQ(t.Admit("2001:db8::1", 3), 0u);
}

TEST(AuditThrottleTest, AQuietAddressIsForgottenOnceItsIntervalIsOver) {
  AuditThrottle t({.interval_ms = 1000, .max_addresses = 100});
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(t.Admit("198.51.100." + std::to_string(i), i), 0u);
  EXPECT_EQ(t.tracked(), 50u);
  EXPECT_EQ(t.Admit("192.0.2.7", 5'000), 0u);
  EXPECT_EQ(t.tracked(), 1u);
}

TEST(AuditThrottleTest, RotatingAddressesCannotGrowTheTableAndDroppedCountsAreCounted) {
  AuditThrottle t({.interval_ms = 1000, .max_addresses = 64});
  EXPECT_EQ(t.Admit("192.0.2.7", 0), 0u);
  EXPECT_EQ(t.Admit("192.0.2.7", 1), std::nullopt);  // one left out, owed to its next entry
  // An attacker rotating through 100,000 addresses within one interval.
  for (int i = 0; i < 100'000; ++i) {
    EXPECT_EQ(t.Admit("2001:db8::" + std::to_string(i), 2), 0u);
    ASSERT_LE(t.tracked(), 64u);
  }
  EXPECT_EQ(t.unreported(), 1u);           // 192.0.2.7's count went with it
  EXPECT_EQ(t.Admit("192.0.2.7", 3), 0u);  // forgotten: recorded afresh
}

}  // namespace
}  // namespace ketenpoort::server
