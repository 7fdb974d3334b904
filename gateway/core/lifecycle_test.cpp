#include "gateway/core/lifecycle.h"

#include <gtest/gtest.h>

#include "gateway/api/http_status.h"

namespace ketenpoort {
namespace {

struct Row {
  const char* from;
  const char* to;
  bool allowed;
};

TEST(GenericLifecycleTest, AllowsTheWorkflowAndRefusesEverythingElse) {
  const Row rows[] = {
      {"delivered", "received", true},       {"delivered", "accepted", true},
      {"received", "accepted", true},        {"received", "declined", true},
      {"received", "needs_info", true},      {"needs_info", "accepted", true},
      {"accepted", "intake_planned", true},  {"intake_planned", "closed", true},
      {"received", "assessed", true},        {"assessed", "forwarded", true},
      {"forwarded", "closed", true},         {"declined", "closed", true},
      {"closed", "accepted", false},         {"closed", "received", false},
      {"accepted", "declined", false},       {"declined", "accepted", false},
      {"intake_planned", "accepted", false}, {"received", "delivered", false},
      {"received", "sent", false},           {"sent", "accepted", false},
      {"sent", "delivered", true},           {"sent", "undeliverable", true},
      {"undeliverable", "delivered", false}, {"undeliverable", "received", false},
      {"undeliverable", "closed", false},    {"delivered", "undeliverable", false},
      {"received", "undeliverable", false},  {"closed", "undeliverable", false},
  };
  for (const Row& row : rows) {
    Status s = GenericLifecycle().Check(row.from, row.to);
    EXPECT_EQ(s.ok(), row.allowed) << row.from << " -> " << row.to;
    if (!s.ok()) {
      EXPECT_EQ(s.error().code, "invalid_transition");
      EXPECT_EQ(api::HttpStatus(s.error().kind), 409);
    }
  }
}

TEST(GenericLifecycleTest, UndeliverableIsAKnownFinalState) {
  EXPECT_TRUE(GenericLifecycle().IsKnown(state::kUndeliverable));
  EXPECT_EQ(state::kUndeliverable, "undeliverable");
}

TEST(GenericLifecycleTest, AnUnknownStateIsABadRequestNamingTheField) {
  Status s = GenericLifecycle().Check("received", "shredded");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "unknown_state");
  EXPECT_EQ(s.error().field, "state");
  EXPECT_EQ(api::HttpStatus(s.error().kind), 400);
}

TEST(GenericLifecycleTest, AnyRecipientMaySetAStateOnlyTheGatewaySetsItsOwn) {
  EXPECT_TRUE(GenericLifecycle().CheckSetter("accepted", OrgKind::kPolice, false, true).ok());
  Status sender = GenericLifecycle().CheckSetter("accepted", OrgKind::kShelter, true, false);
  ASSERT_FALSE(sender.ok());
  EXPECT_EQ(sender.error().code, "state_not_permitted");
  EXPECT_EQ(api::HttpStatus(sender.error().kind), 403);
  EXPECT_FALSE(GenericLifecycle().CheckSetter("delivered", OrgKind::kShelter, false, true).ok());
  EXPECT_EQ(GenericLifecycle().scope(), LifecycleScope::kDelivery);
}

TEST(LifecycleTest, AStateRuleNamesTheKindsThatMaySetIt) {
  Lifecycle lc({{"received", {"granted"}}},
               {{"granted",
                 {.by = StateRule::By::kSenderOrRecipient, .org_kinds = {OrgKind::kImmigration}}}});
  EXPECT_TRUE(lc.CheckSetter("granted", OrgKind::kImmigration, false, true).ok());
  Status police = lc.CheckSetter("granted", OrgKind::kPolice, true, false);
  ASSERT_FALSE(police.ok());
  EXPECT_NE(police.error().message.find("immigration"), std::string::npos);
  EXPECT_NE(police.error().message.find("police"), std::string::npos);
}

}  // namespace
}  // namespace ketenpoort
