#include "gateway/core/report.h"

#include <gtest/gtest.h>

namespace ketenpoort {
namespace {

using nlohmann::json;

KindRegistry Kinds(const MessageKind& referral) {
  auto lists = CodeLists::FromDocuments({json::parse(R"({"list": "exploitation", "versions": [
    {"version": 1, "codes": ["sexual", "other"]},
    {"version": 2, "codes": ["sexual", "labour", "criminal", "other"],
     "from_previous": {"sexual": "sexual", "other": "other"}}]})")});
  KindRegistry k(std::move(*lists));
  k.Add(referral);
  return k;
}

ReportMessage M(std::string region, std::string exploitation, int version, std::string client,
                std::set<std::string> states) {
  return {.kind = "referral",
          .routing = {{"region", std::move(region)}, {"exploitation", std::move(exploitation)}},
          .subject_ref = std::move(client),
          .codelists = {{"exploitation", version}},
          .created_ms = 1795392000000,
          .states_reached = std::move(states)};
}

TEST(ReportTest, CountsMapsOldCodesAndSuppressesSmallNumbers) {
  const MessageKind referral(
      KindSpec{.name = "referral", .outcome_states = {"accepted", "declined"}});
  KindRegistry kinds = Kinds(referral);
  std::vector<ReportMessage> rows;
  // GM0518 "other": 3 under v1 and 4 under v2 (one row after mapping), 6 distinct clients
  // (client-a twice), 5 accepted, 2 declined.
  for (int i = 0; i < 3; ++i)
    rows.push_back(M("GM0518", "other", 1, i == 0 ? "client-a" : "client-v1-" + std::to_string(i),
                     {"delivered", "accepted"}));
  for (int i = 0; i < 4; ++i)
    rows.push_back(M("GM0518", "other", 2, i == 0 ? "client-a" : "client-v2-" + std::to_string(i),
                     {"delivered", i < 2 ? "accepted" : "declined"}));
  rows.push_back(M("GM0599", "labour", 2, "", {"delivered"}));
  auto report = BuildReport(rows, {.by = {"region", "exploitation"}}, kinds);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->cells.size(), 2u);
  EXPECT_EQ(report->cells[0].key, (std::vector<std::string>{"GM0518", "other"}));
  EXPECT_EQ(report->cells[0].messages, 7);
  EXPECT_EQ(report->cells[0].clients, 6);
  EXPECT_EQ(report->cells[0].outcomes.at("accepted"), 5);
  EXPECT_EQ(report->cells[0].outcomes.at("declined"), 2);
  EXPECT_EQ(report->cells[1].clients, 0);  // no pseudonym: no client
  EXPECT_EQ(ReportCsv(*report),
            "region,exploitation,messages,clients,accepted,declined\n"
            "GM0518,other,7,6,5,<5\n"
            "GM0599,labour,<5,0,0,0\n");
  json j = ReportJson(*report);
  EXPECT_EQ(j["cells"][0]["outcomes"]["declined"], "<5");
  EXPECT_EQ(j["cells"][0]["messages"], 7);
  EXPECT_EQ(j["cells"][1]["region"], "GM0599");
  EXPECT_EQ(j.dump().find("client"), j.dump().find("clients"));  // no pseudonym anywhere
}

TEST(ReportTest, DimensionsAreChecked) {
  EXPECT_EQ(ParseReportDimensions("region,kind,exploitation").value(),
            (std::vector<std::string>{"region", "kind", "exploitation"}));
  EXPECT_EQ(ParseReportDimensions("region,subject_ref").error().field, "--by");
  EXPECT_FALSE(ParseReportDimensions("kind,kind").ok());
}

}  // namespace
}  // namespace ketenpoort
