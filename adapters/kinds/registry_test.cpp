#include "adapters/kinds/registry.h"

#include <gtest/gtest.h>

namespace ketenpoort::kinds {
namespace {

TEST(RegistryTest, KnowsTheThreeKindsAndFallsBackToTheGenericMachine) {
  const KindRegistry& k = BuiltinKinds();
  ASSERT_NE(k.Find("referral"), nullptr);
  ASSERT_NE(k.Find("signal"), nullptr);
  ASSERT_NE(k.Find("b8"), nullptr);
  EXPECT_EQ(k.Find("status"), nullptr);
  EXPECT_EQ(&k.LifecycleFor("status"), &GenericLifecycle());
  EXPECT_EQ(&k.LifecycleFor("b8"), &k.Find("b8")->lifecycle());
}

TEST(RegistryTest, AStateOfAnotherKindIsAConflictAndANonsenseStateABadRequest) {
  const KindRegistry& k = BuiltinKinds();
  Status other = k.CheckTransition("signal", "closed", "accepted");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, "invalid_transition");
  Status granted = k.CheckTransition("referral", "received", "granted");
  EXPECT_EQ(granted.error().code, "invalid_transition");
  Status nonsense = k.CheckTransition("signal", "closed", "shredded");
  EXPECT_EQ(nonsense.error().code, "unknown_state");
  EXPECT_EQ(nonsense.error().field, "state");
  EXPECT_TRUE(k.CheckTransition("b8", "application_filed", "granted").ok());
}

TEST(RegistryTest, EmbeddedCodeListsAreVersioned) {
  const CodeLists& lists = BuiltinCodeLists();
  for (const char* name :
       {"exploitation", "age_band", "gender", "life_domain", "need", "outcome", "indicator"}) {
    EXPECT_TRUE(lists.Has(name)) << name;
  }
  EXPECT_EQ(lists.Latest("exploitation"), 2);
  EXPECT_EQ(lists.Codes("exploitation", 1), (std::vector<std::string>{"other", "sexual"}));
  EXPECT_EQ(lists.Codes("exploitation", 2),
            (std::vector<std::string>{"criminal", "labour", "other", "sexual"}));
  EXPECT_EQ(lists.ToLatest("exploitation", 1, "other"), "other");
  EXPECT_EQ(lists.ToLatest("exploitation", 1, "sexual"), "sexual");
  EXPECT_EQ(lists.ToLatest("exploitation", 1, "labour"), std::nullopt);
}

TEST(RegistryTest, HeaderVersionsMustExist) {
  const KindRegistry& k = BuiltinKinds();
  KindHeader h{
      .routing = {{"region", "GM0599"}, {"age_band", "adult"}, {"exploitation", "labour"}}};
  EXPECT_TRUE(k.ValidateHeader("signal", h, {}).ok());
  Status v1 = k.ValidateHeader("signal", h, {{"exploitation", 1}});
  ASSERT_FALSE(v1.ok());
  EXPECT_EQ(v1.error().field, "routing.exploitation");
  Status v9 = k.ValidateHeader("signal", h, {{"exploitation", 9}});
  EXPECT_EQ(v9.error().code, "invalid_codelist_version");
  EXPECT_EQ(v9.error().field, "codelists.exploitation");
  EXPECT_EQ(k.ValidateHeader("signal", h, {{"colour", 1}}).error().field, "codelists.colour");
  // Kinds without their own folder get the code-list checks only.
  KindHeader status{.routing = {{"gender", "robot"}}};
  EXPECT_EQ(k.ValidateHeader("status", status, {}).error().field, "routing.gender");
}

}  // namespace
}  // namespace ketenpoort::kinds
