// The examples at the top of gateway/config's headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "gateway/config/gateway_config.h"
#include "gateway/crypto/crypto_test_util.h"

namespace ketenpoort::config {
namespace {

// The example gateway.json of the header's comment, taken from the header itself: the lines
// from "//   {" to "//   }" without their comment prefix.
std::string ExampleFileOfTheHeader() {
  std::ifstream in(std::string(KP_SOURCE_DIR) + "/gateway/config/gateway_config.h");
  std::string line;
  std::string out;
  bool inside = false;
  while (std::getline(in, line) && line.rfind("//", 0) == 0) {
    if (line == "//   {")
      inside = true;
    if (inside)
      out += line.substr(std::min<std::size_t>(line.size(), 5)) + "\n";
    if (inside && line == "//   }")
      break;
  }
  return out;
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
