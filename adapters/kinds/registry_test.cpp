#include "adapters/kinds/registry.h"

#include <gtest/gtest.h>

namespace ketenpoort::kinds {
namespace {

TEST(RegistryTest, KnowsTheFourKindsAndFallsBackToTheGenericMachine) {
  const KindRegistry& k = BuiltinKinds();
  ASSERT_NE(k.Find("referral"), nullptr);
  ASSERT_NE(k.Find("signal"), nullptr);
  ASSERT_NE(k.Find("b8"), nullptr);
  ASSERT_NE(k.Find("securemail"), nullptr);
  EXPECT_EQ(k.Find("securemail")->spec().audience, KindAudience::kEmailAddresses);
  EXPECT_EQ(k.Find("referral")->spec().audience, KindAudience::kOrganisations);
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

TEST(RegistryTest, ConfiguresTheDeadlineRulesOfItsKindsFromTheirSettings) {
  const KindRegistry& k = BuiltinKinds();
  auto defaults = k.ConfigureDeadlines({});
  ASSERT_TRUE(defaults.ok()) << defaults.error().ToString();
  std::vector<std::string> names;
  for (const auto& [name, rule] : *defaults)
    names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"b8", "referral"}));  // the kinds with deadlines
  EXPECT_TRUE(k.ConfigureDeadlines({{"b8", {{"reflection_months", 2}}}}).ok());
  EXPECT_TRUE(k.ConfigureDeadlines({{"signal", nlohmann::json::object()}}).ok());
  struct Bad {
    std::map<std::string, nlohmann::json, std::less<>> settings;
    std::string field;
    std::string says;
  };
  for (const Bad& bad : std::vector<Bad>{
           {{{"b8", {{"reflection_months", 30}}}}, "kinds.b8.reflection_months", "from 1 to 24"},
           {{{"referal", nlohmann::json::object()}},
            "kinds.referal",
            "answer, b8, question, referral, securemail"},
           {{{"signal", {{"answer_ms", 5}}}}, "kinds.signal", "no settings"}}) {
    auto r = k.ConfigureDeadlines(bad.settings);
    ASSERT_FALSE(r.ok()) << bad.field;
    EXPECT_EQ(r.error().code, "invalid_config");
    EXPECT_EQ(r.error().field, bad.field);
    EXPECT_NE(r.error().message.find(bad.says), std::string::npos) << r.error().message;
  }
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
