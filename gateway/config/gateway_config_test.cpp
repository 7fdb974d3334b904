#include "gateway/config/gateway_config.h"

#include <gtest/gtest.h>

#include <string>

namespace ketenpoort::config {
namespace {

constexpr const char* kMinimal = R"({
  "listen": {"port": 9443, "tls_cert": "certs/gw.cert.pem", "tls_key": "certs/gw.key.pem"},
  "database": {"path": "kp.db", "key_file": "db.key"},
  "directory": "directory.json",
  "routes": "/etc/ketenpoort/routes.json"
})";

TEST(GatewayConfigTest, ParsesMinimalConfigAndResolvesRelativePaths) {
  auto c = ParseGatewayConfig("/srv/deploy/gateway.json", kMinimal);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->listen.port, 9443);
  EXPECT_EQ(c->listen.host, "0.0.0.0");
  EXPECT_EQ(c->listen.tls_cert, "/srv/deploy/certs/gw.cert.pem");
  EXPECT_EQ(c->database.path, "/srv/deploy/kp.db");
  EXPECT_EQ(c->database.key_file, "/srv/deploy/db.key");
  EXPECT_EQ(c->routes, "/etc/ketenpoort/routes.json");
  EXPECT_EQ(c->listen.client_ca, "");
  EXPECT_EQ(c->limits.max_body_bytes, 16 * 1024 * 1024);
}

TEST(GatewayConfigTest, ParsesEveryDocumentedKey) {
  auto c = ParseGatewayConfig("/d/gateway.json", R"({
    "gateway": {"id": "gw-test"},
    "listen": {"host": "127.0.0.1", "port": 8443, "tls_cert": "c.pem", "tls_key": "k.pem",
               "client_ca": "ca.pem"},
    "database": {"path": "x.db", "key_file": "db.key"},
    "directory": "directory.json", "routes": "routes.json",
    "limits": {"max_body_bytes": 2048},
    "smtp": {"url": "smtp://127.0.0.1:2525", "from": "ketenpoort@example.org", "starttls": true},
    "sms": {"url": "http://127.0.0.1:9099/send", "token_file": null},
    "portal": {"base_url": "https://localhost:8443"}
  })");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->gateway_id, "gw-test");
  EXPECT_EQ(c->listen.client_ca, "/d/ca.pem");
  EXPECT_EQ(c->limits.max_body_bytes, 2048);
  EXPECT_TRUE(c->smtp.starttls);
  EXPECT_EQ(c->sms.token_file, "");
  EXPECT_EQ(c->portal.base_url, "https://localhost:8443");
}

struct BadCase {
  const char* name;
  const char* text;
  const char* field;  // expected field, after "FILE: "
};

class GatewayConfigBadTest : public testing::TestWithParam<BadCase> {};

TEST_P(GatewayConfigBadTest, NamesFileAndField) {
  auto c = ParseGatewayConfig("gw.json", GetParam().text);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(c.error().code, "invalid_config");
  EXPECT_EQ(c.error().field, std::string("gw.json: ") + GetParam().field) << c.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, GatewayConfigBadTest,
    testing::Values(
        BadCase{"UnknownTopKey",
                R"({"listen":{"tls_cert":"a","tls_key":"b"},"database":{"path":"d"},
                "directory":"x","routes":"y","colour":"blue"})",
                "colour"},
        BadCase{"UnknownNestedKey", R"({"listen":{"tls_cert":"a","tls_key":"b","prot":1},
                "database":{"path":"d"},"directory":"x","routes":"y"})",
                "listen.prot"},
        BadCase{"WrongTypePort", R"({"listen":{"port":"8443","tls_cert":"a","tls_key":"b"},
                "database":{"path":"d"},"directory":"x","routes":"y"})",
                "listen.port"},
        BadCase{"PortOutOfRange", R"({"listen":{"port":70000,"tls_cert":"a","tls_key":"b"},
                "database":{"path":"d"},"directory":"x","routes":"y"})",
                "listen.port"},
        BadCase{"MissingListen", R"({"database":{"path":"d"},"directory":"x","routes":"y"})",
                "listen"},
        BadCase{"MissingTlsKey", R"({"listen":{"tls_cert":"a"},"database":{"path":"d"},
                "directory":"x","routes":"y"})",
                "listen.tls_key"},
        BadCase{"MissingRoutes",
                R"({"listen":{"tls_cert":"a","tls_key":"b"},"database":{"path":"d"},
                "directory":"x"})",
                "routes"},
        BadCase{"WrongTypeStarttls",
                R"({"listen":{"tls_cert":"a","tls_key":"b"},"database":{"path":"d"},
                "directory":"x","routes":"y","smtp":{"starttls":"yes"}})",
                "smtp.starttls"},
        BadCase{"DatabaseNotObject", R"({"listen":{"tls_cert":"a","tls_key":"b"},"database":"d",
                "directory":"x","routes":"y"})",
                "database"},
        BadCase{"KeyInConfigIsUnknown", R"({"listen":{"tls_cert":"a","tls_key":"b"},
                "database":{"path":"d","key":"00ff"},"directory":"x","routes":"y"})",
                "database.key"}),
    [](const testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

TEST(GatewayConfigTest, MalformedJsonNamesTheFile) {
  auto c = ParseGatewayConfig("gw.json", "{\"listen\": ");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().field, "gw.json");
  EXPECT_EQ(c.error().message, "is not valid JSON");
}

TEST(GatewayConfigTest, MissingFileNamesTheFile) {
  auto c = LoadGatewayConfig("/nonexistent/ketenpoort/gateway.json");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "config_unreadable");
  EXPECT_EQ(c.error().field, "/nonexistent/ketenpoort/gateway.json");
}

}  // namespace
}  // namespace ketenpoort::config
