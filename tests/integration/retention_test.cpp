// Retention on a real gateway: `ketenpoort purge` deletes payloads past their kind's retention
// period, keeps headers, tracking and the audit trail, records each purge, and `audit verify`
// still passes afterwards. A simulated time (`--now`) is for tests only and leaves its trace.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;

// The switch that lets `purge --now` simulate a time (tests only).
const std::map<std::string, std::string> kSimulated = {{"KETENPOORT_ALLOW_SIMULATED_TIME", "1"}};

TEST(RetentionTest, PurgeDropsOldPayloadsKeepsTheTrailAndIsAnEntry) {
  auto dep = Deployment::Create();
  GatewayProcess gw(dep->config_path());
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
  Sealer sealer(dep->dir());
  HttpsClient client(dep->ca_path());
  json body = {
      {"kind", "signal"},
      {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
      {"subject_ref", "faa4be2680255c2617b287da85e6f9353f5b4107c1e32e7fbed40c41bb83ed40"},
      {"payload", sealer.SealBase64("shop-denhaag", {"comensha", "shop-denhaag"}, "synthetic")}};
  auto r = client.Post(dep->url() + "/v1/messages", body.dump(), dep->Token("shop-denhaag"));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = json::parse(r.body)["id"];
  ASSERT_EQ(client.Get(dep->url() + "/v1/messages/" + id, dep->Token("comensha")).status, 200);

  // Within the retention period nothing goes.
  auto today = RunKetenpoort({"purge", "--config", dep->config_path()});
  ASSERT_EQ(today.exit_code, 0) << today.err;
  EXPECT_EQ(today.out, "purged 0 payloads\n");

  // A simulated time is for tests only: refused without the test switch, nothing purged.
  auto refused =
      RunKetenpoort({"purge", "--config", dep->config_path(), "--now", "2046-01-01T00:00:00Z"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("KETENPOORT_ALLOW_SIMULATED_TIME"), std::string::npos) << refused.err;
  ASSERT_EQ(client.Get(dep->url() + "/v1/messages/" + id, dep->Token("comensha")).status, 200);

  // Twenty years on, every kind's period has passed.
  auto later = RunKetenpoort(
      {"purge", "--config", dep->config_path(), "--now", "2046-01-01T00:00:00Z"}, kSimulated);
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_EQ(later.out, "purged 1 payloads\n");
  auto gone = client.Get(dep->url() + "/v1/messages/" + id, dep->Token("comensha"));
  EXPECT_EQ(gone.status, 410);
  EXPECT_EQ(json::parse(gone.body)["error"]["code"], "message_purged");
  // The header and its tracking stay.
  auto tracking =
      client.Get(dep->url() + "/v1/messages/" + id + "/tracking", dep->Token("shop-denhaag"));
  ASSERT_EQ(tracking.status, 200);
  EXPECT_EQ(json::parse(tracking.body)["recipients"][0]["state"], "received");
  EXPECT_EQ(gw.Terminate(), 0);

  auto again = RunKetenpoort(
      {"purge", "--config", dep->config_path(), "--now", "2046-01-01T00:00:00Z"}, kSimulated);
  EXPECT_EQ(again.out, "purged 0 payloads\n");
  auto exported =
      RunKetenpoort({"audit", "export", "--config", dep->config_path(), "--subject",
                     "faa4be2680255c2617b287da85e6f9353f5b4107c1e32e7fbed40c41bb83ed40"});
  ASSERT_EQ(exported.exit_code, 0);
  EXPECT_NE(exported.out.find("\"event\":\"purge\""), std::string::npos) << exported.out;
  EXPECT_NE(exported.out.find("\"object\":\"" + id + "\""), std::string::npos);
  // The entry carries the real time, and the simulated one as the reason it came early.
  bool found = false;
  for (std::size_t at = 0, end; at < exported.out.size(); at = end + 1) {
    end = exported.out.find('\n', at);
    if (end == std::string::npos)
      end = exported.out.size();
    const std::string line = exported.out.substr(at, end - at);
    if (line.find("\"event\":\"purge\"") == std::string::npos)
      continue;
    const json entry = json::parse(line);
    found = true;
    EXPECT_EQ(entry["time"].get<std::string>().rfind("2046", 0), std::string::npos) << line;
    EXPECT_NE(entry["authorisation_basis"].get<std::string>().find(
                  "simulated_time=2046-01-01T00:00:00.000Z"),
              std::string::npos)
        << line;
  }
  EXPECT_TRUE(found) << exported.out;
  auto verify = RunKetenpoort({"audit", "verify", "--config", dep->config_path()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;

  EXPECT_EQ(RunKetenpoort({"purge", "--config", dep->config_path(), "--now", "soon"}, kSimulated)
                .exit_code,
            2);
}

}  // namespace
}  // namespace ketenpoort::testing
