#include "gateway/config/gateway_config.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

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
  EXPECT_EQ(c->database.blob_dir, "/srv/deploy/kp.db.blobs");
  EXPECT_EQ(c->limits.max_attachment_bytes, std::int64_t{1} << 30);
  EXPECT_EQ(c->limits.upload_ttl_ms, 24 * 3600 * 1000);
}

TEST(GatewayConfigTest, ParsesEveryDocumentedKey) {
  auto c = ParseGatewayConfig("/d/gateway.json", R"({
    "gateway": {"id": "gw-test"},
    "listen": {"host": "127.0.0.1", "port": 8443, "tls_cert": "c.pem", "tls_key": "k.pem",
               "client_ca": "ca.pem"},
    "database": {"path": "x.db", "key_file": "db.key", "blob_dir": "files"},
    "directory": "directory.json", "routes": "routes.json",
    "limits": {"max_body_bytes": 2048, "max_attachment_bytes": 200000000, "upload_ttl_ms": 60000},
    "smtp": {"url": "smtp://127.0.0.1:2525", "from": "ketenpoort@example.org", "starttls": true},
    "sms": {"url": "http://127.0.0.1:9099/send", "token_file": null},
    "portal": {"base_url": "https://localhost:8443"}
  })");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->gateway_id, "gw-test");
  EXPECT_EQ(c->listen.client_ca, "/d/ca.pem");
  EXPECT_EQ(c->limits.max_body_bytes, 2048);
  EXPECT_EQ(c->database.blob_dir, "/d/files");
  EXPECT_EQ(c->limits.max_attachment_bytes, 200000000);
  EXPECT_EQ(c->limits.upload_ttl_ms, 60000);
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
        BadCase{"FederationWithoutTrustAnchors",
                R"({"listen":{"tls_cert":"a","tls_key":"b"},"database":{"path":"d"},
                "directory":"x","routes":"y","federation":{"peers":[]}})",
                "federation.trust_anchors"},
        BadCase{"FederationUnknownKey",
                R"({"listen":{"tls_cert":"a","tls_key":"b"},"database":{"path":"d"},
                "directory":"x","routes":"y","federation":{"trust_anchors":"t","token":"x"}})",
                "federation.token"},
        BadCase{"PeerTokenInConfigIsUnknown",
                R"({"listen":{"tls_cert":"a","tls_key":"b"},"database":{"path":"d"},
                "directory":"x","routes":"y","federation":{"trust_anchors":"t","peers":[
                {"url":"https://127.0.0.1:9444","token_file":"f","token":"kpt_x"}]}})",
                "federation.peers[0].token"},
        BadCase{"PeerWithoutTokenFile",
                R"({"listen":{"tls_cert":"a","tls_key":"b"},"database":{"path":"d"},
                "directory":"x","routes":"y","federation":{"trust_anchors":"t","peers":[
                {"url":"https://127.0.0.1:9444"}]}})",
                "federation.peers[0].token_file"},
        BadCase{"PeerUrlNotHttps",
                R"({"listen":{"tls_cert":"a","tls_key":"b"},"database":{"path":"d"},
                "directory":"x","routes":"y","federation":{"trust_anchors":"t","peers":[
                {"url":"http://127.0.0.1:9444","token_file":"f"}]}})",
                "federation.peers[0].url"},
        BadCase{"PeerUrlWithUser",
                R"({"listen":{"tls_cert":"a","tls_key":"b"},"database":{"path":"d"},
                "directory":"x","routes":"y","federation":{"trust_anchors":"t","peers":[
                {"url":"https://u:p@127.0.0.1:9444","token_file":"f"}]}})",
                "federation.peers[0].url"},
        BadCase{"PeerTwice",
                R"({"listen":{"tls_cert":"a","tls_key":"b"},"database":{"path":"d"},
                "directory":"x","routes":"y","federation":{"trust_anchors":"t","peers":[
                {"url":"https://127.0.0.1:9444","token_file":"f"},
                {"url":"https://127.0.0.1:9444","token_file":"g"}]}})",
                "federation.peers[1].url"},
        BadCase{"PeersNotArray",
                R"({"listen":{"tls_cert":"a","tls_key":"b"},"database":{"path":"d"},
                "directory":"x","routes":"y","federation":{"trust_anchors":"t","peers":{}}})",
                "federation.peers"},
        BadCase{"RetryCapBelowBase",
                R"({"listen":{"tls_cert":"a","tls_key":"b"},"database":{"path":"d"},
                "directory":"x","routes":"y","federation":{"trust_anchors":"t",
                "retry":{"base_ms":1000,"cap_ms":500}}})",
                "federation.retry.cap_ms"},
        BadCase{"RetryMaxAgeZero",
                R"({"listen":{"tls_cert":"a","tls_key":"b"},"database":{"path":"d"},
                "directory":"x","routes":"y","federation":{"trust_anchors":"t",
                "retry":{"max_age_ms":0}}})",
                "federation.retry.max_age_ms"},
        BadCase{"GatewayIdWithSpace",
                R"({"gateway":{"id":"gw a"},"listen":{"tls_cert":"a","tls_key":"b"},
                "database":{"path":"d"},"directory":"x","routes":"y"})",
                "gateway.id"},
        BadCase{"KeyInConfigIsUnknown", R"({"listen":{"tls_cert":"a","tls_key":"b"},
                "database":{"path":"d","key":"00ff"},"directory":"x","routes":"y"})",
                "database.key"}),
    [](const testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

TEST(GatewayConfigTest, ParsesTheAddressesThatMayScrapeMetricsWithoutAToken) {
  auto none = ParseGatewayConfig("/d/gateway.json", kMinimal);
  ASSERT_TRUE(none.ok()) << none.error().ToString();
  EXPECT_TRUE(none->metrics.allow_from.empty());
  auto c = ParseGatewayConfig("/d/gateway.json", R"({
    "listen": {"tls_cert": "c.pem", "tls_key": "k.pem"},
    "database": {"path": "x.db"}, "directory": "directory.json", "routes": "routes.json",
    "metrics": {"allow_from": ["127.0.0.1", "10.20.0.0/16", "fd00::/8"]}
  })");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  ASSERT_EQ(c->metrics.allow_from.size(), 3u);
  EXPECT_EQ(c->metrics.allow_from[1].text(), "10.20.0.0/16");
  EXPECT_TRUE(c->metrics.allow_from[1].Contains("10.20.3.4"));
}

TEST(GatewayConfigTest, RefusesMetricsAddressesThatAreNotAddressesNamingFileAndKey) {
  const std::string head = R"({"listen": {"tls_cert": "c.pem", "tls_key": "k.pem"},
    "database": {"path": "x.db"}, "directory": "d.json", "routes": "r.json", "metrics": )";
  for (const auto& [metrics, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"allow_from": ["127.0.0.1", "prometheus.local"]})", "metrics.allow_from[1]"},
           {R"({"allow_from": ["10.0.0.1/8"]})", "metrics.allow_from[0]"},
           {R"({"allow_from": [7]})", "metrics.allow_from[0]"},
           {R"({"allow_from": "127.0.0.1"})", "metrics.allow_from"},
           {R"({"allow": []})", "metrics.allow"},
       }) {
    auto c = ParseGatewayConfig("/d/gateway.json", head + metrics + "}");
    ASSERT_FALSE(c.ok()) << metrics;
    EXPECT_EQ(c.error().code, "invalid_config");
    EXPECT_EQ(c.error().field, "/d/gateway.json: " + field) << metrics;
  }
}

TEST(GatewayConfigTest, FederationIsOffWithoutItsSection) {
  auto c = ParseGatewayConfig("/srv/deploy/gateway.json", kMinimal);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_FALSE(c->federation.enabled);
  EXPECT_TRUE(c->federation.peers.empty());
}

TEST(GatewayConfigTest, ParsesFederationResolvingPathsWithDefaultRetry) {
  auto c = ParseGatewayConfig("/d/gateway.json", R"({
    "listen": {"tls_cert": "c.pem", "tls_key": "k.pem"},
    "database": {"path": "x.db"}, "directory": "directory.json", "routes": "routes.json",
    "federation": {"trust_anchors": "certs/peers.pem",
                   "peers": [{"url": "https://127.0.0.1:9444", "token_file": "tokens/b.token"},
                             {"url": "https://gw-c.example.org/kp", "token_file": "/t/c"}]}
  })");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  const FederationConfig& f = c->federation;
  EXPECT_TRUE(f.enabled);
  EXPECT_EQ(f.trust_anchors, "/d/certs/peers.pem");
  ASSERT_EQ(f.peers.size(), 2u);
  EXPECT_EQ(f.peers[0].url, "https://127.0.0.1:9444");
  EXPECT_EQ(f.peers[0].token_file, "/d/tokens/b.token");
  EXPECT_EQ(f.peers[1].url, "https://gw-c.example.org/kp");
  EXPECT_EQ(f.peers[1].token_file, "/t/c");
  EXPECT_EQ(f.retry.base_ms, 1000);
  EXPECT_EQ(f.retry.cap_ms, 300000);
  EXPECT_EQ(f.retry.max_age_ms, 86400000);
}

TEST(GatewayConfigTest, ParsesFederationRetry) {
  auto c = ParseGatewayConfig("/d/gateway.json", R"({
    "listen": {"tls_cert": "c.pem", "tls_key": "k.pem"},
    "database": {"path": "x.db"}, "directory": "directory.json", "routes": "routes.json",
    "federation": {"trust_anchors": "peers.pem", "retry": {"base_ms": 100, "cap_ms": 500,
                                                           "max_age_ms": 3000}}
  })");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->federation.retry.base_ms, 100);
  EXPECT_EQ(c->federation.retry.cap_ms, 500);
  EXPECT_EQ(c->federation.retry.max_age_ms, 3000);
  EXPECT_TRUE(c->federation.peers.empty());
}

// A temporary file with `content` and `mode`, removed on destruction.
class TokenFile {
 public:
  TokenFile(const std::string& content, mode_t mode) {
    char pattern[] = "/tmp/kp-token-XXXXXX";
    int fd = ::mkstemp(pattern);
    EXPECT_GE(fd, 0);
    path_ = pattern;
    std::FILE* f = ::fdopen(fd, "w");
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
    ::chmod(path_.c_str(), mode);
  }
  ~TokenFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(GatewayConfigTest, AuditCheckpointsHaveDefaultsAndBounds) {
  auto defaults = ParseGatewayConfig("/d/gateway.json", kMinimal);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->audit.checkpoint_interval_ms, 60000);
  EXPECT_EQ(defaults->audit.checkpoint_every, 1000);
  auto set = ParseGatewayConfig("/d/gateway.json", R"({
    "listen": {"tls_cert": "c.pem", "tls_key": "k.pem"},
    "database": {"path": "x.db"}, "directory": "directory.json", "routes": "routes.json",
    "audit": {"checkpoint_interval_ms": 500, "checkpoint_every": 10}})");
  ASSERT_TRUE(set.ok()) << set.error().ToString();
  EXPECT_EQ(set->audit.checkpoint_interval_ms, 500);
  EXPECT_EQ(set->audit.checkpoint_every, 10);
  auto bad = ParseGatewayConfig("/d/gateway.json", R"({
    "listen": {"tls_cert": "c.pem", "tls_key": "k.pem"},
    "database": {"path": "x.db"}, "directory": "directory.json", "routes": "routes.json",
    "audit": {"checkpoint_every": 0}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "/d/gateway.json: audit.checkpoint_every");
}

TEST(GatewayConfigTest, RemindersHaveDefaultsAndBounds) {
  auto defaults = ParseGatewayConfig("/d/gateway.json", kMinimal);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->reminders.interval_ms, 60000);
  EXPECT_EQ(defaults->reminders.mail_expiry_ms, 86400000);
  EXPECT_TRUE(defaults->kinds.empty());
  auto set = ParseGatewayConfig("/d/gateway.json", R"({
    "listen": {"tls_cert": "c.pem", "tls_key": "k.pem"},
    "database": {"path": "x.db"}, "directory": "directory.json", "routes": "routes.json",
    "reminders": {"interval_ms": 50, "mail_expiry_ms": 5000}})");
  ASSERT_TRUE(set.ok()) << set.error().ToString();
  EXPECT_EQ(set->reminders.interval_ms, 50);
  EXPECT_EQ(set->reminders.mail_expiry_ms, 5000);
  for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
           {R"("reminders": {"interval_ms": 5})", "reminders.interval_ms"},
           // The kinds' deadlines are the kinds' own settings now (kinds.NAME).
           {R"("reminders": {"reflection_months": 3})", "reminders.reflection_months"},
           {R"("reminders": {"colour": 1})", "reminders.colour"}}) {
    auto bad = ParseGatewayConfig("/d/gateway.json", R"({
      "listen": {"tls_cert": "c.pem", "tls_key": "k.pem"},
      "database": {"path": "x.db"}, "directory": "directory.json", "routes": "routes.json",
      )" + body + "}");
    ASSERT_FALSE(bad.ok()) << body;
    EXPECT_EQ(bad.error().field, "/d/gateway.json: " + field);
  }
}

// The loader keeps each kind's settings as given; the kinds check them when the gateway opens
// (kind_registry.h: ConfigureDeadlines), so only the shape is checked here.
TEST(GatewayConfigTest, KindSettingsAreKeptPerKindAndMustBeObjects) {
  auto set = ParseGatewayConfig("/d/gateway.json", R"({
    "listen": {"tls_cert": "c.pem", "tls_key": "k.pem"},
    "database": {"path": "x.db"}, "directory": "directory.json", "routes": "routes.json",
    "kinds": {"referral": {"answer_ms": {"urgent": 7200000}}, "b8": {}}})");
  ASSERT_TRUE(set.ok()) << set.error().ToString();
  ASSERT_EQ(set->kinds.size(), 2u);
  EXPECT_EQ(set->kinds.at("referral").at("answer_ms").at("urgent"), 7200000);
  EXPECT_TRUE(set->kinds.at("b8").empty());
  for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
           {R"("kinds": {"b8": 3})", "kinds.b8"}, {R"("kinds": [])", "kinds"}}) {
    auto bad = ParseGatewayConfig("/d/gateway.json", R"({
      "listen": {"tls_cert": "c.pem", "tls_key": "k.pem"},
      "database": {"path": "x.db"}, "directory": "directory.json", "routes": "routes.json",
      )" + body + "}");
    ASSERT_FALSE(bad.ok()) << body;
    EXPECT_EQ(bad.error().field, "/d/gateway.json: " + field);
  }
}

TEST(ReadTokenFileTest, ReadsTheTokenWithoutItsNewline) {
  TokenFile f("kpt_abcDEF-123_x\n", 0600);
  auto token = ReadTokenFile(f.path());
  ASSERT_TRUE(token.ok()) << token.error().ToString();
  EXPECT_EQ(*token, "kpt_abcDEF-123_x");
}

TEST(ReadTokenFileTest, RefusesAFileReadableByGroupOrOthers) {
  for (mode_t mode : {mode_t{0640}, mode_t{0604}, mode_t{0644}}) {
    TokenFile f("kpt_secret\n", mode);
    auto token = ReadTokenFile(f.path());
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.error().code, "token_file_permissions");
    EXPECT_EQ(token.error().field, f.path());
    EXPECT_EQ(token.error().ToString().find("kpt_secret"), std::string::npos);
  }
}

TEST(ReadTokenFileTest, RefusesEmptyOrMultiWordContentWithoutEchoingIt) {
  for (const char* content : {"", "\n", "kpt_a kpt_b\n", "kpt_a\nkpt_b\n"}) {
    TokenFile f(content, 0600);
    auto token = ReadTokenFile(f.path());
    ASSERT_FALSE(token.ok()) << content;
    EXPECT_EQ(token.error().code, "token_file_invalid");
    EXPECT_EQ(token.error().ToString().find("kpt_"), std::string::npos);
  }
}

TEST(ReadTokenFileTest, AMissingFileIsNamed) {
  auto token = ReadTokenFile("/nonexistent/ketenpoort/peer.token");
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code, "token_file_unreadable");
  EXPECT_EQ(token.error().field, "/nonexistent/ketenpoort/peer.token");
}

TEST(GatewayConfigTest, SecureMailKeys) {
  auto c = ParseGatewayConfig("/d/gateway.json", R"({
    "listen": {"tls_cert": "c.pem", "tls_key": "k.pem"},
    "database": {"path": "db"}, "directory": "dir.json", "routes": "routes.json",
    "smtp": {"url": "smtps://relay.example.org", "from": "gw@example.org",
             "credentials_file": "smtp.credentials", "ca_file": "relay-ca.pem"},
    "sms": {"url": "https://sms.example.org/send", "ca_file": "sms-ca.pem"},
    "portal": {"base_url": "https://gw.example.org", "max_attempts": 3, "max_codes": 4,
               "code_ttl_ms": 60000, "session_ttl_ms": 600000, "deadline_warning_ms": 7200000,
               "worker_interval_ms": 50, "default_lang": "en"}
  })");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->smtp.credentials_file, "/d/smtp.credentials");
  EXPECT_EQ(c->smtp.ca_file, "/d/relay-ca.pem");
  EXPECT_EQ(c->sms.ca_file, "/d/sms-ca.pem");
  EXPECT_EQ(c->portal.key_file, "/d/certs/portal.key.pem");  // the default
  EXPECT_EQ(c->portal.max_attempts, 3);
  EXPECT_EQ(c->portal.max_codes, 4);
  EXPECT_EQ(c->portal.code_ttl_ms, 60000);
  EXPECT_EQ(c->portal.session_ttl_ms, 600000);
  EXPECT_EQ(c->portal.deadline_warning_ms, 7200000);
  EXPECT_EQ(c->portal.worker_interval_ms, 50);
  EXPECT_EQ(c->portal.default_lang, "en");

  auto bad = ParseGatewayConfig("/d/gateway.json", R"({
    "listen": {"tls_cert": "c.pem", "tls_key": "k.pem"},
    "database": {"path": "db"}, "directory": "dir.json", "routes": "routes.json",
    "portal": {"max_attempts": 0}
  })");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "/d/gateway.json: portal.max_attempts");
  auto lang = ParseGatewayConfig("/d/gateway.json", R"({
    "listen": {"tls_cert": "c.pem", "tls_key": "k.pem"},
    "database": {"path": "db"}, "directory": "dir.json", "routes": "routes.json",
    "portal": {"default_lang": "fr"}
  })");
  ASSERT_FALSE(lang.ok());
  EXPECT_EQ(lang.error().field, "/d/gateway.json: portal.default_lang");
}

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
