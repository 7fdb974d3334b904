// `ketenpoort report` over a synthetic year written straight into a demo deployment's
// database; the test computes the expected counts itself, independently of core/report.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <random>
#include <set>
#include <tuple>

#include "gateway/store/database.h"
#include "gateway/store/db_key.h"
#include "gateway/store/kind_repository.h"
#include "gateway/store/message_repository.h"
#include "gateway/store/migrations.h"
#include "tests/harness/harness.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;

constexpr std::int64_t kDay = 86400000;
constexpr std::int64_t k2026 = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr std::int64_t k2027 = 1798761600000;  // 2027-01-01T00:00:00Z
constexpr std::int64_t kJuly = 1782864000000;  // 2026-07-01T00:00:00Z: exploitation v2

struct Expected {
  int messages = 0;
  std::set<std::string> clients;
  std::map<std::string, int> outcomes;
};

std::string Shown(int n) {
  return n > 0 && n < 5 ? "<5" : std::to_string(n);
}

TEST(ReportsTest, ASyntheticYearCountsMessagesClientsAndOutcomesWithOldCodesMapped) {
  auto dep = Deployment::Create();
  auto key = store::DbKey::LoadFile(dep->dir() + "/db.key");
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  std::optional<store::Database> db;
  {
    auto opened = store::Database::Open(dep->db_path(), *key, store::OpenMode::kExisting);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    db.emplace(std::move(*opened));
  }
  ASSERT_TRUE(store::Migrate(*db).ok());

  std::mt19937 rng(20261123);
  auto pick = [&](const std::vector<std::string>& v) {
    return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
  };
  const std::vector<std::string> regions = {"GM0518", "GM0599", "GM0268"};
  const std::map<std::string, std::vector<std::string>> answers = {
      {"referral", {"delivered", "received", "accepted", "declined", "intake_planned"}},
      {"signal", {"delivered", "received", "assessed", "forwarded"}},
      {"b8", {"delivered", "reported", "application_filed", "granted", "refused"}}};
  const std::set<std::string> outcome_states = {"accepted",          "declined",  "intake_planned",
                                                "assessed",          "forwarded", "reported",
                                                "application_filed", "granted",   "refused"};
  std::map<std::tuple<std::string, std::string, std::string>, Expected> expected;
  {
    auto tx = store::Transaction::Begin(*db);
    ASSERT_TRUE(tx.ok());
    store::MessageRepository messages(*db);
    store::KindRepository kinds(*db);
    for (int i = 0; i < 700; ++i) {
      // 660 in 2026, the rest just outside the period on either side.
      std::int64_t created = k2026 + (i * 7919LL % 365) * kDay + i;
      if (i >= 660)
        created = i % 2 == 0 ? k2026 - kDay + i : k2027 + i;
      const std::string kind = pick({"referral", "signal", "b8"});
      const bool v1 = created < kJuly;
      const std::string exploitation =
          v1 ? pick({"sexual", "other"}) : pick({"sexual", "labour", "criminal", "other"});
      const std::string client = "client-" + std::to_string(rng() % 160);
      store::MessageRecord m;
      m.id = "m-year-" + std::to_string(i);
      m.kind = kind;
      m.sender_org = "shop-denhaag";
      m.subject_ref = i % 13 == 0 ? "" : client;  // some messages name nobody
      m.routing = {
          {"region", pick(regions)}, {"age_band", "adult"}, {"exploitation", exploitation}};
      m.created_ms = created;
      m.payload = Bytes{1};
      m.payload_sha256 = Bytes(32, 0);
      ASSERT_TRUE(
          messages.Insert(m, {{"comensha", "delivered"}, {"ind", "delivered"}}, "gateway").ok());
      ASSERT_TRUE(kinds
                      .SetCodeLists(m.id, v1 ? R"({"exploitation":1,"age_band":1})"
                                             : R"({"exploitation":2,"age_band":1})")
                      .ok());
      std::set<std::string> reached = {"delivered"};
      for (const char* org : {"comensha", "ind"}) {
        const std::string state = pick(answers.at(kind));
        if (state == "delivered")
          continue;
        ASSERT_TRUE(messages.SetState(m.id, org, state, created + 1000, org, "").ok());
        reached.insert(state);
      }
      if (created < k2026 || created >= k2027)
        continue;
      // v1 "other" and "sexual" keep their meaning in v2.
      Expected& e = expected[{m.routing["region"], kind, exploitation}];
      ++e.messages;
      if (!m.subject_ref.empty())
        e.clients.insert(m.subject_ref);
      for (const std::string& s : reached) {
        if (outcome_states.contains(s))
          ++e.outcomes[s];
      }
    }
    ASSERT_TRUE(tx->Commit().ok());
  }
  db.reset();  // closed before the command opens the file

  auto r = RunKetenpoort({"report", "--config", dep->config_path(), "--from", "2026-01-01", "--to",
                          "2027-01-01", "--by", "region,kind,exploitation", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json out = json::parse(r.out);
  ASSERT_EQ(out["cells"].size(), expected.size());
  int total = 0;
  for (const json& cell : out["cells"]) {
    auto it = expected.find({cell["region"], cell["kind"], cell["exploitation"]});
    ASSERT_NE(it, expected.end()) << cell.dump();
    const Expected& e = it->second;
    total += e.messages;
    // A count is printed as it is, "<5", or "x" when hidden to protect a small count of its
    // line from the totals (report.h, complementary suppression).
    auto shown = [](const json& v, int n) {
      const std::string text = v.is_string() ? v.get<std::string>() : v.dump();
      return text == "x" && n > 0 ? Shown(n) : text;
    };
    EXPECT_EQ(shown(cell["messages"], e.messages), Shown(e.messages)) << cell.dump();
    const int clients = static_cast<int>(e.clients.size());
    EXPECT_EQ(shown(cell["clients"], clients), Shown(clients)) << cell.dump();
    for (const std::string& s : outcome_states) {
      const int n = e.outcomes.contains(s) ? e.outcomes.at(s) : 0;
      if (cell["outcomes"].contains(s))
        EXPECT_EQ(shown(cell["outcomes"][s], n), Shown(n)) << s << " " << cell.dump();
      else
        EXPECT_EQ(n, 0) << s << " " << cell.dump();
    }
  }
  EXPECT_EQ(total, 660);
  EXPECT_EQ(r.out.find("client-"), std::string::npos) << "a pseudonym in the report";

  auto csv = RunKetenpoort({"report", "--config", dep->config_path(), "--from",
                            "2026-01-01T00:00:00Z", "--to", "2027-01-01", "--by", "kind"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')),
            "kind,messages,clients,reported,application_filed,granted,refused,accepted,declined,"
            "intake_planned,assessed,forwarded");
  EXPECT_EQ(csv.out.find("client-"), std::string::npos);
  int lines = 0;
  for (char c : csv.out)
    lines += c == '\n';
  EXPECT_EQ(lines, 4);  // header, b8, referral, signal

  // Both reports are on the record, with their period and dimensions; refused ones are not.
  auto trail = RunKetenpoort({"audit", "export", "--config", dep->config_path()});
  ASSERT_EQ(trail.exit_code, 0) << trail.err;
  std::vector<std::string> reports;
  for (std::size_t start = 0, end; start < trail.out.size(); start = end + 1) {
    end = trail.out.find('\n', start);
    if (end == std::string::npos)
      end = trail.out.size();
    json e = json::parse(trail.out.substr(start, end - start), nullptr, false);
    if (e.is_object() && e.value("event", "") == "report")
      reports.push_back(e.value("object", ""));
  }
  ASSERT_EQ(reports.size(), 2u) << trail.out;
  EXPECT_EQ(reports[1], "messages 2026-01-01T00:00:00.000Z..2027-01-01T00:00:00.000Z by kind");

  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"--from", "2026-01-01", "--to", "2027-01-01", "--by", "subject_ref"},
           {"--from", "2026-01-01", "--to", "2027-01-01", "--format", "xml"},
           {"--from", "2026-01-01", "--to", "2025-01-01"},
           {"--from", "1 January", "--to", "2027-01-01"}}) {
    std::vector<std::string> args = {"report", "--config", dep->config_path()};
    args.insert(args.end(), bad.begin(), bad.end());
    auto refused = RunKetenpoort(args);
    EXPECT_EQ(refused.exit_code, 2) << bad.back() << ": " << refused.err;
    EXPECT_TRUE(refused.out.empty());
  }
  auto after = RunKetenpoort({"audit", "verify", "--config", dep->config_path()});
  EXPECT_EQ(after.exit_code, 0) << after.err;
}

}  // namespace
}  // namespace ketenpoort::testing
