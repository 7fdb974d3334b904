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
  // The report without --by prints 8 messages, so GM0518's 7 would give GM0599's 1 away: it is
  // hidden too. Likewise 6 clients of 6, and the declines (2 of 2, but the total shows <5 too,
  // so nothing is derived there). Accepted: 5 of 5, no small cell.
  EXPECT_EQ(ReportCsv(*report),
            "region,exploitation,messages,clients,accepted,declined\n"
            "GM0518,other,x,6,5,<5\n"
            "GM0599,labour,<5,0,0,0\n");
  json j = ReportJson(*report);
  EXPECT_EQ(j["cells"][0]["outcomes"]["declined"], "<5");
  EXPECT_EQ(j["cells"][0]["messages"], "x");
  EXPECT_EQ(j["cells"][1]["region"], "GM0599");
  EXPECT_EQ(j.dump().find("client"), j.dump().find("clients"));  // no pseudonym anywhere
}

// No "<5" cell can be worked out from the total or any margin: checked by brute force over
// every report a reader could also print (each subset of the dimensions), for tables of many
// shapes.
TEST(ReportTest, NoSmallCellCanBeDerivedFromTheTotalOrAMargin) {
  const MessageKind referral(KindSpec{.name = "referral"});
  const MessageKind signal(KindSpec{.name = "signal"});
  KindRegistry kinds = Kinds(referral);
  kinds.Add(signal);
  // The issue's case: --by kind shows referral <5 and signal 17 while the total is 20.
  std::vector<ReportMessage> rows;
  for (int i = 0; i < 20; ++i) {
    ReportMessage m = M("GM0518", "other", 2, "c" + std::to_string(i), {"delivered"});
    m.kind = i < 3 ? "referral" : "signal";
    rows.push_back(std::move(m));
  }
  auto by_kind = BuildReport(rows, {.by = {"kind"}}, kinds);
  ASSERT_TRUE(by_kind.ok());
  EXPECT_EQ(ReportCsv(*by_kind), "kind,messages,clients\nreferral,<5,<5\nsignal,x,x\n");

  // Many shapes: for every cell shown "<5" and every line it is in whose total is visible,
  // a reader who knows the visible cells, the line's total and what the markers mean ("<5":
  // 1..4, "x": 5 or more, as for a hidden visible-sized cell, the strongest reading) must find at
  // least two values of the cell consistent with what is printed.
  std::uint32_t seed = 7;
  auto next = [&seed] { return seed = seed * 1103515245u + 12345u, (seed >> 16) % 8; };
  for (int round = 0; round < 300; ++round) {
    std::vector<ReportMessage> many;
    for (const char* region : {"GM0518", "GM0599", "GM0363"}) {
      for (const char* k : {"referral", "signal"}) {
        const std::uint32_t n = next() < 4 ? next() % 5 : 5 + next();
        for (std::uint32_t i = 0; i < n; ++i) {
          ReportMessage m = M(region, "other", 2, "", {"delivered"});
          m.kind = k;
          many.push_back(std::move(m));
        }
      }
    }
    auto r = BuildReport(many, {.by = {"region", "kind"}}, kinds);
    ASSERT_TRUE(r.ok());
    const std::string csv = ReportCsv(*r);
    for (std::uint32_t removed = 1; removed < 4; ++removed) {
      std::map<std::vector<std::string>, std::vector<const ReportCell*>> lines;
      for (const ReportCell& c : r->cells) {
        std::vector<std::string> rest;
        for (std::size_t d = 0; d < 2; ++d) {
          if ((removed & (1u << d)) == 0)
            rest.push_back(c.key[d]);
        }
        lines[rest].push_back(&c);
      }
      for (const auto& [rest, line] : lines) {
        std::int64_t total = 0, visible = 0;
        for (const ReportCell* c : line) {
          total += c->messages;
          if (ReportJson(Report{.by = {}, .cells = {*c}})["cells"][0]["messages"].is_number())
            visible += c->messages;
        }
        if (total < 5)
          continue;  // the line's total is itself "<5"
        // Bounds of each hidden cell as printed; a small cell's possible values are those for
        // which the other hidden cells can still make up the rest.
        std::vector<std::pair<std::int64_t, std::int64_t>> bounds;
        std::vector<bool> shown_small;
        for (const ReportCell* c : line) {
          const json shown = ReportJson(Report{.by = {}, .cells = {*c}})["cells"][0]["messages"];
          if (shown.is_number())
            continue;
          const bool small = shown == "<5";
          bounds.push_back(small ? std::pair<std::int64_t, std::int64_t>{1, 4}
                                 : std::pair<std::int64_t, std::int64_t>{5, total});
          shown_small.push_back(small);
        }
        const std::int64_t hidden = total - visible;
        for (std::size_t i = 0; i < bounds.size(); ++i) {
          if (!shown_small[i])
            continue;
          int possible = 0;
          for (std::int64_t v = 1; v <= 4; ++v) {
            std::int64_t lo = 0, hi = 0;
            for (std::size_t j = 0; j < bounds.size(); ++j) {
              if (j != i) {
                lo += bounds[j].first;
                hi += bounds[j].second;
              }
            }
            possible += hidden - v >= lo && hidden - v <= hi;
          }
          EXPECT_GE(possible, 2) << "round " << round << "\n" << csv;
        }
      }
    }
  }
}

TEST(ReportTest, DimensionsAreChecked) {
  EXPECT_EQ(ParseReportDimensions("region,kind,exploitation").value(),
            (std::vector<std::string>{"region", "kind", "exploitation"}));
  EXPECT_EQ(ParseReportDimensions("region,subject_ref").error().field, "--by");
  EXPECT_FALSE(ParseReportDimensions("kind,kind").ok());
}

}  // namespace
}  // namespace ketenpoort
