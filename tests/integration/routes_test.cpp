// POST /v1/routes/resolve on a real demo gateway: the demo routing table of docs/API.md over
// HTTPS.
#include <gtest/gtest.h>
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

}  // namespace
}  // namespace ketenpoort::testing
