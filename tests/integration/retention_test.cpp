// Retention on a real gateway: `ketenpoort purge` deletes payloads past their kind's retention
// period, keeps headers, tracking and the audit trail, records each purge, and `audit verify`
// still passes afterwards.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;

TEST(RetentionTest, PurgeDropsOldPayloadsKeepsTheTrailAndIsAnEntry) {
  auto dep = Deployment::Create();
  GatewayProcess gw(dep->config_path());
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
  Sealer sealer(dep->dir());
  HttpsClient client(dep->ca_path());
  json body = {
      {"kind", "signal"},
      {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
      {"subject_ref", "pseudonym-aa01"},
      {"payload", sealer.SealBase64("shop-denhaag", {"comensha", "shop-denhaag"}, "synthetic")}};
  auto r = client.Post(dep->url() + "/v1/messages", body.dump(), dep->Token("shop-denhaag"));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = json::parse(r.body)["id"];
  ASSERT_EQ(client.Get(dep->url() + "/v1/messages/" + id, dep->Token("comensha")).status, 200);

  // Within the retention period nothing goes.
  auto today = RunKetenpoort({"purge", "--config", dep->config_path()});
  ASSERT_EQ(today.exit_code, 0) << today.err;
  EXPECT_EQ(today.out, "purged 0 payloads\n");

  // Twenty years on, every kind's period has passed.
  auto later =
      RunKetenpoort({"purge", "--config", dep->config_path(), "--now", "2046-01-01T00:00:00Z"});
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

  auto again =
      RunKetenpoort({"purge", "--config", dep->config_path(), "--now", "2046-01-01T00:00:00Z"});
  EXPECT_EQ(again.out, "purged 0 payloads\n");
  auto exported = RunKetenpoort(
      {"audit", "export", "--config", dep->config_path(), "--subject", "pseudonym-aa01"});
  ASSERT_EQ(exported.exit_code, 0);
  EXPECT_NE(exported.out.find("\"event\":\"purge\""), std::string::npos) << exported.out;
  EXPECT_NE(exported.out.find("\"object\":\"" + id + "\""), std::string::npos);
  auto verify = RunKetenpoort({"audit", "verify", "--config", dep->config_path()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;

  EXPECT_EQ(RunKetenpoort({"purge", "--config", dep->config_path(), "--now", "soon"}).exit_code, 2);
}

}  // namespace
}  // namespace ketenpoort::testing
