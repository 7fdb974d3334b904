// The SMTP client against a real SMTP server on loopback (aiosmtpd): plain, STARTTLS and
// implicit TLS, AUTH with a credentials file, and every refusal.
#include "adapters/transports/smtp_client.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "tests/e2e/servers/test_servers.h"
#include "tests/harness/harness.h"

namespace ketenpoort::transports {
namespace {

using testing::SmtpSink;
using testing::TempDir;

SmtpClient::Config Config(std::string url, std::string from, bool starttls = false,
                          std::string credentials_file = "", std::string ca_file = "") {
  SmtpClient::Config c;
  c.url = std::move(url);
  c.from = std::move(from);
  c.starttls = starttls;
  c.credentials_file = std::move(credentials_file);
  c.ca_file = std::move(ca_file);
  return c;
}

MailMessage Sample() {
  return MailMessage{"recipient@example.org", "Beveiligd bericht — één bestand",
                     "Hallo,\nU heeft een beveiligd bericht.\n",
                     "<p>Hallo, <b>één</b> bericht</p>"};
}

std::string WriteCredentials(const TempDir& dir, const std::string& text, mode_t mode) {
  std::string path = dir.path() + "/smtp.credentials";
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
  return path;
}

TEST(SmtpMimeTest, BuildsMultipartAlternativeWithEncodedSubject) {
  std::string mime = BuildMimeMessage("ketenpoort@example.org", Sample(), 1795326001123, "abc");
  EXPECT_NE(mime.find("From: <ketenpoort@example.org>\r\n"), std::string::npos);
  EXPECT_NE(mime.find("To: <recipient@example.org>\r\n"), std::string::npos);
  EXPECT_NE(mime.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(mime.find("Date: Sun, 22 Nov 2026 05:40:01 +0000\r\n"), std::string::npos);
  EXPECT_NE(mime.find("multipart/alternative; boundary=\"kp-abc\""), std::string::npos);
  EXPECT_NE(mime.find("Content-Type: text/plain; charset=utf-8"), std::string::npos);
  EXPECT_NE(mime.find("Content-Type: text/html; charset=utf-8"), std::string::npos);
  EXPECT_NE(mime.find("--kp-abc--\r\n"), std::string::npos);
  EXPECT_EQ(mime.find("Hallo"), std::string::npos) << "bodies are base64";
  for (std::size_t pos = 0; (pos = mime.find('\n', pos)) != std::string::npos; ++pos)
    ASSERT_EQ(mime[pos - 1], '\r') << "bare LF at " << pos;
}

TEST(SmtpMimeTest, AddressCheck) {
  EXPECT_TRUE(IsPlainMailAddress("a.b+c@example.org"));
  EXPECT_FALSE(IsPlainMailAddress("a@example.org\r\nRCPT TO:<x@example.org>"));
  EXPECT_FALSE(IsPlainMailAddress("A <a@example.org>"));
  EXPECT_FALSE(IsPlainMailAddress("no-at-sign"));
  EXPECT_FALSE(IsPlainMailAddress("a@b@example.org"));
  EXPECT_FALSE(IsPlainMailAddress(""));
}

TEST(SmtpClientTest, DeliversToAPlainRelay) {
  SmtpSink sink;
  ASSERT_TRUE(sink.Start()) << sink.error;
  auto client = SmtpClient::Create(Config(sink.url(), "ketenpoort@example.org", false, "", ""));
  ASSERT_TRUE(client) << client.error().ToString();
  ASSERT_TRUE(client->Send(Sample()));
  auto mails = sink.WaitForMails(1, 10000);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0]["mail_from"], "ketenpoort@example.org");
  EXPECT_EQ(mails[0]["rcpt_to"], nlohmann::json::array({"recipient@example.org"}));
  EXPECT_EQ(mails[0]["subject"], Sample().subject);
  EXPECT_EQ(mails[0]["content_type"], "multipart/alternative");
  EXPECT_EQ(mails[0]["text"], Sample().text);
  EXPECT_EQ(mails[0]["html"], Sample().html);
}

// The sink holds the first session's DATA until the second session sent its own: the two
// Sends succeed only if their sessions run at the same time (serialised, the first is refused
// after the sink's 30 s and the second never starts before that).
TEST(SmtpClientTest, SessionsRunInParallelUpToTheBound) {
  SmtpSink sink({.hold_data = 2});
  ASSERT_TRUE(sink.Start()) << sink.error;
  auto client = SmtpClient::Create(Config(sink.url(), "ketenpoort@example.org"));
  ASSERT_TRUE(client) << client.error().ToString();
  MailMessage second = Sample();
  second.to = "second@example.org";
  Status first_sent = Ok();
  std::thread first([&] { first_sent = client->Send(Sample()); });
  EXPECT_TRUE(client->Send(second));
  first.join();
  EXPECT_TRUE(first_sent) << first_sent.error().ToString();
  EXPECT_EQ(sink.WaitForMails(2, 10000).size(), 2u);
}

// With a bound of one the same two Sends cannot overlap: the session that holds the one slot
// is held alone until the sink gives up on it (refused), and only then the other runs (its DATA
// is the second, so the sink lets it through).
TEST(SmtpClientTest, ABoundOfOneRunsOneSessionAtATime) {
  SmtpSink sink({.hold_data = 2, .hold_timeout_s = 1});
  ASSERT_TRUE(sink.Start()) << sink.error;
  SmtpClient::Config c = Config(sink.url(), "ketenpoort@example.org");
  c.max_sessions = 1;
  auto client = SmtpClient::Create(std::move(c));
  ASSERT_TRUE(client) << client.error().ToString();
  Status first_sent = Ok();
  std::thread first([&] { first_sent = client->Send(Sample()); });
  Status second_sent = client->Send(Sample());
  first.join();
  EXPECT_NE(first_sent.ok(), second_sent.ok());
  EXPECT_EQ(sink.WaitForMails(1, 10000).size(), 1u);
}

class SmtpTlsTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::MakeTestServerCertificates(certs_.path()); }
  std::string Ca() const { return certs_.path() + "/ca.pem"; }
  SmtpSink::Options Tls(SmtpSink::Tls tls) const {
    return {.auth = "relay-user:relay-pass",
            .tls = tls,
            .cert = certs_.path() + "/server.pem",
            .key = certs_.path() + "/server.key"};
  }
  TempDir certs_;
  TempDir files_;
};

TEST_F(SmtpTlsTest, StartTlsWithAuth) {
  SmtpSink sink(Tls(SmtpSink::Tls::kStartTls));
  ASSERT_TRUE(sink.Start()) << sink.error;
  auto client = SmtpClient::Create(
      Config("smtp://localhost:" + std::to_string(sink.port()), "ketenpoort@example.org", true,
             WriteCredentials(files_, "relay-user\nrelay-pass\n", 0600), Ca()));
  ASSERT_TRUE(client) << client.error().ToString();
  Status sent = client->Send(Sample());
  ASSERT_TRUE(sent) << sent.error().ToString();
  auto mails = sink.WaitForMails(1, 10000);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0]["text"], Sample().text);
}

TEST_F(SmtpTlsTest, ImplicitTlsWithAuth) {
  SmtpSink sink(Tls(SmtpSink::Tls::kImplicit));
  ASSERT_TRUE(sink.Start()) << sink.error;
  auto client = SmtpClient::Create(
      Config("smtps://localhost:" + std::to_string(sink.port()), "ketenpoort@example.org", false,
             WriteCredentials(files_, "relay-user\nrelay-pass\n", 0600), Ca()));
  ASSERT_TRUE(client) << client.error().ToString();
  Status sent = client->Send(Sample());
  ASSERT_TRUE(sent) << sent.error().ToString();
  EXPECT_EQ(sink.WaitForMails(1, 10000).size(), 1u);
}

TEST_F(SmtpTlsTest, WrongPasswordIsRefused) {
  SmtpSink sink(Tls(SmtpSink::Tls::kStartTls));
  ASSERT_TRUE(sink.Start()) << sink.error;
  auto client = SmtpClient::Create(
      Config("smtp://localhost:" + std::to_string(sink.port()), "ketenpoort@example.org", true,
             WriteCredentials(files_, "relay-user\nwrong\n", 0600), Ca()));
  ASSERT_TRUE(client);
  Status sent = client->Send(Sample());
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, "smtp_failed");
  EXPECT_EQ(sent.error().message.find("wrong"), std::string::npos);
  EXPECT_TRUE(sink.Received().empty());
}

TEST_F(SmtpTlsTest, UntrustedRelayCertificateIsRefused) {
  SmtpSink sink(Tls(SmtpSink::Tls::kImplicit));
  ASSERT_TRUE(sink.Start()) << sink.error;
  TempDir other;
  testing::MakeTestServerCertificates(other.path());
  auto client =
      SmtpClient::Create(Config("smtps://localhost:" + std::to_string(sink.port()),
                                "ketenpoort@example.org", false, "", other.path() + "/ca.pem"));
  ASSERT_TRUE(client);
  Status sent = client->Send(Sample());
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, "smtp_failed");
}

TEST(SmtpClientTest, RequiredStartTlsFailsAgainstARelayWithoutIt) {
  SmtpSink sink;
  ASSERT_TRUE(sink.Start()) << sink.error;
  auto client = SmtpClient::Create(Config(sink.url(), "ketenpoort@example.org", true, "", ""));
  ASSERT_TRUE(client);
  Status sent = client->Send(Sample());
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, "smtp_failed");
  EXPECT_TRUE(sink.Received().empty());
}

TEST(SmtpClientTest, RefusesBadConfigurationAndAddresses) {
  TempDir dir;
  auto no_tls = SmtpClient::Create(Config("smtp://127.0.0.1:2525", "ketenpoort@example.org", false,
                                          WriteCredentials(dir, "u\np\n", 0600), ""));
  ASSERT_FALSE(no_tls);
  EXPECT_EQ(no_tls.error().code, "invalid_smtp_config");
  auto open_file = SmtpClient::Create(Config("smtps://127.0.0.1:2525", "ketenpoort@example.org",
                                             false, WriteCredentials(dir, "u\np\n", 0644), ""));
  ASSERT_FALSE(open_file);
  EXPECT_EQ(open_file.error().code, "smtp_credentials_invalid");
  EXPECT_FALSE(SmtpClient::Create(Config("http://127.0.0.1/", "a@example.org", false, "", "")));
  EXPECT_FALSE(SmtpClient::Create(Config("smtp://u:p@127.0.0.1/", "a@example.org", false, "", "")));
  EXPECT_FALSE(
      SmtpClient::Create(Config("smtp://127.0.0.1:2525", "not an address", false, "", "")));
  auto ok = SmtpClient::Create(Config("smtp://127.0.0.1:1", "a@example.org", false, "", ""));
  ASSERT_TRUE(ok);
  MailMessage bad = Sample();
  bad.to = "x@example.org>\r\nDATA";
  Status sent = ok->Send(bad);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, "invalid_mail_address");
  Status unreachable = ok->Send(Sample());
  ASSERT_FALSE(unreachable);
  EXPECT_EQ(unreachable.error().code, "smtp_failed");
}

}  // namespace
}  // namespace ketenpoort::transports
