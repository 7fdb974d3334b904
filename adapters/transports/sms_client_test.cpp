// The SMS client against a local HTTP server standing in for the provider.
#include "adapters/transports/sms_client.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/e2e/servers/test_servers.h"
#include "tests/harness/harness.h"

namespace ketenpoort::transports {
namespace {

using testing::SmsProvider;
using testing::TempDir;

SmsClient::Config Config(std::string url, std::string token_file = "") {
  SmsClient::Config c;
  c.url = std::move(url);
  c.token_file = std::move(token_file);
  return c;
}

std::string WriteToken(const TempDir& dir, const std::string& token, mode_t mode) {
  std::string path = dir.path() + "/sms.token";
  std::ofstream(path) << token << "\n";
  ::chmod(path.c_str(), mode);
  return path;
}

TEST(SmsClientTest, PostsTheMessageWithTheBearerToken) {
  SmsProvider provider("sms-provider-token");
  ASSERT_TRUE(provider.Start()) << provider.error;
  TempDir dir;
  auto sms = SmsClient::Create(Config(provider.url(), WriteToken(dir, "sms-provider-token", 0600)));
  ASSERT_TRUE(sms) << sms.error().ToString();
  Status sent = sms->Send("+31612345678", "Uw code: 123456");
  ASSERT_TRUE(sent) << sent.error().ToString();
  auto got = provider.WaitFor(1, 5000);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["to"], "+31612345678");
  EXPECT_EQ(got[0]["text"], "Uw code: 123456");
  EXPECT_EQ(got[0]["authorization"], "Bearer sms-provider-token");
}

TEST(SmsClientTest, ProviderRefusalsAreErrors) {
  SmsProvider provider("right-token");
  ASSERT_TRUE(provider.Start()) << provider.error;
  TempDir dir;
  auto sms = SmsClient::Create(Config(provider.url(), WriteToken(dir, "wrong-token", 0600)));
  ASSERT_TRUE(sms);
  Status sent = sms->Send("+31612345678", "code");
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, "sms_failed");
  EXPECT_NE(sent.error().message.find("401"), std::string::npos);
  EXPECT_EQ(sent.error().message.find("wrong-token"), std::string::npos);

  SmsProvider failing("", 503);
  ASSERT_TRUE(failing.Start()) << failing.error;
  auto sms2 = SmsClient::Create(Config(failing.url(), ""));
  ASSERT_TRUE(sms2);
  Status down = sms2->Send("+31612345678", "code");
  ASSERT_FALSE(down);
  EXPECT_NE(down.error().message.find("503"), std::string::npos);
}

TEST(SmsClientTest, RefusesBadConfigurationAndPhones) {
  TempDir dir;
  EXPECT_FALSE(SmsClient::Create(Config("http://sms.example.org/send", "")));  // http off loopback
  EXPECT_FALSE(SmsClient::Create(Config("ftp://127.0.0.1/send", "")));
  auto open_token =
      SmsClient::Create(Config("https://sms.example.org/send", WriteToken(dir, "t", 0644)));
  ASSERT_FALSE(open_token);
  EXPECT_EQ(open_token.error().code, "sms_token_invalid");
  auto sms = SmsClient::Create(Config("http://127.0.0.1:1/send", ""));
  ASSERT_TRUE(sms);
  EXPECT_EQ(sms->Send("0612345678", "x").error().code, "invalid_phone");
  EXPECT_EQ(sms->Send("+31 6 1234", "x").error().code, "invalid_phone");
  EXPECT_EQ(sms->Send("+31612345678", "x").error().code, "sms_failed");  // nobody listens
  EXPECT_TRUE(IsE164Phone("+31612345678"));
}

}  // namespace
}  // namespace ketenpoort::transports
