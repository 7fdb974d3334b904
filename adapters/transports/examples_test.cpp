// The examples at the top of adapters/transports' headers, run as written (adapted only as
// much as needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here. Nothing
// listens on 127.0.0.1 port 1: the sends end in the errors the comments name for an
// unreachable peer; the tests beside each client send to real stand-ins.

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "adapters/transports/curl_handles.h"
#include "adapters/transports/peer_client.h"
#include "adapters/transports/sms_client.h"
#include "adapters/transports/smtp_client.h"
#include "gateway/crypto/crypto_test_util.h"

namespace ketenpoort::transports {
namespace {

// adapters/transports/curl_handles.h
TEST(TransportsExamples, CurlHandles) {
  auto run = []() -> Status {
    if (CurlGlobalInit() != CURLE_OK)  // once per process; safe to call often
      return Internal("curl_init_failed", "curl_global_init failed");
    CurlEasy curl(curl_easy_init());
    CurlSlist headers(curl_slist_append(nullptr, "Accept: application/json"));
    EXPECT_NE(curl, nullptr);
    EXPECT_NE(headers, nullptr);
    return Ok();  // curl_slist_free_all and curl_easy_cleanup run here
  };
  EXPECT_TRUE(run().ok());
  EXPECT_EQ(CurlGlobalInit(), CURLE_OK);
}

// adapters/transports/peer_client.h
TEST(TransportsExamples, PeerClient) {
  crypto::testing::TempDir dir;
  crypto::testing::TestPki pki(dir);
  crypto::testing::TestParty gateway = pki.Issue("gateway", {.tls_client = true});
  const crypto::Keyring& keyring = pki.keys;
  const crypto::Certificate& gateway_cert = gateway.cert;
  const std::string token = "kpt_issued-by-gw-b";
  const std::string body = R"({"id": "m-1"})";
  const std::string message_id = "m-1";
  auto run = [&]() -> Status {
    PeerClient::Config c;
    c.keyring = &keyring;                // must outlive the client
    c.client_key_id = "gateway";         // the key of our gateway's TLS certificate
    c.client_chain = {gateway_cert};     // leaf first, then intermediates
    c.trust_anchors_file = pki.ca_path;  // the only CAs a peer may chain to
    auto client = PeerClient::Create(std::move(c));
    if (!client)
      return client.error();
    auto r = client->PostJson("https://127.0.0.1:1/v1/federation/messages", token, body,
                              {{"Idempotency-Key", message_id}});
    if (!r)
      return r.error();  // no HTTP answer: retry later (backoff.h)
    return Ok();
  };
  Status s = run();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "peer_unreachable");
}

// adapters/transports/sms_client.h
TEST(TransportsExamples, SmsClient) {
  auto run = [](const std::string& phone) -> Status {
    SmsClient::Config c;
    c.url = "http://127.0.0.1:1/v1/send";  // http:// only for a loopback host
    auto sms = SmsClient::Create(std::move(c));
    if (!sms)
      return sms.error();
    KP_RETURN_IF_ERROR(sms->Send(phone, "Your code: 123456"));
    return Ok();
  };
  Status unreachable = run("+31612345678");
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(unreachable.error().code, "sms_failed");
  Status bad_phone = run("0612345678");
  ASSERT_FALSE(bad_phone.ok());
  EXPECT_EQ(bad_phone.error().code, "invalid_phone");
}

// adapters/transports/smtp_client.h
TEST(TransportsExamples, SmtpClient) {
  crypto::testing::TempDir dir;
  const std::string credentials = dir.File("smtp.credentials");
  crypto::testing::WriteFile(credentials, "relay-user\nrelay-password\n");
  std::filesystem::permissions(
      credentials, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto run = [&]() -> Status {
    SmtpClient::Config c;
    c.url = "smtp://127.0.0.1:1";  // smtps://HOST:465 for implicit TLS
    c.from = "ketenpoort@example.org";
    c.starttls = true;                 // refuse to send unless the relay upgrades
    c.credentials_file = credentials;  // "USER\nPASSWORD\n", mode 0600
    auto client = SmtpClient::Create(std::move(c));
    if (!client)
      return client.error();
    MailMessage m{
        .to = "a@example.org", .subject = "Secure message", .text = "...", .html = "<p>...</p>"};
    KP_RETURN_IF_ERROR(client->Send(m));  // the relay accepted it (250 after DATA)
    return Ok();
  };
  Status s = run();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kUnavailable) << s.error().ToString();
}

}  // namespace
}  // namespace ketenpoort::transports
