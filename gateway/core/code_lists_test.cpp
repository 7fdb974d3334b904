#include "gateway/core/code_lists.h"

#include <gtest/gtest.h>

namespace ketenpoort {
namespace {

using nlohmann::json;

json Exploitation() {
  return json::parse(R"({"list": "exploitation", "versions": [
    {"version": 1, "codes": ["sexual", "other"]},
    {"version": 2, "codes": ["sexual", "labour", "criminal", "other"],
     "from_previous": {"sexual": "sexual", "other": "other"}},
    {"version": 3, "codes": ["sexual", "labour", "criminal", "forced_begging", "other"],
     "from_previous": {"sexual": "sexual", "labour": "labour", "criminal": "criminal",
                       "other": "other"}}]})");
}

TEST(CodeListsTest, MapsOldCodesThroughEveryVersion) {
  auto lists = CodeLists::FromDocuments({Exploitation()});
  ASSERT_TRUE(lists.ok()) << lists.error().ToString();
  EXPECT_EQ(lists->Latest("exploitation"), 3);
  EXPECT_TRUE(lists->Contains("exploitation", 1, "other"));
  EXPECT_FALSE(lists->Contains("exploitation", 1, "labour"));
  EXPECT_EQ(lists->ToLatest("exploitation", 1, "other"), "other");
  EXPECT_EQ(lists->ToLatest("exploitation", 2, "labour"), "labour");
  EXPECT_EQ(lists->ToLatest("exploitation", 3, "forced_begging"), "forced_begging");
  EXPECT_EQ(lists->ToLatest("exploitation", 1, "labour"), std::nullopt);
  EXPECT_EQ(lists->LatestVersions(), (CodeListVersions{{"exploitation", 3}}));
  EXPECT_EQ(lists->Resolve({{"exploitation", 1}}), (CodeListVersions{{"exploitation", 1}}));
}

TEST(CodeListsTest, CheckCodeNamesTheFieldTheListAndTheVersion) {
  auto lists = CodeLists::FromDocuments({Exploitation()});
  ASSERT_TRUE(lists.ok());
  Status s = lists->CheckCode("exploitation", {{"exploitation", 1}}, "labour", "routing.x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "invalid_code");
  EXPECT_EQ(s.error().field, "routing.x");
  EXPECT_NE(s.error().message.find("exploitation v1 (other, sexual)"), std::string::npos)
      << s.error().message;
  EXPECT_TRUE(lists->CheckCode("exploitation", {}, "labour", "f").ok());  // latest
  EXPECT_EQ(lists->CheckVersions({{"exploitation", 4}}).error().field, "codelists.exploitation");
}

TEST(CodeListsTest, RefusesBrokenDocumentsNamingTheField) {
  struct Bad {
    std::string name;
    std::function<void(json&)> edit;
    std::string field;
  };
  const Bad cases[] = {
      {"unmapped", [](json& d) { d["versions"][1]["from_previous"].erase("other"); },
       "exploitation.versions[1].from_previous"},
      {"maps to nothing", [](json& d) { d["versions"][1]["from_previous"]["other"] = "misc"; },
       "exploitation.versions[1].from_previous.other"},
      {"maps from nothing", [](json& d) { d["versions"][1]["from_previous"]["x"] = "other"; },
       "exploitation.versions[1].from_previous.x"},
      {"numbering", [](json& d) { d["versions"][1]["version"] = 5; },
       "exploitation.versions[1].version"},
      {"bad code", [](json& d) { d["versions"][0]["codes"][0] = "Sexual"; },
       "exploitation.versions[0].codes[0]"},
      {"first maps", [](json& d) { d["versions"][0]["from_previous"] = json::object(); },
       "exploitation.versions[0].from_previous"},
  };
  for (const Bad& b : cases) {
    json doc = Exploitation();
    b.edit(doc);
    auto lists = CodeLists::FromDocuments({doc});
    ASSERT_FALSE(lists.ok()) << b.name;
    EXPECT_EQ(lists.error().code, "invalid_codelist") << b.name;
    EXPECT_EQ(lists.error().field, b.field) << b.name;
  }
  EXPECT_FALSE(CodeLists::FromDocuments({Exploitation(), Exploitation()}).ok());
}

TEST(CodeListsTest, VersionsRoundTripAsJson) {
  CodeListVersions v{{"age_band", 1}, {"exploitation", 2}};
  EXPECT_EQ(CodeListVersionsFromJson(CodeListVersionsToJson(v)).value(), v);
  EXPECT_EQ(CodeListVersionsFromJson(json::parse(R"({"a": "1"})")).error().field, "codelists.a");
  EXPECT_FALSE(CodeListVersionsFromJson(json::array()).ok());
}

}  // namespace
}  // namespace ketenpoort
