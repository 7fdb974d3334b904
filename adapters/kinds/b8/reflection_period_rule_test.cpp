#include "adapters/kinds/b8/reflection_period_rule.h"

#include <gtest/gtest.h>

#include <string>

#include "adapters/kinds/b8/b8_kind.h"

namespace ketenpoort::kinds {
namespace {

constexpr std::int64_t kT0 = 1795392000000;  // 2026-11-23T00:00:00Z

CaseFacts B8() {
  return {.message_id = "m-8",
          .answer_states = B8Kind().spec().answer_states,
          .sender_org = "politie-avim-haaglanden",
          .created_ms = kT0,
          .routing = {{"region", "GM0518"}},
          .deliveries = {{"comensha", OrgKind::kNationalRegistration, "delivered"},
                         {"ind", OrgKind::kImmigration, "received"},
                         {"shop-denhaag", OrgKind::kCareCoordination, "delivered"}}};
}

TEST(ReflectionPeriodRuleTest, RemindersGoToPoliceAndTheCoordinatorAtEachOffset) {
  ReflectionPeriodSettings s;  // -14d, -3d, 0
  const std::int64_t end = ReflectionPeriodEnd(kT0, s);
  EXPECT_EQ(end, 1803340800000);
  EXPECT_TRUE(ReflectionPeriodNotices(B8(), s, end - 14 * kDayMs - 1).empty());
  auto first = ReflectionPeriodNotices(B8(), s, end - 14 * kDayMs);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].to_org, "politie-avim-haaglanden");
  EXPECT_EQ(first[1].to_org, "shop-denhaag");
  EXPECT_EQ(first[0].key, "reflection-14d:politie-avim-haaglanden");
  EXPECT_EQ(first[0].type, "reminder");
  EXPECT_EQ(first[0].mail_org, "politie-avim-haaglanden");
  EXPECT_NE(first[0].reason.find("2027-02-23"), std::string::npos) << first[0].reason;
  EXPECT_EQ(ReflectionPeriodNotices(B8(), s, end - 3 * kDayMs).size(), 4u);
  auto all = ReflectionPeriodNotices(B8(), s, end);
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all[4].key, "reflection+0d:politie-avim-haaglanden");
}

TEST(ReflectionPeriodRuleTest, AnsweredReflectionPeriodsHaveNoReminders) {
  for (const char* state : {"reported", "declined", "ended", "application_filed"}) {
    CaseFacts c = B8();
    for (auto& d : c.deliveries)
      d.state = state;
    EXPECT_TRUE(ReflectionPeriodNotices(c, {}, kT0 + 400 * kDayMs).empty()) << state;
  }
  ReflectionPeriodSettings custom{.reflection_months = 3, .reminder_offsets_ms = {-kDayMs}};
  EXPECT_EQ(ReflectionPeriodNotices(B8(), custom, kT0 + 400 * kDayMs).size(), 2u);
}

TEST(ReflectionPeriodRuleTest, ThePeriodAndOffsetsComeFromTheKindsSettings) {
  const nlohmann::json settings = {{"reflection_months", 2}, {"reminder_offsets_ms", {0, -kDayMs}}};
  auto rule =
      B8Kind().spec().deadline.configure(JsonFields(settings, "kinds.b8", "invalid_config"));
  ASSERT_TRUE(rule.ok()) << rule.error().ToString();
  const std::int64_t end = AddCalendarMonths(kT0, 2);
  EXPECT_TRUE((*rule)->DueNotices(B8(), end - kDayMs - 1).empty());
  EXPECT_EQ((*rule)->DueNotices(B8(), end - kDayMs).size(), 2u);
  auto all = (*rule)->DueNotices(B8(), end);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].key, "reflection-1d:politie-avim-haaglanden");  // sorted by offset
  CaseFacts recalled = B8();
  recalled.recalled = true;
  EXPECT_TRUE((*rule)->DueNotices(recalled, end).empty());
  for (const auto& [bad, field] : std::vector<std::pair<nlohmann::json, std::string>>{
           {{{"reflection_months", 0}}, "kinds.b8.reflection_months"},
           {{{"reminder_offsets_ms", {1, "2"}}}, "kinds.b8.reminder_offsets_ms[1]"},
           {{{"reminder_offsets_ms", 5}}, "kinds.b8.reminder_offsets_ms"},
           {{{"urgent_answer_ms", 1000}}, "kinds.b8.urgent_answer_ms"}}) {
    auto r = B8Kind().spec().deadline.configure(JsonFields(bad, "kinds.b8", "invalid_config"));
    ASSERT_FALSE(r.ok()) << bad.dump();
    EXPECT_EQ(r.error().field, field) << bad.dump();
  }
}

}  // namespace
}  // namespace ketenpoort::kinds
