#include "gateway/core/deadline_rules.h"

#include <gtest/gtest.h>

#include <string>

namespace ketenpoort {
namespace {

constexpr std::int64_t kT0 = 1795392000000;  // 2026-11-23T00:00:00Z

TEST(DeadlineRulesTest, CalendarMonthsClampToTheMonthEnd) {
  EXPECT_EQ(AddCalendarMonths(kT0, 3), 1803340800000);  // 2027-02-23
  const std::int64_t nov30 = kT0 + 7 * kDayMs + 5 * kHourMs;
  EXPECT_EQ(AddCalendarMonths(nov30, 3), 1803790800000);  // 2027-02-28T05:00Z
  EXPECT_EQ(AddCalendarMonths(kT0, 12), kT0 + 365 * kDayMs);
}

TEST(DeadlineRulesTest, DaysAndOffsetsAreWrittenForPeople) {
  EXPECT_EQ(UtcDay(kT0 + kDayMs - 1), "2026-11-23");
  EXPECT_EQ(OffsetLabel(-14 * kDayMs), "-14d");
  EXPECT_EQ(OffsetLabel(0), "+0d");
  EXPECT_EQ(OffsetLabel(-3 * kHourMs), "-3h");
  EXPECT_EQ(OffsetLabel(90000), "+90000ms");
  EXPECT_TRUE(IsGatewayState("sent"));
  EXPECT_TRUE(IsGatewayState("undeliverable"));
  EXPECT_FALSE(IsGatewayState("delivered"));
}

// A rule made of a settings reader and a notice function: settings are checked once, the
// function sees them typed, and recalled messages never reach it.
struct Every {
  std::int64_t ms = kHourMs;
};

DeadlineRule EveryRule(int* calls) {
  return MakeDeadlineRule<Every>(
      [](const JsonFields& f) -> Result<Every> {
        KP_RETURN_IF_ERROR(f.OnlyKeys({"ms"}));
        KP_ASSIGN_OR_RETURN(std::int64_t ms, f.OptionalInteger("ms", kHourMs, 1, kDayMs));
        return Every{ms};
      },
      [calls](const CaseFacts& c, const Every& s, std::int64_t now) {
        ++*calls;
        std::vector<Notice> out;
        for (std::int64_t t = c.created_ms + s.ms; t <= now; t += s.ms)
          out.push_back({.key = "tick" + std::to_string(t), .type = "reminder", .due_ms = t});
        return out;
      });
}

TEST(DeadlineRulesTest, MakeDeadlineRuleReadsSettingsOnceAndSkipsRecalledMessages) {
  int calls = 0;
  DeadlineRule rule = EveryRule(&calls);
  ASSERT_TRUE(static_cast<bool>(rule));
  EXPECT_FALSE(static_cast<bool>(DeadlineRule{}));
  const nlohmann::json settings = {{"ms", 1000}};
  auto configured = rule.configure(JsonFields(settings, "kinds.tick", "invalid_config"));
  ASSERT_TRUE(configured.ok()) << configured.error().ToString();
  CaseFacts facts{.message_id = "m-1", .created_ms = kT0};
  EXPECT_EQ((*configured)->DueNotices(facts, kT0 + 3000).size(), 3u);
  facts.recalled = true;
  EXPECT_TRUE((*configured)->DueNotices(facts, kT0 + 3000).empty());
  EXPECT_EQ(calls, 1);

  const nlohmann::json not_object = "fast";
  auto bad = rule.configure(JsonFields(not_object, "kinds.tick", "invalid_config"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "kinds.tick");
  const nlohmann::json unknown = {{"msec", 5}};
  bad = rule.configure(JsonFields(unknown, "kinds.tick", "invalid_config"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "kinds.tick.msec");
}

}  // namespace
}  // namespace ketenpoort
