// GET /metrics against a real `ketenpoort serve`: what a Prometheus scraper sees after a few
// submissions, read with the strict reader of tests/harness/prometheus_text.h, and who may
// scrape (an admin token from anywhere; no token only from metrics.allow_from).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/harness/harness.h"
#include "tests/harness/prometheus_text.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;

constexpr const char* kSubject = "a5808f56c6117d6730668e4953802f6dc18344669da05905ec56f481e7d27675";

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dep_ = Deployment::Create();
    SetAllowFrom({"192.0.2.0/24"});  // documentation addresses: not the test's loopback
    CommandResult issued = RunKetenpoort({"token", "issue", "--config", dep_->config_path(),
                                          "--org", "shop-denhaag", "--role", "admin"});
    ASSERT_EQ(issued.exit_code, 0) << issued.err;
    admin_ = issued.out.substr(0, issued.out.find('\n'));
    StartGateway();
  }
  void TearDown() override {
    if (gw_) {
      EXPECT_EQ(gw_->Terminate(), 0) << gw_->Log();
    }
  }

  void SetAllowFrom(const std::vector<std::string>& addresses) {
    json config = json::parse(ReadFileOrEmpty(dep_->config_path()));
    config["metrics"] = {{"allow_from", addresses}};
    std::ofstream(dep_->config_path(), std::ios::trunc) << config.dump(2);
  }
  void StartGateway() {
    gw_ = std::make_unique<GatewayProcess>(dep_->config_path());
    ASSERT_TRUE(gw_->Start(dep_->port(), dep_->ca_path())) << gw_->error;
  }

  HttpResponse Scrape(const std::string& token) const {
    return HttpsClient(dep_->ca_path()).Get(dep_->url() + "/metrics", token);
  }
  // The scrape as an admin, read; fails the test when the text is not valid.
  PromText Read() const {
    HttpResponse r = Scrape(admin_);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4");
    PromText t = ParsePrometheusText(r.body);
    EXPECT_TRUE(t.error.empty()) << t.error << "\n" << r.body;
    return t;
  }

  // A signal from shop-denhaag to comensha (adult, GM0518: comensha alone), sealed.
  std::string Signal(const std::string& content) const {
    return json({{"kind", "signal"},
                 {"recipients", {"comensha"}},
                 {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
                 {"subject_ref", kSubject},
                 {"payload",
                  Sealer(dep_->dir())
                      .SealBase64("shop-denhaag", {"comensha", "shop-denhaag"}, content)}})
        .dump();
  }
  HttpResponse Submit(const std::string& body, const std::string& idempotency_key) const {
    return HttpsClient(dep_->ca_path())
        .Post(dep_->url() + "/v1/messages", body, dep_->Token("shop-denhaag"),
              {"Content-Type: application/json", "Idempotency-Key: " + idempotency_key});
  }

  std::unique_ptr<Deployment> dep_;
  std::unique_ptr<GatewayProcess> gw_;
  std::string admin_;
};

const std::map<std::string, std::string> kSubmitted = {
    {"route", "/v1/messages"}, {"method", "POST"}, {"status", "202"}};

TEST_F(MetricsTest, CountsSubmissionsByRouteStatusAndKindInValidPrometheusText) {
  const PromText before = Read();
  const double requests_before =
      before.Value("ketenpoort_http_requests_total", kSubmitted).value_or(0);
  const double accepted_before =
      before.Value("ketenpoort_messages_accepted_total", {{"kind", "signal"}}).value_or(0);
  constexpr int kMessages = 3;
  std::string last;
  for (int i = 0; i < kMessages; ++i) {
    last = Signal("synthetic signal " + std::to_string(i));
    HttpResponse r = Submit(last, "metrics-" + std::to_string(i));
    ASSERT_EQ(r.status, 202) << r.body;
  }
  // The last one again with its Idempotency-Key: a fourth 202, but no new message.
  HttpResponse replay = Submit(last, "metrics-" + std::to_string(kMessages - 1));
  ASSERT_EQ(replay.status, 202) << replay.body;
  // A refused submission is counted under its own status, not as accepted.
  ASSERT_EQ(HttpsClient(dep_->ca_path())
                .Post(dep_->url() + "/v1/messages", "[1,", dep_->Token("shop-denhaag"),
                      {"Content-Type: application/json"})
                .status,
            400);

  // Neither a made-up method nor a raw path becomes a label: both are route="-", method="-".
  HttpsClient client(dep_->ca_path());
  EXPECT_EQ(client.Request("BREW", dep_->url() + "/metrics", "", admin_, {}).status, 405);
  EXPECT_EQ(client.Get(dep_->url() + "/v1/nothing/here", admin_).status, 404);

  // A request is counted once its response's last byte is out, a moment after the client has
  // it: the scrape waits (bounded) until the last requests above are in.
  PromText after;
  EXPECT_TRUE(WaitFor(
      [&] {
        after = Read();
        return after.Value("ketenpoort_http_requests_total", kSubmitted).value_or(0) -
                       requests_before >=
                   kMessages + 1 &&
               after
                   .Value("ketenpoort_http_requests_total",
                          {{"route", "-"}, {"method", "-"}, {"status", "404"}})
                   .has_value() &&
               after
                   .Value("ketenpoort_http_requests_total",
                          {{"route", "-"}, {"method", "-"}, {"status", "405"}})
                   .has_value();
      },
      std::chrono::seconds(5)));
  EXPECT_GE(after
                .Value("ketenpoort_http_requests_total",
                       {{"route", "-"}, {"method", "-"}, {"status", "405"}})
                .value_or(0),
            1);
  EXPECT_GE(after
                .Value("ketenpoort_http_requests_total",
                       {{"route", "-"}, {"method", "-"}, {"status", "404"}})
                .value_or(0),
            1);
  EXPECT_EQ(after.Value("ketenpoort_http_requests_total", kSubmitted).value_or(0) - requests_before,
            kMessages + 1);
  EXPECT_GE(after
                .Value("ketenpoort_http_requests_total",
                       {{"route", "/v1/messages"}, {"method", "POST"}, {"status", "400"}})
                .value_or(0),
            1);
  EXPECT_EQ(after.Value("ketenpoort_messages_accepted_total", {{"kind", "signal"}}).value_or(0) -
                accepted_before,
            kMessages);
  // comensha is on this gateway: each submission delivered at once.
  EXPECT_GE(after.Value("ketenpoort_messages_delivered_total", {{"kind", "signal"}}).value_or(0),
            kMessages);
  EXPECT_EQ(after.types.at("ketenpoort_http_request_duration_seconds"), "histogram");
  EXPECT_GE(after
                .Value("ketenpoort_http_request_duration_seconds_count",
                       {{"route", "/v1/messages"}, {"method", "POST"}})
                .value_or(0),
            kMessages);
  EXPECT_GE(after.Value("ketenpoort_db_commit_duration_seconds_count").value_or(0), kMessages);
  EXPECT_GE(after.Value("ketenpoort_http_open_connections").value_or(0), 1);
  EXPECT_TRUE(after.Value("ketenpoort_tls_handshake_failures_total").has_value());
  EXPECT_EQ(after.Value("ketenpoort_outbox_pending", {{"queue", "messages"}}), 0);
  EXPECT_TRUE(after.Value("ketenpoort_notice_mails_pending").has_value());
  EXPECT_GT(after.Value("ketenpoort_audit_entries").value_or(0), 0);
  // `ketenpoort init` signs the first head.
  EXPECT_TRUE(after.Value("ketenpoort_audit_signed_head_age_seconds").has_value());
  // Never a raw path, a token or an organisation in a label.
  for (const PromSample& s : after.samples) {
    for (const auto& [name, value] : s.labels) {
      EXPECT_EQ(value.find("shop-denhaag"), std::string::npos) << s.name;
      EXPECT_EQ(value.find("/v1/messages/m-"), std::string::npos) << s.name;
      EXPECT_EQ(value.find("nothing"), std::string::npos) << s.name;
      EXPECT_NE(value, "BREW") << s.name;
    }
  }
}

TEST_F(MetricsTest, CountsAFailedTlsHandshake) {
  const double before = Read().Value("ketenpoort_tls_handshake_failures_total").value_or(0);
  // Plain HTTP on the TLS port: the handshake fails.
  HttpResponse plain = HttpsClient(dep_->ca_path())
                           .Get("http://127.0.0.1:" + std::to_string(dep_->port()) + "/healthz");
  EXPECT_NE(plain.status, 200);
  EXPECT_TRUE(WaitFor(
      [&] { return Read().Value("ketenpoort_tls_handshake_failures_total").value_or(0) > before; },
      std::chrono::seconds(5)));
}

TEST_F(MetricsTest, OnlyAnAdminTokenOrAnAllowedAddressMayScrape) {
  EXPECT_EQ(Scrape(admin_).status, 200);
  // Loopback is not in allow_from (192.0.2.0/24): a token is needed, and only an admin's.
  EXPECT_EQ(Scrape("").status, 401);
  EXPECT_EQ(Scrape(dep_->Token("shop-denhaag")).status, 403);
  EXPECT_EQ(Scrape("not-a-token").status, 401);

  ASSERT_EQ(gw_->Terminate(), 0);
  gw_.reset();
  SetAllowFrom({"127.0.0.1", "::1"});
  StartGateway();
  HttpResponse anonymous = Scrape("");
  EXPECT_EQ(anonymous.status, 200) << anonymous.body;
  EXPECT_TRUE(ParsePrometheusText(anonymous.body).error.empty());
  // A token sent from an allowed address is still checked.
  EXPECT_EQ(Scrape(dep_->Token("shop-denhaag")).status, 403);
  EXPECT_EQ(Scrape("not-a-token").status, 401);
}

TEST_F(MetricsTest, AnAddressThatIsNotOneStopsTheGatewayNamingFileAndKey) {
  ASSERT_EQ(gw_->Terminate(), 0);
  gw_.reset();
  SetAllowFrom({"127.0.0.1", "prometheus.example.org"});
  GatewayProcess bad(dep_->config_path());
  CommandResult r = bad.RunToExit();
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("gateway.json: metrics.allow_from[1]"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ketenpoort::testing
