// Witnessing between real gateways: A keeps the signed tree heads of its peer B, checks that
// each new one extends the one before (consistency proof), and reports a fork when B's history
// is rewritten: here B's deployment is copied, and the copy and the original each add a
// different entry of the same size, so B's key ends up signing two different heads of one size.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "tests/harness/harness.h"
#include "tests/harness/prometheus_text.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
    s.pop_back();
  return s;
}

TEST(WitnessFederationTest, APeersGrowingTrailIsKeptAndARewrittenOneIsAFork) {
  auto a = Deployment::Create();
  auto b = Deployment::Create();

  // A trusts B's CA and holds a peer token that B issued to it, bound to A's URL and TLS
  // certificate; B asks its clients for certificates (its own CA's and A's), so the token works.
  auto issued = RunKetenpoort({"token", "issue", "--config", b->config_path(), "--org", "gw-a",
                               "--role", "peer", "--gateway-url", a->url(), "--cert",
                               a->dir() + "/certs/gateway.cert.pem"});
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  std::ofstream(b->dir() + "/certs/clients.pem")
      << ReadFileOrEmpty(b->ca_path()) << ReadFileOrEmpty(a->ca_path());
  json b_config = json::parse(ReadFileOrEmpty(b->config_path()));
  b_config["listen"]["client_ca"] = "certs/clients.pem";
  std::ofstream(b->config_path()) << b_config.dump(2);
  HttpsOptions to_b;  // how the test itself reaches B: as comensha
  to_b.client_cert = b->dir() + "/certs/comensha.cert.pem";
  to_b.client_key = b->dir() + "/certs/comensha.key.pem";
  const std::string token_file = a->dir() + "/tokens/peer-b.token";
  std::ofstream(token_file) << Trim(issued.out) << "\n";
  ::chmod(token_file.c_str(), 0600);
  std::ofstream(a->dir() + "/certs/peers.pem") << ReadFileOrEmpty(b->ca_path());
  json config = json::parse(ReadFileOrEmpty(a->config_path()));
  config["gateway"]["id"] = "gw-a";
  config["federation"] = {{"trust_anchors", "certs/peers.pem"},
                          {"peers", {{{"url", b->url()}, {"token_file", "tokens/peer-b.token"}}}}};
  config["audit"] = {{"witness_interval_ms", 200}};
  config["metrics"] = {{"allow_from", {"127.0.0.1"}}};
  std::ofstream(a->config_path()) << config.dump(2);

  const std::string auditor =
      Trim(ReadFileOrEmpty(a->dir() + "/tokens/shop-denhaag.auditor.token"));
  HttpsClient to_a(a->ca_path());
  auto witness = [&]() -> json {
    auto r = to_a.Get(a->url() + "/v1/audit/witness", auditor);
    EXPECT_EQ(r.status, 200) << r.body;
    json peers = r.status == 200 ? json::parse(r.body)["peers"] : json::array();
    return peers.empty() ? json::object() : peers[0];
  };
  // What a scraper of A sees about B (GET /metrics, no token from loopback): 1 for a fork.
  const std::string b_host = b->url().substr(std::string("https://").size());
  auto fork_metric = [&]() -> double {
    auto r = to_a.Get(a->url() + "/metrics");
    PromText t = ParsePrometheusText(r.body);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(t.error.empty()) << t.error;
    EXPECT_TRUE(t.Value("ketenpoort_witness_check_age_seconds", {{"peer", b_host}}).has_value());
    return t.Value("ketenpoort_witness_fork", {{"peer", b_host}}).value_or(-1);
  };
  auto witnessed_size = [&]() -> std::uint64_t {
    json w = witness();
    return w.contains("head") ? w["head"]["size"].get<std::uint64_t>() : 0;
  };
  auto b_size = [&](const Deployment& d) {
    auto r =
        HttpsClient(d.ca_path(), to_b).Get(d.url() + "/v1/audit/checkpoint", d.Token("comensha"));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? json::parse(r.body)["size"].get<std::uint64_t>() : 0;
  };

  auto b1 = std::make_unique<GatewayProcess>(b->config_path());
  ASSERT_TRUE(b1->Start(b->port(), b->ca_path(), 15000, to_b)) << b1->error;
  GatewayProcess gw_a(a->config_path());
  ASSERT_TRUE(gw_a.Start(a->port(), a->ca_path())) << gw_a.error;
  const std::uint64_t first = b_size(*b);
  ASSERT_TRUE(WaitFor([&] { return witnessed_size() == first; }, std::chrono::seconds(15)))
      << gw_a.Log();
  EXPECT_EQ(witness()["status"], "consistent");
  EXPECT_EQ(fork_metric(), 0);

  // A copy of B as it is now: the same keys, the same trail.
  ASSERT_EQ(b1->Terminate(), 0);
  TempDir copy;
  ASSERT_EQ(RunShell("cp -a '" + b->dir() + "/.' '" + copy.path() + "'").exit_code, 0);

  // B grows (a token issue is an entry, and signs a head); A sees it extend what it kept.
  b1 = std::make_unique<GatewayProcess>(b->config_path());
  ASSERT_TRUE(b1->Start(b->port(), b->ca_path(), 15000, to_b)) << b1->error;
  ASSERT_EQ(RunKetenpoort({"token", "issue", "--config", b->config_path(), "--org", "comensha",
                           "--role", "recipient"})
                .exit_code,
            0);
  const std::uint64_t grown = b_size(*b);
  ASSERT_GT(grown, first);
  ASSERT_TRUE(WaitFor([&] { return witnessed_size() == grown; }, std::chrono::seconds(15)))
      << gw_a.Log();
  EXPECT_EQ(witness()["status"], "consistent");
  ASSERT_EQ(b1->Terminate(), 0);

  // The copy takes B's place with another entry of the same size: a second history.
  const std::string copy_config = copy.path() + "/gateway.json";
  ASSERT_EQ(RunKetenpoort(
                {"token", "issue", "--config", copy_config, "--org", "ind", "--role", "recipient"})
                .exit_code,
            0);
  GatewayProcess b2(copy_config);
  ASSERT_TRUE(b2.Start(b->port(), b->ca_path(), 15000, to_b)) << b2.error;
  ASSERT_TRUE(WaitFor([&] { return witness()["status"] == "fork"; }, std::chrono::seconds(15)))
      << gw_a.Log();
  json w = witness();
  EXPECT_NE(w["problem"].get<std::string>().find("two different signed heads of size " +
                                                 std::to_string(grown)),
            std::string::npos)
      << w.dump();
  EXPECT_NE(gw_a.Log().find("audit_fork_detected"), std::string::npos);
  EXPECT_EQ(fork_metric(), 1);

  // The operator investigates and clears the fork while A runs: the evidence stays as an
  // archive, and the peer's next head is trusted anew, so the second history is now followed.
  const std::string peer = w["peer"];
  EXPECT_EQ(RunKetenpoort({"audit", "fork", "clear", "--config", a->config_path(), "--peer", peer,
                           "--reason", ""})
                .exit_code,
            2)
      << "a clear needs a reason";
  CommandResult cleared =
      RunKetenpoort({"audit", "fork", "clear", "--config", a->config_path(), "--peer", peer,
                     "--reason", "gw-b restored from a backup; its operator confirmed"});
  ASSERT_EQ(cleared.exit_code, 0) << cleared.err;
  ASSERT_TRUE(
      WaitFor([&] { return witness()["status"] == "consistent"; }, std::chrono::seconds(15)))
      << gw_a.Log();
  auto all = to_a.Get(a->url() + "/v1/audit/witness", auditor);
  ASSERT_EQ(all.status, 200);
  json peers = json::parse(all.body)["peers"];
  ASSERT_EQ(peers.size(), 2u) << peers.dump();
  EXPECT_EQ(peers[1]["status"], "cleared");
  EXPECT_EQ(peers[1]["peer"].get<std::string>().rfind(peer + "#fork-cleared-", 0), 0u);
  EXPECT_NE(peers[1]["problem"].get<std::string>().find("cleared: gw-b restored"),
            std::string::npos);
  EXPECT_EQ(RunKetenpoort({"audit", "fork", "clear", "--config", a->config_path(), "--peer", peer,
                           "--reason", "again"})
                .exit_code,
            1)
      << "no fork left to clear";
  EXPECT_EQ(b2.Terminate(), 0);
  EXPECT_EQ(gw_a.Terminate(), 0);

  auto exported = RunKetenpoort({"audit", "export", "--config", a->config_path()});
  EXPECT_NE(exported.out.find("\"outcome\":\"fork_detected\""), std::string::npos);
  EXPECT_NE(exported.out.find("\"outcome\":\"fork_cleared\""), std::string::npos);
  EXPECT_EQ(RunKetenpoort({"audit", "verify", "--config", a->config_path()}).exit_code, 0);
}

}  // namespace
}  // namespace ketenpoort::testing
