#include "adapters/kinds/referral/urgent_answer_rule.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "adapters/kinds/referral/referral_kind.h"

namespace ketenpoort::kinds {
namespace {

constexpr std::int64_t kT0 = 1795392000000;  // 2026-11-23T00:00:00Z

CaseFacts UrgentReferral() {
  return {.message_id = "m-1",
          .answer_states = ReferralKind().spec().answer_states,
          .sender_org = "shop-denhaag",
          .created_ms = kT0,
          .routing = {{"urgency", "urgent"}},
          .deliveries = {{"wende-denhaag", OrgKind::kShelter, "received"},
                         {"dehaven-denhaag", OrgKind::kCare, "accepted"}}};
}

// The rule as the reminder worker gets it: from the kind, configured with `settings`.
std::shared_ptr<const ConfiguredDeadline> Configured(const nlohmann::json& settings) {
  auto rule = ReferralKind().spec().deadline.configure(
      JsonFields(settings, "kinds.referral", "invalid_config"));
  EXPECT_TRUE(rule.ok()) << rule.error().ToString();
  return rule.ok() ? *rule : nullptr;
}

TEST(UrgentAnswerRuleTest, AnUnansweredUrgentReferralEscalatesOnceItIsLate) {
  UrgentAnswerSettings s;
  EXPECT_TRUE(UrgentAnswerNotices(UrgentReferral(), s, kT0 + 4 * kHourMs - 1).empty());
  auto due = UrgentAnswerNotices(UrgentReferral(), s, kT0 + 4 * kHourMs);
  ASSERT_EQ(due.size(), 1u);  // de Haven answered
  EXPECT_EQ(due[0].type, "escalation");
  EXPECT_EQ(due[0].key, "escalation:wende-denhaag");
  EXPECT_EQ(due[0].to_org, "shop-denhaag");
  EXPECT_EQ(due[0].about_org, "wende-denhaag");
  EXPECT_EQ(due[0].mail_org, "wende-denhaag");
  EXPECT_EQ(due[0].due_ms, kT0 + 4 * kHourMs);
}

TEST(UrgentAnswerRuleTest, TheTableOfWhatEscalates) {
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
  };
  auto rule = Configured(nlohmann::json::object());
  ASSERT_NE(rule, nullptr);
  for (const Row& r : rows) {
    CaseFacts c = UrgentReferral();
    r.edit(c);
    EXPECT_EQ(rule->DueNotices(c, r.now).size(), r.notices) << r.name;
  }
}

TEST(UrgentAnswerRuleTest, TheAnswerTimeComesFromTheKindsSettings) {
  auto rule = Configured({{"urgent_answer_ms", kHourMs}});
  ASSERT_NE(rule, nullptr);
  EXPECT_TRUE(rule->DueNotices(UrgentReferral(), kT0 + kHourMs - 1).empty());
  EXPECT_EQ(rule->DueNotices(UrgentReferral(), kT0 + kHourMs).size(), 1u);
  for (const auto& [settings, field] : std::vector<std::pair<nlohmann::json, std::string>>{
           {{{"urgent_answer_ms", 10}}, "kinds.referral.urgent_answer_ms"},
           {{{"urgent_answer_ms", "4h"}}, "kinds.referral.urgent_answer_ms"},
           {{{"urgent_answr_ms", 1000}}, "kinds.referral.urgent_answr_ms"},
           {nlohmann::json::array(), "kinds.referral"}}) {
    auto bad = ReferralKind().spec().deadline.configure(
        JsonFields(settings, "kinds.referral", "invalid_config"));
    ASSERT_FALSE(bad.ok()) << settings.dump();
    EXPECT_EQ(bad.error().field, field) << settings.dump();
    EXPECT_EQ(bad.error().code, "invalid_config");
  }
}

}  // namespace
}  // namespace ketenpoort::kinds
