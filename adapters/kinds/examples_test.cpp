// The examples at the top of adapters/kinds' headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <gtest/gtest.h>

#include "adapters/kinds/b8/b8_kind.h"
#include "adapters/kinds/b8/reflection_period_rule.h"
#include "adapters/kinds/lifecycle_table.h"
#include "adapters/kinds/payload_deadline.h"
#include "adapters/kinds/referral/answer_time_rule.h"
#include "adapters/kinds/referral/referral_kind.h"
#include "adapters/kinds/registry.h"
#include "adapters/kinds/securemail/securemail_kind.h"
#include "adapters/kinds/signal/signal_kind.h"
#include "gateway/api/http_status.h"

namespace ketenpoort::kinds {
namespace {

// adapters/kinds/registry.h
TEST(KindsExamples, Registry) {
  const KindRegistry& kinds = kinds::BuiltinKinds();
  ASSERT_NE(kinds.Find("b8"), nullptr);
  EXPECT_EQ(kinds.Find("b8")->spec().retention_days, 1825);
  EXPECT_EQ(kinds.code_lists().Latest("exploitation"), 2);
}

// adapters/kinds/lifecycle_table.h
TEST(KindsExamples, LifecycleTable) {
  test::ExpectExactly(ReferralKind().lifecycle(),
                      {{"sent", {"delivered", "undeliverable"}},
                       {"delivered", {"received", "accepted", "declined", "needs_info", "closed"}},
                       {"received", {"accepted", "declined", "needs_info", "closed"}},
                       {"needs_info", {"received", "accepted", "declined", "closed"}},
                       {"accepted", {"intake_planned", "closed"}},
                       {"intake_planned", {"closed"}},
                       {"declined", {"closed"}},
                       {"undeliverable", {}},
                       {"closed", {}}});
}

// adapters/kinds/b8/b8_kind.h
TEST(KindsExamples, B8Kind) {
  const MessageKind& k = B8Kind();
  EXPECT_TRUE(k.lifecycle().CheckSetter("granted", OrgKind::kImmigration, false, true).ok());
  Status police = k.lifecycle().CheckSetter("granted", OrgKind::kPolice, true, false);
  ASSERT_FALSE(police.ok());
  EXPECT_EQ(api::HttpStatus(police.error().kind), 403);
}

// adapters/kinds/referral/referral_kind.h
TEST(KindsExamples, ReferralKind) {
  const MessageKind& k = ReferralKind();
  EXPECT_TRUE(k.lifecycle().Check("received", "accepted").ok());
  Status police = k.lifecycle().CheckSetter("accepted", OrgKind::kPolice, false, true);
  ASSERT_FALSE(police.ok());
  EXPECT_EQ(api::HttpStatus(police.error().kind), 403);
}

// adapters/kinds/signal/signal_kind.h
TEST(KindsExamples, SignalKind) {
  const MessageKind& k = SignalKind();
  EXPECT_TRUE(k.lifecycle().Check("received", "assessed").ok());
}

// adapters/kinds/securemail/securemail_kind.h
TEST(KindsExamples, SecureMailKind) {
  const MessageKind& k = SecureMailKind();
  EXPECT_TRUE(k.spec().audience == KindAudience::kEmailAddresses);
  EXPECT_FALSE(k.spec().payload.has_value());
}

// adapters/kinds/referral/answer_time_rule.h
TEST(KindsExamples, AnswerTimeRule) {
  const std::int64_t t0 = 1'780'000'000'000;
  AnswerTimeSettings s;
  CaseFacts c{.message_id = "m-1",
              .answer_states = {"accepted", "declined"},
              .sender_org = "shop-denhaag",
              .created_ms = t0,
              .routing = {{"urgency", "urgent"}},
              .deliveries = {{"wende-denhaag", OrgKind::kShelter, "received"}}};
  EXPECT_TRUE(AnswerTimeNotices(c, s, t0 + 3 * kHourMs).empty());
  std::vector<Notice> due = AnswerTimeNotices(c, s, t0 + 4 * kHourMs);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].type, "escalation");
  EXPECT_EQ(due[0].to_org, "shop-denhaag");
  EXPECT_EQ(due[0].about_org, "wende-denhaag");
  EXPECT_EQ(due[0].mail_org, "wende-denhaag");
}

// adapters/kinds/b8/reflection_period_rule.h
TEST(KindsExamples, ReflectionPeriodRule) {
  const std::int64_t t0 = 1'780'000'000'000;
  ReflectionPeriodSettings s;
  EXPECT_EQ(ReflectionPeriodEnd(t0, s), AddCalendarMonths(t0, 3));
  CaseFacts b8{.message_id = "m-8",
               .answer_states = {"reported", "declined", "ended"},
               .sender_org = "politie-avim-haaglanden",
               .created_ms = t0,
               .deliveries = {{"shop-denhaag", OrgKind::kCareCoordination, "delivered"}}};
  auto due = ReflectionPeriodNotices(b8, s, ReflectionPeriodEnd(t0, s) - 14 * kDayMs);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].key, "reflection-14d:politie-avim-haaglanden");
  EXPECT_EQ(due[1].to_org, "shop-denhaag");
}

}  // namespace
// adapters/kinds/payload_deadline.h
TEST(KindsExamples, PayloadDeadline) {
  using nlohmann::json;
  EXPECT_EQ(PayloadDeadline("b8", json::parse(R"({"step":"reflection_offered",
                                         "reflection_start":"2026-12-01","client_ref":"c-1"})"),
                            {})
                .value(),
            "2027-03-01T00:00:00.000Z");
  const json payload = {{"indicators", {"isolation"}}, {"minor", false}};
  EXPECT_EQ(PayloadDeadline("signal", payload, {}).value(), "");
  EXPECT_EQ(PayloadDeadline("b8", {{"reflection_start", "2026-02-30"}}, {}).error().field,
            "reflection_start");
}

}  // namespace ketenpoort::kinds
