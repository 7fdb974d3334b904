// POST /v1/routes/resolve on a real demo gateway: the demo routing table of docs/API.md over
// HTTPS.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/harness/harness.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;

class RoutesResolveTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dep_ = Deployment::Create().release();
    gw_ = new GatewayProcess(dep_->config_path());
    ASSERT_TRUE(gw_->Start(dep_->port(), dep_->ca_path())) << gw_->error;
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(gw_->Terminate(), 0);
    delete gw_;
    delete dep_;
  }
  HttpResponse Resolve(const std::string& body, const std::string& org = "shop-denhaag") {
    return HttpsClient(dep_->ca_path())
        .Post(dep_->url() + "/v1/routes/resolve", body, dep_->Token(org));
  }
  static Deployment* dep_;
  static GatewayProcess* gw_;
};

Deployment* RoutesResolveTest::dep_ = nullptr;
GatewayProcess* RoutesResolveTest::gw_ = nullptr;

struct Row {
  const char* request;
  std::vector<std::string> recipients;
};

TEST_F(RoutesResolveTest, ResolvesTheDemoTableOfTheContract) {
  const std::vector<Row> rows = {
      {R"({"kind":"signal","routing":{"region":"GM0599","age_band":"minor"}})",
       {"comensha", "meldpunt-rotterdam", "veilig-thuis-rotterdam"}},
      {R"({"kind":"signal","routing":{"region":"GM0518","age_band":"adult"},"legal_basis":"consent"})",
       {"comensha", "politie-avim-haaglanden"}},
      {R"({"kind":"signal","routing":{"region":"GM0518","age_band":"adult"}})", {"comensha"}},
      {R"({"kind":"referral","routing":{"region":"GM0518","age_band":"minor"}})",
       {"shop-jeugd-denhaag"}},
      {R"({"kind":"referral","routing":{"region":"GM0518","gender":"male","topic":"shelter"}})",
       {"wende-denhaag"}},
      {R"({"kind":"b8","routing":{"region":"GM0518"}})", {"comensha", "ind", "shop-denhaag"}},
  };
  for (const Row& row : rows) {
    auto r = Resolve(row.request);
    ASSERT_EQ(r.status, 200) << row.request << " " << r.body;
    json body = json::parse(r.body);
    EXPECT_EQ(body["recipients"].get<std::vector<std::string>>(), row.recipients) << row.request;
    EXPECT_FALSE(body["rules"].empty()) << row.request;
  }
}

TEST_F(RoutesResolveTest, BadInputIs400AndTheGatewayKeepsServing) {
  auto garbage = Resolve("{not json");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(json::parse(garbage.body)["error"]["code"], "malformed_json");
  auto unknown_key = Resolve(R"({"kind":"signal","routing":{"shoe_size":"42"}})");
  EXPECT_EQ(unknown_key.status, 400);
  EXPECT_EQ(json::parse(unknown_key.body)["error"]["field"], "routing.shoe_size");
  auto basis = Resolve(R"({"kind":"signal","legal_basis":"because"})");
  EXPECT_EQ(basis.status, 400);
  EXPECT_EQ(json::parse(basis.body)["error"]["code"], "invalid_legal_basis");
  EXPECT_EQ(HttpsClient(dep_->ca_path()).Get(dep_->url() + "/healthz").status, 200);
}

TEST_F(RoutesResolveTest, OnlySendersMayAsk) {
  std::string auditor = ReadFileOrEmpty(dep_->dir() + "/tokens/shop-denhaag.auditor.token");
  auditor.erase(auditor.find_last_not_of("\n") + 1);
  auto r = HttpsClient(dep_->ca_path())
               .Post(dep_->url() + "/v1/routes/resolve", R"({"kind":"b8"})", auditor);
  EXPECT_EQ(r.status, 403);
  auto none =
      HttpsClient(dep_->ca_path()).Post(dep_->url() + "/v1/routes/resolve", R"({"kind":"b8"})");
  EXPECT_EQ(none.status, 401);
}

// SIGHUP reloads the directory and the routes while the gateway serves: new rules apply to
// resolving and to submissions from the next request; an invalid file keeps the pair in use and
// the log says why; the daemon keeps serving and still stops cleanly.
TEST(RoutesReloadTest, SighupReloadsDirectoryAndRoutesAndAnInvalidFileKeepsTheOld) {
  auto dep = Deployment::Create();
  GatewayProcess gw(dep->config_path());
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
  HttpsClient client(dep->ca_path());
  const std::string adult_signal =
      R"({"kind":"signal","routing":{"region":"GM0518","age_band":"adult"}})";
  auto resolve = [&] {
    auto r =
        client.Post(dep->url() + "/v1/routes/resolve", adult_signal, dep->Token("shop-denhaag"));
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body)["recipients"].get<std::vector<std::string>>();
  };
  // A submission to a recipient the rules do not route to: refused until the rules change.
  auto submit = [&] {
    json body = {{"kind", "signal"},
                 {"recipients", {"comensha", "meldpunt-rotterdam"}},
                 {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
                 {"payload", "AA=="}};
    return client.Post(dep->url() + "/v1/messages", body.dump(), dep->Token("shop-denhaag"));
  };
  auto reloads = [&](const std::string& event) {
    std::size_t n = 0;
    const std::string log = gw.Log();
    for (std::size_t at = log.find(event); at != std::string::npos; at = log.find(event, at + 1))
      ++n;
    return n;
  };
  auto hangup_and_wait_for = [&](const std::string& event) {
    const std::size_t before = reloads(event);
    ASSERT_EQ(::kill(gw.pid(), SIGHUP), 0);
    ASSERT_TRUE(WaitFor([&] { return reloads(event) > before; }, std::chrono::seconds(10)))
        << gw.Log();
  };
  const std::string routes_file = dep->dir() + "/routes.json";
  const std::string directory_file = dep->dir() + "/directory.json";

  EXPECT_EQ(resolve(), (std::vector<std::string>{"comensha"}));
  auto refused = submit();
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(refused.body.find("recipient_not_routed"), std::string::npos) << refused.body;

  // A new rule, and a new name in the directory: both apply after SIGHUP.
  json routes = json::parse(ReadFileOrEmpty(routes_file));
  routes["rules"].push_back(
      {{"id", "signal-adult-meldpunt-test"},
       {"match", {{"kind", "signal"}, {"region", "GM0518"}, {"age_band", "adult"}}},
       {"to", {"meldpunt-rotterdam"}}});
  std::ofstream(routes_file) << routes.dump(2);
  json directory = json::parse(ReadFileOrEmpty(directory_file));
  for (json& org : directory["organisations"]) {
    if (org["id"] == "comensha")
      org["name"] = "CoMensha (renamed for the reload test)";
  }
  std::ofstream(directory_file) << directory.dump(2);
  hangup_and_wait_for("reloaded");
  EXPECT_EQ(resolve(), (std::vector<std::string>{"comensha", "meldpunt-rotterdam"}));
  auto listed = client.Get(dep->url() + "/v1/directory", dep->Token("shop-denhaag"));
  EXPECT_NE(listed.body.find("CoMensha (renamed for the reload test)"), std::string::npos);
  // The submission now passes routing; it stops at the envelope, which is not a CMS one.
  auto routed = submit();
  EXPECT_EQ(routed.body.find("recipient_not_routed"), std::string::npos) << routed.body;

  // Rules naming an organisation the directory does not have: refused whole, the old pair
  // stays in use, the log names the file, and the gateway serves on.
  routes["rules"].push_back(
      {{"id", "to-nobody"}, {"match", {{"kind", "signal"}}}, {"to", {"no-such-organisation"}}});
  std::ofstream(routes_file) << routes.dump(2);
  hangup_and_wait_for("reload_failed");
  EXPECT_NE(gw.Log().find(routes_file), std::string::npos) << gw.Log();
  EXPECT_EQ(resolve(), (std::vector<std::string>{"comensha", "meldpunt-rotterdam"}));
  std::ofstream(directory_file) << "{ not json";
  hangup_and_wait_for("reload_failed");
  EXPECT_EQ(resolve(), (std::vector<std::string>{"comensha", "meldpunt-rotterdam"}));
  EXPECT_EQ(client.Get(dep->url() + "/healthz").status, 200);

  EXPECT_EQ(gw.Terminate(), 0) << gw.Log();  // not 129: SIGHUP no longer ends the daemon
}

}  // namespace
}  // namespace ketenpoort::testing
