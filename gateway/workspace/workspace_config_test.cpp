#include "gateway/workspace/workspace_config.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ketenpoort::workspace {
namespace {

using nlohmann::json;

json Minimal() {
  return json::parse(R"({
    "listen": {"port": 8444, "tls_cert": "certs/gw.cert.pem", "tls_key": "certs/gw.key.pem"},
    "database": {"path": "workspace.db", "key_file": "workspace.key"},
    "organisations": [{"id": "shop-denhaag", "gateway_url": "https://127.0.0.1:8443",
                       "token_file": "tokens/shop-denhaag.token",
                       "key_file": "certs/shop-denhaag.key.pem",
                       "cert_file": "certs/shop-denhaag.cert.pem"}]
  })");
}

Result<WorkspaceConfig> Parse(const json& j) {
  return ParseWorkspaceConfig("/srv/ws/workspace.json", j.dump());
}

// The error's field and message for a config that must be refused.
std::string Refusal(const json& j) {
  auto r = Parse(j);
  if (r)
    return "accepted";
  EXPECT_EQ(r.error().code, "invalid_config");
  return r.error().field + ": " + r.error().message;
}

TEST(WorkspaceConfig, MinimalConfigGetsDefaultsAndAbsolutePaths) {
  auto c = Parse(Minimal());
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->listen.address, "127.0.0.1");
  EXPECT_EQ(c->listen.port, 8444);
  EXPECT_EQ(c->listen.tls_key, "/srv/ws/certs/gw.key.pem");
  EXPECT_EQ(c->database.path, "/srv/ws/workspace.db");
  EXPECT_EQ(c->database.key_file, "/srv/ws/workspace.key");
  ASSERT_EQ(c->organisations.size(), 1u);
  const WorkspaceOrganisation* o = c->FindOrganisation("shop-denhaag");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->name, "shop-denhaag");
  EXPECT_EQ(o->token_file, "/srv/ws/tokens/shop-denhaag.token");
  EXPECT_EQ(o->ca_file, "");
  EXPECT_EQ(c->session_idle_timeout_ms, 900000);
  EXPECT_EQ(c->lockout.max_failures, 5);
  EXPECT_EQ(c->lockout.lock_ms, 900000);
  EXPECT_EQ(c->password_cost.time_cost, 3u);
  EXPECT_EQ(c->password_cost.memory_kib, 65536u);
  EXPECT_EQ(c->password_cost.parallelism, 1u);
  EXPECT_EQ(c->FindOrganisation("ind"), nullptr);
}

TEST(WorkspaceConfig, ReadsEveryKey) {
  json j = Minimal();
  j["listen"]["address"] = "0.0.0.0";
  j["organisations"][0]["name"] = "SHOP Den Haag";
  j["organisations"][0]["ca_file"] = "/etc/ca.pem";
  j["session"] = {{"idle_timeout_ms", 120000}};
  j["lockout"] = {{"max_failures", 3}, {"lock_ms", 5000}};
  j["password_hash"] = {{"time_cost", 1}, {"memory_kib", 8192}, {"parallelism", 1}};
  auto c = Parse(j);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->listen.address, "0.0.0.0");
  EXPECT_EQ(c->organisations[0].name, "SHOP Den Haag");
  EXPECT_EQ(c->organisations[0].ca_file, "/etc/ca.pem");
  EXPECT_EQ(c->session_idle_timeout_ms, 120000);
  EXPECT_EQ(c->lockout.max_failures, 3);
  EXPECT_EQ(c->lockout.lock_ms, 5000);
  EXPECT_EQ(c->password_cost.memory_kib, 8192u);
}

TEST(WorkspaceConfig, ErrorsNameTheFileAndTheKey) {
  const std::string f = "/srv/ws/workspace.json: ";
  json j = Minimal();
  j["colour"] = "blue";
  EXPECT_EQ(Refusal(j), f + "colour: unknown key");
  j = Minimal();
  j.erase("listen");
  EXPECT_EQ(Refusal(j), f + "listen: is required");
  j = Minimal();
  j["listen"].erase("port");
  EXPECT_EQ(Refusal(j), f + "listen.port: is required");
  j = Minimal();
  j["listen"]["port"] = 70000;
  EXPECT_EQ(Refusal(j), f + "listen.port: must be between 1 and 65535");
  j = Minimal();
  j["database"].erase("key_file");
  EXPECT_EQ(Refusal(j), f + "database.key_file: is required");
  j = Minimal();
  j["organisations"] = json::array();
  EXPECT_EQ(Refusal(j), f + "organisations: must name at least one organisation");
  j = Minimal();
  j["organisations"][0]["gateway_url"] = "http://127.0.0.1:8443";
  EXPECT_EQ(Refusal(j), f + "organisations[0].gateway_url: must be an https:// URL");
  j = Minimal();
  j["organisations"][0]["id"] = "SHOP Den Haag";
  EXPECT_EQ(Refusal(j).rfind(f + "organisations[0].id: must be an organisation id", 0), 0u);
  j = Minimal();
  j["organisations"].push_back(j["organisations"][0]);
  EXPECT_EQ(Refusal(j), f + "organisations[1].id: names the same organisation as an earlier entry");
  j = Minimal();
  j["organisations"][0].erase("token_file");
  EXPECT_EQ(Refusal(j), f + "organisations[0].token_file: is required");
  j = Minimal();
  j["session"] = {{"idle_timeout_ms", 1000}};
  EXPECT_EQ(Refusal(j), f + "session.idle_timeout_ms: must be between 60000 and 86400000");
  j = Minimal();
  j["lockout"] = {{"max_failures", 0}};
  EXPECT_EQ(Refusal(j), f + "lockout.max_failures: must be between 1 and 100");
  j = Minimal();
  j["password_hash"] = {{"memory_kib", 1024}};
  EXPECT_EQ(Refusal(j), f + "password_hash.memory_kib: must be between 8192 and 1048576");
  auto bad_json = ParseWorkspaceConfig("/srv/ws/workspace.json", "{");
  ASSERT_FALSE(bad_json);
  EXPECT_EQ(bad_json.error().field, "/srv/ws/workspace.json");
}

TEST(WorkspaceConfig, AMissingFileIsNamed) {
  auto r = LoadWorkspaceConfig("/nonexistent/workspace.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "config_unreadable");
  EXPECT_EQ(r.error().field, "/nonexistent/workspace.json");
}

}  // namespace
}  // namespace ketenpoort::workspace
