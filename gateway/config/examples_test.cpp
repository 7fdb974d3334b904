// The examples at the top of gateway/config's headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "gateway/config/config_test_util.h"

#include "gateway/config/config_reader.h"
#include "gateway/config/gateway_config.h"
#include "gateway/crypto/crypto_test_util.h"

namespace ketenpoort::config {
namespace {

std::string ExampleFileOfTheHeader() {
  return config::testing::ExampleFileOfHeader("gateway/config/gateway_config.h");
}

// gateway/config/config_reader.h
Status ReadExample(const std::string& dir, std::int64_t& port, std::string& db) {
  const std::string file = dir + "/x.json";
  KP_ASSIGN_OR_RETURN(std::string text, ReadConfigFile(file));
  nlohmann::json root = nlohmann::json::parse(text, nullptr, false);
  ObjectReader top(file, "", root);
  KP_RETURN_IF_ERROR(top.CheckIsObject());
  KP_RETURN_IF_ERROR(
      top.Object("listen", [&](ObjectReader& r) { return r.Integer("port", port, 1, 65535); }));
  KP_RETURN_IF_ERROR(top.CheckNoUnknownKeys());
  db = ResolveConfigPath("/srv/deploy", "x.db");
  return Ok();
}

TEST(ConfigExamples, ConfigReader) {
  crypto::testing::TempDir dir;
  std::int64_t port = 8443;
  std::string db;
  std::ofstream(dir.path() + "/x.json") << R"({"listen": {"port": 9443}})";
  ASSERT_TRUE(ReadExample(dir.path(), port, db));
  EXPECT_EQ(port, 9443);
  EXPECT_EQ(db, "/srv/deploy/x.db");
  std::ofstream(dir.path() + "/x.json") << R"({"listen": {"port": 0}})";
  Status bad = ReadExample(dir.path(), port, db);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, dir.path() + "/x.json: listen.port");
  EXPECT_EQ(bad.error().message, "must be between 1 and 65535");
}

// gateway/config/gateway_config.h
TEST(ConfigExamples, GatewayConfig) {
  crypto::testing::TempDir dir;
  std::filesystem::create_directory(dir.File("deploy"));
  const std::string example = ExampleFileOfTheHeader();
  ASSERT_FALSE(example.empty());
  std::ofstream(dir.File("deploy/gateway.json")) << example;
  std::filesystem::current_path(dir.path());  // the example names a relative file

  auto config = LoadGatewayConfig("deploy/gateway.json");
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  EXPECT_EQ(config->database.path, dir.path() + "/deploy/ketenpoort.db");
  EXPECT_EQ(config->gateway_id, "gw-denhaag");
  EXPECT_TRUE(config->federation.enabled);
  ASSERT_EQ(config->metrics.allow_from.size(), 2u);
  EXPECT_TRUE(config->metrics.allow_from[1].Contains("10.20.1.2"));

  std::string bad = example;
  bad.replace(bad.find("\"port\": 8443"), 12, "\"port\": 0");
  std::ofstream(dir.File("deploy/gateway.json")) << bad;
  auto refused = LoadGatewayConfig("deploy/gateway.json");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().ToString().rfind("deploy/gateway.json: listen.port: ", 0), 0u)
      << refused.error().ToString();
  std::filesystem::current_path("/");
}

}  // namespace
}  // namespace ketenpoort::config
