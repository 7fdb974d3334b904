// ApiClient against real HttpsServers on 127.0.0.1 (one plain, one requiring client
// certificates), with a throwaway PKI made by the keyring.
#include "gateway/client/api_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "gateway/api/https_server.h"
#include "gateway/api/router.h"
#include "gateway/io/file.h"

namespace ketenpoort::client {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr char kToken[] = "kp_test_token_0123456789";

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

crypto::CertificateRequest Request(const std::string& cn, bool is_ca) {
  crypto::CertificateRequest req;
  req.common_name = cn;
  req.validity_days = 2;
  req.is_ca = is_ca;
  return req;
}

crypto::Certificate Issue(crypto::Keyring& keys, const std::string& dir, const std::string& id,
                          const crypto::Certificate* ca, crypto::CertificateRequest req) {
  auto pub = crypto::Keyring::GenerateKeyFile(dir + "/" + id + ".key.pem");
  EXPECT_TRUE(pub.ok());
  EXPECT_TRUE(keys.LoadKeyFile(id, dir + "/" + id + ".key.pem").ok());
  req.public_key_pem = *pub;
  auto cert = keys.IssueCertificate(ca == nullptr ? id : "ca", ca, req);
  EXPECT_TRUE(cert.ok()) << cert.error().ToString();
  return *cert;
}

class ApiClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/kp-api-client-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
    keys_ = new crypto::Keyring();
    const std::string& d = *dir_;
    ca_ = new crypto::Certificate(Issue(*keys_, d, "ca", nullptr, Request("Test CA", true)));
    crypto::CertificateRequest server_req = Request("localhost", false);
    server_req.ip_addresses = {"127.0.0.1"};
    server_req.tls_server = true;
    auto server = Issue(*keys_, d, "server", ca_, server_req);
    crypto::CertificateRequest client_req = Request("org-a", false);
    client_req.tls_client = true;
    client_req.smime = true;
    client_cert_ = new crypto::Certificate(Issue(*keys_, d, "org:org-a", ca_, client_req));
    auto other_ca = Issue(*keys_, d, "other", nullptr, Request("Other CA", true));
    ASSERT_TRUE(io::WriteNewFile(d + "/ca.pem", ca_->ToPem(), 0644).ok());
    ASSERT_TRUE(io::WriteNewFile(d + "/other-ca.pem", other_ca.ToPem(), 0644).ok());
    chain_ = new std::vector<crypto::Certificate>{server, *ca_};

    router_ = new api::Router();
    router_->Add("GET", "/v1/echo", api::Access::AnyToken(), [](api::Request& req) {
      json query = json::object();
      for (const auto& [k, v] : req.query)
        query[k] = v;
      return api::Response::Json(200, {{"org", req.principal->org}, {"query", query}});
    });
    router_->Add("POST", "/v1/echo", api::Access::AnyToken(), [](api::Request& req) {
      return api::Response::Json(200,
                                 {{"body_bytes", req.body.size()},
                                  {"content_type", req.Header("Content-Type").value_or("")},
                                  {"expect", req.Header("Expect").has_value()},
                                  {"idempotency_key", req.Header("Idempotency-Key").value_or("")}});
    });
    router_->Add("GET", "/v1/refuse", api::Access::AnyToken(), [](api::Request&) {
      return api::Response::FromError(
          Refused("envelope_recipient_mismatch", "envelope is not for 'org-b'", "payload"));
    });
    plain_ = StartServer("");
    mutual_ = StartServer(d + "/ca.pem");
  }

  static api::HttpsServer* StartServer(const std::string& client_ca) {
    api::HttpsServer::Config c;
    c.host = "127.0.0.1";
    c.port = FreeLoopbackPort();
    c.install_certificate_and_key = [](SSL_CTX* ctx) {
      return keys_->InstallInTlsContext("server", *chain_, ctx);
    };
    c.client_ca_file = client_ca;
    c.max_body_bytes = 8 * 1024 * 1024;
    c.authenticate = [](std::string_view token, const api::Request&) -> Result<Principal> {
      if (token != kToken)
        return Unauthenticated("unknown token");
      return Principal{.token_id = 1, .org = "org-a", .role = Role::kCoordinator, .user = ""};
    };
    int port = c.port;
    auto* server = new api::HttpsServer(std::move(c));
    auto started = server->Start(*router_);
    EXPECT_TRUE(started.ok()) << started.error().ToString();
    (client_ca.empty() ? plain_port_ : mutual_port_) = port;
    return server;
  }

  static void TearDownTestSuite() {
    delete plain_;
    delete mutual_;
    delete router_;
    delete chain_;
    delete client_cert_;
    delete ca_;
    delete keys_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  static ApiClientOptions Options(int port, std::string token = kToken) {
    return ApiClientOptions{.base_url = "https://127.0.0.1:" + std::to_string(port),
                            .ca_file = *dir_ + "/ca.pem",
                            .token = std::move(token)};
  }

  static std::string* dir_;
  static crypto::Keyring* keys_;
  static crypto::Certificate* ca_;
  static crypto::Certificate* client_cert_;
  static std::vector<crypto::Certificate>* chain_;
  static api::Router* router_;
  static api::HttpsServer* plain_;
  static api::HttpsServer* mutual_;
  static int plain_port_;
  static int mutual_port_;
};

std::string* ApiClientTest::dir_ = nullptr;
crypto::Keyring* ApiClientTest::keys_ = nullptr;
crypto::Certificate* ApiClientTest::ca_ = nullptr;
crypto::Certificate* ApiClientTest::client_cert_ = nullptr;
std::vector<crypto::Certificate>* ApiClientTest::chain_ = nullptr;
api::Router* ApiClientTest::router_ = nullptr;
api::HttpsServer* ApiClientTest::plain_ = nullptr;
api::HttpsServer* ApiClientTest::mutual_ = nullptr;
int ApiClientTest::plain_port_ = 0;
int ApiClientTest::mutual_port_ = 0;

TEST_F(ApiClientTest, GetSendsTheTokenAndEncodesTheQuery) {
  ApiClient client(Options(plain_port_));
  auto r = client.Get("/v1/echo", {{"after", "c=1&x y/ü"}, {"limit", "5"}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ((*r)["org"], "org-a");
  EXPECT_EQ((*r)["query"]["after"], "c=1&x y/ü");
  EXPECT_EQ((*r)["query"]["limit"], "5");
}

TEST_F(ApiClientTest, PostSendsJsonWithoutExpectContinue) {
  ApiClient client(Options(plain_port_));
  // Large enough that libcurl would otherwise ask for 100-continue (more than 1 MiB).
  json body = {{"blob", std::string(2 * 1024 * 1024, 'a')}};
  auto r = client.Post("/v1/echo", body, {"Idempotency-Key: k-1"});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ((*r)["body_bytes"], body.dump().size());
  EXPECT_EQ((*r)["content_type"], "application/json");
  EXPECT_EQ((*r)["expect"], false);
  EXPECT_EQ((*r)["idempotency_key"], "k-1");
}

TEST_F(ApiClientTest, AnErrorAnswerBecomesTheServersError) {
  ApiClient client(Options(plain_port_));
  auto refused = client.Get("/v1/refuse");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kRefused);
  EXPECT_EQ(refused.error().code, "envelope_recipient_mismatch");
  EXPECT_EQ(refused.error().message, "envelope is not for 'org-b'");
  EXPECT_EQ(refused.error().field, "payload");

  auto missing = client.Get("/v1/nothing-here");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(missing.error().code, "not_found");

  auto bad_token = ApiClient(Options(plain_port_, "kp_wrong")).Get("/v1/echo");
  ASSERT_FALSE(bad_token.ok());
  EXPECT_EQ(bad_token.error().kind, ErrorKind::kUnauthenticated);
  EXPECT_EQ(bad_token.error().message.find("kp_wrong"), std::string::npos);
}

TEST_F(ApiClientTest, AnUntrustedServerOrNoServerIsUnreachable) {
  ApiClientOptions other = Options(plain_port_);
  other.ca_file = *dir_ + "/other-ca.pem";
  auto untrusted = ApiClient(other).Get("/v1/echo");
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.error().code, "gateway_unreachable");

  auto nobody = ApiClient(Options(FreeLoopbackPort())).Get("/v1/echo");
  ASSERT_FALSE(nobody.ok());
  EXPECT_EQ(nobody.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(nobody.error().code, "gateway_unreachable");
}

TEST_F(ApiClientTest, MutualTlsPresentsTheKeyringKey) {
  ApiClientOptions with_key = Options(mutual_port_);
  with_key.keyring = keys_;
  with_key.client_key_id = "org:org-a";
  with_key.client_chain = {*client_cert_};
  auto ok = ApiClient(with_key).Get("/v1/echo");
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  EXPECT_EQ((*ok)["org"], "org-a");

  auto without = ApiClient(Options(mutual_port_)).Get("/v1/echo");
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.error().code, "gateway_unreachable");

  ApiClientOptions wrong_key = with_key;
  wrong_key.client_key_id = "server";  // not the key of client_chain's leaf
  auto mismatch = ApiClient(wrong_key).Get("/v1/echo");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code, "key_certificate_mismatch") << mismatch.error().ToString();
}

TEST(ErrorFromHttpResponseTest, UsesTheErrorShapeOrNamesTheStatus) {
  Error e = ErrorFromHttpResponse(
      409, R"({"error":{"code":"idempotency_conflict","message":"other body"}})");
  EXPECT_EQ(e.kind, ErrorKind::kConflict);
  EXPECT_EQ(e.code, "idempotency_conflict");
  EXPECT_EQ(e.message, "other body");
  EXPECT_EQ(e.field, "");

  Error html = ErrorFromHttpResponse(502, "<html>bad gateway</html>");
  EXPECT_EQ(html.kind, ErrorKind::kUnavailable);
  EXPECT_EQ(html.code, "http_error");
  EXPECT_EQ(html.message, "the gateway answered HTTP 502");

  Error odd = ErrorFromHttpResponse(400, R"({"error":{"code":7,"message":["x"]}})");
  EXPECT_EQ(odd.code, "http_error");
  EXPECT_EQ(odd.kind, ErrorKind::kInvalidArgument);
}

TEST(ErrorFromHttpResponseTest, KindsFollowTheStatusTable) {
  EXPECT_EQ(ErrorKindForHttpStatus(400), ErrorKind::kInvalidArgument);
  EXPECT_EQ(ErrorKindForHttpStatus(401), ErrorKind::kUnauthenticated);
  EXPECT_EQ(ErrorKindForHttpStatus(403), ErrorKind::kPermissionDenied);
  EXPECT_EQ(ErrorKindForHttpStatus(404), ErrorKind::kNotFound);
  EXPECT_EQ(ErrorKindForHttpStatus(410), ErrorKind::kGone);
  EXPECT_EQ(ErrorKindForHttpStatus(409), ErrorKind::kConflict);
  EXPECT_EQ(ErrorKindForHttpStatus(413), ErrorKind::kTooLarge);
  EXPECT_EQ(ErrorKindForHttpStatus(422), ErrorKind::kRefused);
  EXPECT_EQ(ErrorKindForHttpStatus(429), ErrorKind::kRateLimited);
  EXPECT_EQ(ErrorKindForHttpStatus(503), ErrorKind::kUnavailable);
  EXPECT_EQ(ErrorKindForHttpStatus(500), ErrorKind::kInternal);
  EXPECT_EQ(ErrorKindForHttpStatus(418), ErrorKind::kInvalidArgument);
}

TEST(PercentEncodeTest, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(PercentEncode("m-0f_A.~"), "m-0f_A.~");
  EXPECT_EQ(PercentEncode("a b&c=d/e?"), "a%20b%26c%3Dd%2Fe%3F");
  EXPECT_EQ(PercentEncode(""), "");
}

}  // namespace
}  // namespace ketenpoort::client
