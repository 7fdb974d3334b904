// Talks to a real in-process HttpsServer on 127.0.0.1 with mutual TLS, certificates made by the
// keyring in the test (crypto_test_util.h).
#include "adapters/transports/peer_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gateway/api/https_server.h"
#include "gateway/api/router.h"
#include "gateway/crypto/crypto_test_util.h"

namespace ketenpoort::transports {
namespace {

using crypto::Certificate;
using crypto::CertificateRequest;
using crypto::Keyring;
using crypto::testing::TempDir;
using crypto::testing::TestPki;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr const char* kToken = "peer-token-7f3a9c1e5b";

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// A leaf certificate for `id` (whose key `pki.keys` holds after GenerateKeyFile + LoadKeyFile),
// issued by `pki`'s CA.
Certificate IssueLeaf(TestPki& pki, const TempDir& dir, const std::string& id, bool server) {
  std::string key_path = dir.File(id + ".key");
  auto pub = Keyring::GenerateKeyFile(key_path);
  EXPECT_TRUE(pub.ok());
  EXPECT_TRUE(pki.keys.LoadKeyFile(id, key_path).ok());
  CertificateRequest req;
  req.common_name = id;
  req.organization = "Ketenpoort test";
  req.public_key_pem = pub ? *pub : "";
  req.validity_days = 2;
  if (server) {
    req.ip_addresses = {"127.0.0.1"};
    req.dns_names = {"localhost"};
    req.tls_server = true;
  } else {
    req.tls_client = true;
  }
  auto cert = pki.keys.IssueCertificate(pki.ca_id, &pki.ca, req);
  EXPECT_TRUE(cert.ok());
  return *cert;
}

class PeerClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_cert_ = IssueLeaf(pki_, dir_, "gw-b-tls", /*server=*/true);
    client_cert_ = IssueLeaf(pki_, dir_, "gw-a-tls", /*server=*/false);
    intruder_cert_ = IssueLeaf(other_pki_, dir_, "intruder-tls", /*server=*/false);

    router_.Add("POST", "/v1/echo", api::Access::AnyToken(), [this](api::Request& req) {
      ++handled_;
      auto body = api::ParseJsonBody(req);
      if (!body)
        return api::Response::FromError(body.error());
      return api::Response::Json(200,
                                 {{"echo", *body},
                                  {"expect_header", req.Header("Expect").has_value()},
                                  {"idempotency_key", req.Header("Idempotency-Key").value_or("")}});
    });
    router_.Add("GET", "/v1/slow", api::Access::AnyToken(), [this](api::Request&) {
      ++handled_;
      std::this_thread::sleep_for(milliseconds(1500));  // a stalling peer is what is tested
      return api::Response::Json(200, {{"slow", true}});
    });
    router_.Add("GET", "/v1/big", api::Access::AnyToken(), [](api::Request&) {
      return api::Response::Json(200, {{"data", std::string(64 * 1024, 'x')}});
    });

    server_ = StartServer("gw-b-tls", server_cert_, &base_url_);
    ASSERT_TRUE(server_ != nullptr);
  }

  // Starts a mutual-TLS server on a free loopback port with key `key_id` and `cert`, sets `url`
  // to its base URL. A free port can be taken by someone else before Start binds it: tries a few.
  std::unique_ptr<api::HttpsServer> StartServer(const std::string& key_id, const Certificate& cert,
                                                std::string* url) {
    for (int tries = 0; tries < 5; ++tries) {
      const int port = FreeLoopbackPort();
      api::HttpsServer::Config c;
      c.host = "127.0.0.1";
      c.port = port;
      c.install_certificate_and_key = [this, key_id, cert](SSL_CTX* ctx) {
        return pki_.keys.InstallInTlsContext(key_id, {cert}, ctx);
      };
      c.client_ca_file = pki_.ca_path;
      c.max_body_bytes = 1024 * 1024;
      c.drain_timeout = milliseconds(3000);
      c.authenticate = [](std::string_view token, const api::Request&) -> Result<Principal> {
        if (token != kToken)
          return Unauthenticated("unknown token");
        return Principal{.token_id = 1, .org = "gw-a", .role = Role::kPeer, .user = ""};
      };
      auto server = std::make_unique<api::HttpsServer>(std::move(c));
      if (server->Start(router_)) {
        *url = "https://127.0.0.1:" + std::to_string(port);
        return server;
      }
    }
    return nullptr;
  }

  void TearDown() override {
    if (server_)
      server_->Stop();
  }

  PeerClient::Config ClientConfig(Keyring* keys, const std::string& key_id, const Certificate& cert,
                                  const std::string& anchors) {
    PeerClient::Config c;
    c.keyring = keys;
    c.client_key_id = key_id;
    c.client_chain = {cert};
    c.trust_anchors_file = anchors;
    c.connect_timeout = milliseconds(2000);
    c.total_timeout = milliseconds(5000);
    return c;
  }

  PeerClient GoodClient() {
    auto client =
        PeerClient::Create(ClientConfig(&pki_.keys, "gw-a-tls", client_cert_, pki_.ca_path));
    EXPECT_TRUE(client.ok()) << (client ? "" : client.error().ToString());
    return std::move(client).value();
  }

  TempDir dir_;
  TestPki pki_{dir_, "ca"};
  TestPki other_pki_{dir_, "other-ca"};
  Certificate server_cert_ = pki_.ca;
  Certificate client_cert_ = pki_.ca;
  Certificate intruder_cert_ = pki_.ca;
  api::Router router_;
  std::unique_ptr<api::HttpsServer> server_;
  std::string base_url_;
  std::atomic<int> handled_{0};
};

TEST_F(PeerClientTest, PostWithTheRightClientCertificateSucceeds) {
  PeerClient client = GoodClient();
  auto r = client.PostJson(base_url_ + "/v1/echo", kToken, R"({"id":"m-1","n":7})",
                           {{"Idempotency-Key", "m-1"}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  json body = json::parse(r->body);
  EXPECT_EQ(body["echo"], json({{"id", "m-1"}, {"n", 7}}));
  EXPECT_EQ(body["idempotency_key"], "m-1");
  EXPECT_EQ(handled_.load(), 1);
}

TEST_F(PeerClientTest, LargeBodyIsSentWithoutExpectContinue) {
  PeerClient client = GoodClient();
  // curl adds "Expect: 100-continue" above 1 KiB by default; deliveries do without it.
  json payload = {{"payload", std::string(200 * 1024, 'A')}};
  auto start = steady_clock::now();
  auto r = client.PostJson(base_url_ + "/v1/echo", kToken, payload.dump());
  auto elapsed = steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  json body = json::parse(r->body);
  EXPECT_EQ(body["expect_header"], false);
  EXPECT_EQ(body["echo"]["payload"].get<std::string>().size(), 200u * 1024u);
  EXPECT_LT(elapsed, milliseconds(900));
}

TEST_F(PeerClientTest, ReusesTheClientForSeveralRequests) {
  PeerClient client = GoodClient();
  for (int i = 0; i < 5; ++i) {
    auto r = client.PostJson(base_url_ + "/v1/echo", kToken, json({{"i", i}}).dump());
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(json::parse(r->body)["echo"]["i"], i);
  }
  EXPECT_EQ(handled_.load(), 5);
}

TEST_F(PeerClientTest, SharedClientIsSafeAcrossThreads) {
  PeerClient client = GoodClient();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        auto r = client.PostJson(base_url_ + "/v1/echo", kToken, json({{"t", t}}).dump());
        if (r && r->status == 200 && json::parse(r->body)["echo"]["t"] == t)
          ++ok;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(ok.load(), 12);
}

TEST_F(PeerClientTest, HttpErrorStatusIsAValueNotAnError) {
  PeerClient client = GoodClient();
  auto r = client.PostJson(base_url_ + "/v1/echo", "wrong-token", "{}");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(json::parse(r->body)["error"]["code"], "unauthenticated");
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(PeerClientTest, GetReturnsTheBody) {
  PeerClient client = GoodClient();
  auto r = client.Get(base_url_ + "/v1/big", kToken);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["data"].get<std::string>().size(), 64u * 1024u);
}

TEST_F(PeerClientTest, ClientCertificateFromAnotherCaIsRefused) {
  auto client = PeerClient::Create(
      ClientConfig(&other_pki_.keys, "intruder-tls", intruder_cert_, pki_.ca_path));
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  auto r = client->PostJson(base_url_ + "/v1/echo", kToken, "{}");
  ASSERT_FALSE(r.ok()) << "status " << r->status;
  EXPECT_EQ(r.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(r.error().code, "peer_unreachable");
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(PeerClientTest, ServerCertificateFromAnUnknownCaIsRefused) {
  // Our own certificate is fine for the server, but we trust only the other CA.
  auto client =
      PeerClient::Create(ClientConfig(&pki_.keys, "gw-a-tls", client_cert_, other_pki_.ca_path));
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  auto r = client->PostJson(base_url_ + "/v1/echo", kToken, "{}");
  ASSERT_FALSE(r.ok()) << "status " << r->status;
  EXPECT_EQ(r.error().code, "peer_unreachable");
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(PeerClientTest, ServerCertificateForAnotherHostIsRefused) {
  // Issued by our CA, but for gw-c.example.org only: not the host we connect to (127.0.0.1).
  std::string key_path = dir_.File("gw-c-tls.key");
  auto pub = Keyring::GenerateKeyFile(key_path);
  ASSERT_TRUE(pub.ok());
  ASSERT_TRUE(pki_.keys.LoadKeyFile("gw-c-tls", key_path).ok());
  CertificateRequest req;
  req.common_name = "gw-c.example.org";
  req.public_key_pem = *pub;
  req.dns_names = {"gw-c.example.org"};
  req.tls_server = true;
  auto cert = pki_.keys.IssueCertificate(pki_.ca_id, &pki_.ca, req);
  ASSERT_TRUE(cert.ok());
  std::string url;
  auto other = StartServer("gw-c-tls", *cert, &url);
  ASSERT_TRUE(other != nullptr);

  PeerClient client = GoodClient();
  auto r = client.PostJson(url + "/v1/echo", kToken, "{}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "peer_unreachable");
  EXPECT_NE(r.error().message.find("certificate"), std::string::npos) << r.error().message;
  EXPECT_EQ(handled_.load(), 0);
  other->Stop();
}

TEST_F(PeerClientTest, NothingListeningIsUnreachableQuicklyAndNamesOnlyTheHost) {
  PeerClient client = GoodClient();
  const int port = FreeLoopbackPort();
  auto start = steady_clock::now();
  auto r = client.PostJson("https://127.0.0.1:" + std::to_string(port) + "/v1/echo", kToken,
                           "{\"secret_field\":1}");
  auto elapsed = steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(r.error().code, "peer_unreachable");
  EXPECT_NE(r.error().message.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().ToString().find(kToken), std::string::npos);
  EXPECT_EQ(r.error().ToString().find("secret_field"), std::string::npos);
  EXPECT_LT(elapsed, milliseconds(1000));
}

TEST_F(PeerClientTest, TotalTimeoutCutsASlowPeer) {
  auto config = ClientConfig(&pki_.keys, "gw-a-tls", client_cert_, pki_.ca_path);
  config.connect_timeout = milliseconds(300);
  config.total_timeout = milliseconds(400);
  auto client = PeerClient::Create(std::move(config));
  ASSERT_TRUE(client.ok());
  auto start = steady_clock::now();
  auto r = client->Get(base_url_ + "/v1/slow", kToken);
  auto elapsed = steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "peer_unreachable");
  EXPECT_LT(elapsed, milliseconds(1200));
}

TEST_F(PeerClientTest, ResponseAboveTheLimitIsRefused) {
  auto config = ClientConfig(&pki_.keys, "gw-a-tls", client_cert_, pki_.ca_path);
  config.max_response_bytes = 4096;
  auto client = PeerClient::Create(std::move(config));
  ASSERT_TRUE(client.ok());
  auto r = client->Get(base_url_ + "/v1/big", kToken);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "peer_response_too_large");
}

TEST_F(PeerClientTest, RefusesNonHttpsUrlsCredentialsInUrlsAndHeaderInjection) {
  PeerClient client = GoodClient();
  std::string port = base_url_.substr(base_url_.rfind(':') + 1);
  const std::vector<std::string> urls = {
      "http://127.0.0.1:" + port + "/v1/echo",          "ftp://127.0.0.1/x", "not a url",
      "https://user:pw@127.0.0.1:" + port + "/v1/echo", "https://",          "/v1/echo"};
  for (const std::string& url : urls) {
    auto r = client.PostJson(url, kToken, "{}");
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.error().code, "invalid_peer_url") << url;
  }
  auto bad_token = client.PostJson(base_url_ + "/v1/echo", "abc\r\nX-Evil: 1", "{}");
  ASSERT_FALSE(bad_token.ok());
  EXPECT_EQ(bad_token.error().code, "invalid_peer_request");
  EXPECT_EQ(bad_token.error().ToString().find("abc"), std::string::npos);
  auto bad_header = client.PostJson(base_url_ + "/v1/echo", kToken, "{}", {{"X-A", "1\r\nX-B: 2"}});
  ASSERT_FALSE(bad_header.ok());
  EXPECT_EQ(bad_header.error().code, "invalid_peer_request");
  EXPECT_EQ(handled_.load(), 0);
}

TEST(PeerClientConfigTest, RefusesIncompleteConfig) {
  TempDir dir;
  TestPki pki(dir);
  Certificate cert = pki.ca;
  PeerClient::Config c;
  c.keyring = &pki.keys;
  c.client_key_id = "ca";
  c.client_chain = {cert};
  c.trust_anchors_file = pki.ca_path;
  EXPECT_TRUE(PeerClient::Create(c).ok());

  auto field_of = [](PeerClient::Config changed) {
    auto r = PeerClient::Create(std::move(changed));
    return r ? std::string("ok") : r.error().field;
  };
  auto c1 = c;
  c1.keyring = nullptr;
  EXPECT_EQ(field_of(c1), "keyring");
  auto c2 = c;
  c2.client_key_id = "no-such-key";
  EXPECT_EQ(field_of(c2), "client_key_id");
  auto c3 = c;
  c3.client_chain.clear();
  EXPECT_EQ(field_of(c3), "client_chain");
  auto c4 = c;
  c4.total_timeout = milliseconds(10);
  c4.connect_timeout = milliseconds(100);
  EXPECT_EQ(field_of(c4), "total_timeout");
  auto c5 = c;
  c5.trust_anchors_file = dir.File("missing.pem");
  auto r5 = PeerClient::Create(c5);
  ASSERT_FALSE(r5.ok());
  EXPECT_EQ(r5.error().code, "file_not_found");
}

TEST_F(PeerClientTest, KeyThatDoesNotMatchTheCertificateFailsWithTheKeyringError) {
  // The key of gw-a with the certificate of gw-b: refused at Create, before any connection.
  auto client =
      PeerClient::Create(ClientConfig(&pki_.keys, "gw-a-tls", server_cert_, pki_.ca_path));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, "key_certificate_mismatch");
  EXPECT_EQ(handled_.load(), 0);
}

}  // namespace
}  // namespace ketenpoort::transports
