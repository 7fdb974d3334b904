#include "gateway/core/deadline_rules.h"

#include <gtest/gtest.h>

namespace ketenpoort {
namespace {

constexpr std::int64_t kT0 = 1795392000000;  // 2026-11-23T00:00:00Z

CaseFacts UrgentReferral() {
  return {.message_id = "m-1",
          .rule = DeadlineRule::kUrgentAnswer,
          .answer_states = {"accepted", "declined", "needs_info", "intake_planned", "closed"},
          .sender_org = "shop-denhaag",
          .created_ms = kT0,
          .routing = {{"urgency", "urgent"}},
          .deliveries = {{"wende-denhaag", OrgKind::kShelter, "received"},
                         {"dehaven-denhaag", OrgKind::kCare, "accepted"}}};
}

CaseFacts B8() {
  return {.message_id = "m-8",
          .rule = DeadlineRule::kReflectionPeriod,
          .answer_states = {"reported", "declined", "ended"},
          .sender_org = "politie-avim-haaglanden",
          .created_ms = kT0,
          .routing = {{"region", "GM0518"}},
          .deliveries = {{"comensha", OrgKind::kNationalRegistration, "delivered"},
                         {"ind", OrgKind::kImmigration, "received"},
                         {"shop-denhaag", OrgKind::kCareCoordination, "delivered"}}};
}

TEST(DeadlineRulesTest, CalendarMonthsClampToTheMonthEnd) {
  EXPECT_EQ(AddCalendarMonths(kT0, 3), 1803340800000);  // 2027-02-23
  const std::int64_t nov30 = kT0 + 7 * kDayMs + 5 * kHourMs;
  EXPECT_EQ(AddCalendarMonths(nov30, 3), 1803790800000);  // 2027-02-28T05:00Z
  EXPECT_EQ(AddCalendarMonths(kT0, 12), kT0 + 365 * kDayMs);
}

TEST(DeadlineRulesTest, AnUnansweredUrgentReferralEscalatesOnceItIsLate) {
  DeadlinePolicy policy;
  EXPECT_TRUE(DueNotices(UrgentReferral(), policy, kT0 + 4 * kHourMs - 1).empty());
  auto due = DueNotices(UrgentReferral(), policy, kT0 + 4 * kHourMs);
  ASSERT_EQ(due.size(), 1u);  // de Haven answered
  EXPECT_EQ(due[0].type, "escalation");
  EXPECT_EQ(due[0].key, "escalation:wende-denhaag");
  EXPECT_EQ(due[0].to_org, "shop-denhaag");
  EXPECT_EQ(due[0].about_org, "wende-denhaag");
  EXPECT_EQ(due[0].mail_org, "wende-denhaag");
  EXPECT_EQ(due[0].due_ms, kT0 + 4 * kHourMs);
}

TEST(DeadlineRulesTest, TheTableOfWhatEscalates) {
  struct Row {
    std::string name;
    std::function<void(CaseFacts&)> edit;
    std::int64_t now;
    std::size_t notices;
  };
  const Row rows[] = {
      {"normal urgency", [](CaseFacts& c) { c.routing["urgency"] = "normal"; }, kT0 + kDayMs, 0},
      {"no urgency", [](CaseFacts& c) { c.routing.clear(); }, kT0 + kDayMs, 0},
      {"answered", [](CaseFacts& c) { c.deliveries[0].state = "needs_info"; }, kT0 + kDayMs, 0},
      {"declined", [](CaseFacts& c) { c.deliveries[0].state = "declined"; }, kT0 + kDayMs, 0},
      {"still on its way", [](CaseFacts& c) { c.deliveries[0].state = "sent"; }, kT0 + kDayMs, 0},
      {"recalled", [](CaseFacts& c) { c.recalled = true; }, kT0 + kDayMs, 0},
      {"explicit deadline not reached", [](CaseFacts& c) { c.deadline_ms = kT0 + 8 * kHourMs; },
       kT0 + 5 * kHourMs, 0},
      {"explicit deadline passed", [](CaseFacts& c) { c.deadline_ms = kT0 + kHourMs; },
       kT0 + kHourMs, 1},
      {"two unanswered", [](CaseFacts& c) { c.deliveries[1].state = "delivered"; },
       kT0 + 4 * kHourMs, 2},
      {"no deadline rule", [](CaseFacts& c) { c.rule = DeadlineRule::kNone; }, kT0 + kDayMs, 0},
  };
  for (const Row& r : rows) {
    CaseFacts c = UrgentReferral();
    r.edit(c);
    EXPECT_EQ(DueNotices(c, DeadlinePolicy{}, r.now).size(), r.notices) << r.name;
  }
}

TEST(DeadlineRulesTest, B8RemindersGoToPoliceAndTheCoordinatorAtEachOffset) {
  DeadlinePolicy policy;  // -14d, -3d, 0
  const std::int64_t end = ReflectionPeriodEnd(kT0, policy);
  EXPECT_EQ(end, 1803340800000);
  EXPECT_TRUE(DueNotices(B8(), policy, end - 14 * kDayMs - 1).empty());
  auto first = DueNotices(B8(), policy, end - 14 * kDayMs);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].to_org, "politie-avim-haaglanden");
  EXPECT_EQ(first[1].to_org, "shop-denhaag");
  EXPECT_EQ(first[0].key, "reflection-14d:politie-avim-haaglanden");
  EXPECT_EQ(first[0].type, "reminder");
  EXPECT_EQ(first[0].mail_org, "politie-avim-haaglanden");
  EXPECT_NE(first[0].reason.find("2027-02-23"), std::string::npos) << first[0].reason;
  EXPECT_EQ(DueNotices(B8(), policy, end - 3 * kDayMs).size(), 4u);
  auto all = DueNotices(B8(), policy, end);
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all[4].key, "reflection+0d:politie-avim-haaglanden");
}

TEST(DeadlineRulesTest, AnsweredB8ReflectionPeriodsHaveNoReminders) {
  for (const char* state : {"reported", "declined", "ended", "application_filed"}) {
    CaseFacts c = B8();
    for (auto& d : c.deliveries)
      d.state = state;
    EXPECT_TRUE(DueNotices(c, DeadlinePolicy{}, kT0 + 400 * kDayMs).empty()) << state;
  }
  DeadlinePolicy custom{.reflection_months = 3, .reflection_reminders_ms = {-kDayMs}};
  EXPECT_EQ(DueNotices(B8(), custom, kT0 + 400 * kDayMs).size(), 2u);
}

}  // namespace
}  // namespace ketenpoort
