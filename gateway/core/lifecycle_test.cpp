#include "gateway/core/lifecycle.h"

#include <gtest/gtest.h>

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
      EXPECT_EQ(HttpStatus(s.error().kind), 409);
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
  EXPECT_EQ(HttpStatus(s.error().kind), 400);
}

TEST(GenericLifecycleTest, EveryKindUsesTheGenericMachineForNow) {
  EXPECT_EQ(&LifecycleFor("signal"), &GenericLifecycle());
  EXPECT_TRUE(LifecycleFor("referral").IsKnown("intake_planned"));
  EXPECT_FALSE(LifecycleFor("referral").IsKnown("granted"));
}

}  // namespace
}  // namespace ketenpoort
