// The examples at the top of gateway/api's headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gateway/api/cookies_and_forms.h"
#include "gateway/api/html_page.h"
#include "gateway/api/http_status.h"
#include "gateway/api/http_types.h"
#include "gateway/api/https_server.h"
#include "gateway/api/query.h"
#include "gateway/api/router.h"
#include "gateway/api/server_tls.h"
#include "gateway/api/tls_socket.h"
#include "gateway/api/url.h"
#include "gateway/auth/peer_binding.h"
#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/openssl_handles.h"

namespace ketenpoort::api {
namespace {

using crypto::testing::TempDir;
using crypto::testing::TestParty;
using crypto::testing::TestPki;
using nlohmann::json;

// A CA, and a TLS server certificate whose key the PKI's keyring holds as "tls".
struct Tls {
  TempDir dir;
  TestPki pki{dir};
  TestParty tls = pki.Issue("tls", {.tls_server = true}, {"localhost"});
  std::vector<crypto::Certificate> chain{tls.cert};
  const crypto::Keyring& keyring = pki.keys;
};

// gateway/api/html_page.h
TEST(ApiExamples, HtmlPage) {
  Request req;
  req.method = "GET";
  req.query["lang"] = "en";
  req.headers["Accept-Language"] = "nl-NL";
  const std::string name = "Ada <b>";
  const std::string token = "abc";
  constexpr std::string_view kCsp = "default-src 'none'";
  Lang lang = ParseLang(QueryValue(req, "lang"), req.Header("Accept-Language").value_or(""));
  Response page = HtmlPage(200, "<p>" + HtmlEscape(name) + "</p>", kCsp);
  Response moved = SeeOther("/inbox", kCsp);
  moved.headers.emplace_back("Set-Cookie", SessionCookie("kp_ws", token, "/"));
  EXPECT_EQ(lang, Lang::kEn);
  EXPECT_EQ(page.body, "<p>Ada &lt;b&gt;</p>");
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(moved.status, 303);
  EXPECT_EQ(moved.headers.back().second, "kp_ws=abc; Path=/; HttpOnly; Secure; SameSite=Strict");
  EXPECT_EQ(ExpiredCookie("kp_ws", "/"),
            "kp_ws=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
  const std::string body = "<p>Welkom</p>";
  const PageTexts kTexts = {{"title", {"Titel", "Title"}}};
  std::string html = PageLayout(
      lang, {.brand = "Ketenpoort", .stylesheet = "/assets/a.css", .other_lang = "English"},
      "Log in", body, "/login");
  EXPECT_EQ(TextIn(kTexts, lang, "title"), "Title");
  EXPECT_EQ(TextIn(kTexts, Lang::kNl, "title"), "Titel");
  EXPECT_EQ(TextIn(kTexts, lang, "nope"), "nope");
  EXPECT_NE(html.find("<title>Log in · Ketenpoort</title>"), std::string::npos);
  EXPECT_NE(html.find("<link rel=\"stylesheet\" href=\"/assets/a.css\">"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("href=\"/login?lang=nl\""), std::string::npos);
  EXPECT_NE(html.find("<h1>Log in</h1><p>Welkom</p>"), std::string::npos);
}

// gateway/api/cookies_and_forms.h
TEST(ApiExamples, CookiesAndForms) {
  Request req;
  req.headers["Cookie"] = "a=1; kp_portal=s3cr3t";
  req.headers["Content-Type"] = "application/x-www-form-urlencoded";
  req.body = "csrf=abc&code=123456";
  EXPECT_EQ(CookieValue(req, "kp_portal"), "s3cr3t");
  EXPECT_EQ(CookieValue(req, "absent"), "");
  auto form = FormFields(req);
  ASSERT_TRUE(form.ok());
  EXPECT_EQ(*form, (std::map<std::string, std::string>{{"code", "123456"}, {"csrf", "abc"}}));
}

// gateway/api/http_status.h
TEST(ApiExamples, HttpStatus) {
  EXPECT_EQ(HttpStatus(ErrorKind::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatus(ErrorKind::kRefused), 422);
  EXPECT_EQ(HttpStatus(InvalidArgument("bad_port", "is not a number", "port").kind), 400);
  // Every kind, as docs/API.md assigns them; what Response::FromError answers.
  const std::vector<std::pair<ErrorKind, int>> table = {
      {ErrorKind::kInvalidArgument, 400},  {ErrorKind::kUnauthenticated, 401},
      {ErrorKind::kPermissionDenied, 403}, {ErrorKind::kNotFound, 404},
      {ErrorKind::kConflict, 409},         {ErrorKind::kGone, 410},
      {ErrorKind::kTooLarge, 413},         {ErrorKind::kRefused, 422},
      {ErrorKind::kRateLimited, 429},      {ErrorKind::kInternal, 500},
      {ErrorKind::kUnavailable, 503}};
  for (const auto& [kind, status] : table) {
    EXPECT_EQ(HttpStatus(kind), status);
    EXPECT_EQ(Response::FromError(Error{kind, "some_code", "a message", ""}).status, status);
  }
}

// gateway/api/http_types.h
TEST(ApiExamples, HttpTypes) {
  struct Found {
    std::string status;
  };
  struct Store {
    Result<Found> Find(const std::string& org, const std::string& id) const {
      if (org == "comensha" && id == "01HX-7")
        return Found{"received"};
      return NotFound("message_not_found", "no such message", "id");
    }
  } store;
  auto GetMessage = [&](Request& req) -> Response {
    const std::string& id = req.params.at("id");
    auto found = store.Find(req.principal->org, id);
    if (!found)
      return Response::FromError(found.error());
    return Response::Json(200, {{"id", id}, {"status", found->status}});
  };
  Request req;
  req.params = {{"id", "01HX-7"}};
  req.principal = Principal{.org = "comensha", .role = Role::kRecipient};
  Response ok = GetMessage(req);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(json::parse(ok.body), json({{"id", "01HX-7"}, {"status", "received"}}));

  Response r = Response::FromError(NotFound("message_not_found", "no such message", "id"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body,
            R"({"error":{"code":"message_not_found","field":"id","message":"no such message"}})");
}

// gateway/api/https_server.h
TEST(ApiExamples, HttpsServer) {
  Tls t;
  Router router;
  router.Add("GET", "/healthz", Access::Public(), [](Request&) {
    return Response::Json(200, {{"status", "ok"}});
  });
  auto Check = [](std::string_view) -> Result<Principal> {
    return Unauthenticated("unknown token");
  };
  auto run = [&](int port, HttpsServer** out) -> Status {
    HttpsServer::Config c;
    c.host = "127.0.0.1";
    c.port = port;
    c.install_certificate_and_key = [&](SSL_CTX* ctx) {
      return t.keyring.InstallInTlsContext("tls", t.chain, ctx);
    };
    c.client_ca_file = t.pki.ca_path;
    c.authenticate = [&](std::string_view token, const Request&) { return Check(token); };
    auto server = std::make_unique<HttpsServer>(std::move(c));
    KP_RETURN_IF_ERROR(server->Start(router));
    *out = server.release();
    return Ok();
  };
  HttpsServer* raw = nullptr;
  ASSERT_TRUE(run(0, &raw).ok());
  std::unique_ptr<HttpsServer> server(raw);
  EXPECT_GT(server->port(), 0);
  HttpsServer* second = nullptr;
  Status busy = run(server->port(), &second);
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().message.rfind(
                "cannot listen on 127.0.0.1:" + std::to_string(server->port()) + ": ", 0),
            0u)
      << busy.error().message;
  server->Stop();
  server->Stop();  // idempotent, as the destructor's
}

// gateway/api/query.h
TEST(ApiExamples, Query) {
  Request req;
  req.query = *ParseQuery("after=41&limit=");
  EXPECT_EQ(QueryValue(req, "after"), "41");
  EXPECT_EQ(QueryValue(req, "missing"), "");
  EXPECT_EQ(QueryInteger(req, "after", 0, 0, INT64_MAX).value(), 41);
  EXPECT_EQ(QueryInteger(req, "limit", 100, 1, 500).value(), 100);
  req.query = *ParseQuery("limit=9999");
  auto refused = QueryInteger(req, "limit", 100, 1, 500);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "invalid_query");
  EXPECT_EQ(refused.error().field, "limit");
  EXPECT_EQ(refused.error().message, "must be a whole number from 1 to 500");
  for (const char* bad : {"limit=1.5", "limit=ten", "limit=0x10", "limit=%2B5"}) {
    req.query = *ParseQuery(bad);
    EXPECT_FALSE(QueryInteger(req, "limit", 100, 1, 500).ok()) << bad;
  }
}

// gateway/api/router.h
TEST(ApiExamples, Router) {
  std::vector<std::string> set;
  auto SetStatus = [&](const Principal& p, const std::string& id, const json& body) {
    set.push_back(p.org + " " + id + " " + body.value("state", ""));
    return Response::Json(200, {{"id", id}});
  };
  Router router;
  router.Add("GET", "/healthz", Access::Public(), [](Request&) {
    return Response::Json(200, {{"status", "ok"}});
  });
  router.Add("POST", "/v1/messages/{id}/status", Access::Roles({Role::kRecipient}),
             [&](Request& req) {
               auto body = ParseJsonBody(req);
               if (!body)
                 return Response::FromError(body.error());
               return SetStatus(*req.principal, req.params.at("id"), *body);
             });
  router.AddPrincipalCheck([&](const Principal& p, const Request& req) -> Status {
    return auth::CheckPeerCertificate(p, req.client_cert_sha256);
  });
  Authenticator authenticate = [](std::string_view token, const Request&) -> Result<Principal> {
    if (token == "recipient-token")
      return Principal{.token_id = 1, .org = "comensha", .role = Role::kRecipient};
    if (token == "sender-token")
      return Principal{.token_id = 2, .org = "shop-denhaag", .role = Role::kSender};
    return Unauthenticated("unknown token");
  };
  auto dispatch = [&](std::string method, std::string path, std::string token) {
    Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.body = R"({"state": "accepted"})";
    request.headers["Content-Type"] = "application/json";
    if (!token.empty())
      request.headers["Authorization"] = "Bearer " + token;
    return router.Dispatch(request, authenticate);
  };
  EXPECT_EQ(dispatch("GET", "/healthz", "").status, 200);
  Response r = dispatch("POST", "/v1/messages/m-1/status", "recipient-token");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(set, std::vector<std::string>{"comensha m-1 accepted"});
  EXPECT_EQ(dispatch("GET", "/v1/../healthz", "").status, 400);
  EXPECT_EQ(dispatch("GET", "/nowhere", "").status, 404);
  EXPECT_EQ(dispatch("DELETE", "/healthz", "").status, 405);
  EXPECT_EQ(dispatch("POST", "/v1/messages/m-1/status", "").status, 401);
  EXPECT_EQ(dispatch("POST", "/v1/messages/m-1/status", "wrong").status, 401);
  EXPECT_EQ(dispatch("POST", "/v1/messages/m-1/status", "sender-token").status, 403);
}

// gateway/api/server_tls.h
TEST(ApiExamples, ServerTls) {
  Tls t;
  auto install = [&](SSL_CTX* ctx) { return t.keyring.InstallInTlsContext("tls", t.chain, ctx); };
  auto configure = [&](SSL_CTX* ctx, const std::string& ca_file) -> Status {
    auto tls = ServerTls::Create(install, ca_file);
    if (!tls)
      return tls.error();
    KP_RETURN_IF_ERROR(tls->Configure(ctx));
    return Ok();
  };
  ossl::SslCtx ctx(SSL_CTX_new(TLS_server_method()));
  ASSERT_TRUE(configure(ctx.get(), t.pki.ca_path).ok());
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx.get()), TLS1_2_VERSION);
  EXPECT_NE(SSL_CTX_get_verify_mode(ctx.get()) & SSL_VERIFY_FAIL_IF_NO_PEER_CERT, 0);
  Status missing = configure(ctx.get(), t.dir.File("absent.pem"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(missing.error().code, "file_not_found");
}

// gateway/api/tls_socket.h
TEST(ApiExamples, TlsSocket) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  using tcp = asio::ip::tcp;
  Tls t;
  ossl::SslCtx ssl_ctx(SSL_CTX_new(TLS_server_method()));
  ASSERT_TRUE(t.keyring.InstallInTlsContext("tls", t.chain, ssl_ctx.get()).ok());

  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const unsigned short port = acceptor.local_endpoint().port();
  // The client: plain blocking OpenSSL, no certificate checks (this is about the server side).
  std::thread client([port] {
    asio::io_context client_io;
    tcp::socket s(client_io);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    ossl::SslCtx ctx(SSL_CTX_new(TLS_client_method()));
    SSL* ssl = SSL_new(ctx.get());
    SSL_set_fd(ssl, s.native_handle());
    if (SSL_connect(ssl) == 1) {
      const std::string head = "GET /v1/inbox HTTP/1.1\r\nHost: localhost\r\n\r\n";
      SSL_write(ssl, head.data(), static_cast<int>(head.size()));
      char c;
      SSL_read(ssl, &c, 1);  // until the server's close_notify
    }
    SSL_free(ssl);
  });

  std::optional<TlsSocket> tls_storage;
  boost::beast::flat_buffer buffer;
  http::request_parser<http::empty_body> parser;
  boost::system::error_code handshake_ec = asio::error::would_block;
  boost::system::error_code read_ec = asio::error::would_block;
  tcp::socket accepted_socket = acceptor.accept();
  tls_storage.emplace(std::move(accepted_socket), ssl_ctx.get());  // a server-side connection
  TlsSocket& tls = *tls_storage;
  ASSERT_TRUE(tls.ok());
  tls.async_handshake([&](boost::system::error_code ec) {
    handshake_ec = ec;
    if (ec)
      return;
    http::async_read_header(tls, buffer, parser, [&](boost::system::error_code ec, std::size_t) {
      read_ec = ec;
      tls.ShutdownAndClose();  // close_notify, best effort
    });
  });
  io.run();
  client.join();
  EXPECT_FALSE(handshake_ec) << handshake_ec.message();
  EXPECT_FALSE(read_ec) << read_ec.message();
  EXPECT_EQ(parser.get().target(), "/v1/inbox");
}

// gateway/api/url.h
TEST(ApiExamples, Url) {
  auto path = SplitPath("/v1/messages/01HX%2D7/status");
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*path, (std::vector<std::string>{"v1", "messages", "01HX-7", "status"}));
  auto dots = SplitPath("/v1/%2E%2E/audit");
  ASSERT_FALSE(dots.ok());
  EXPECT_EQ(dots.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(dots.error().code, "invalid_path");
  auto query = ParseQuery("after=c%3D1&limit=10");
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(*query, (std::map<std::string, std::string>{{"after", "c=1"}, {"limit", "10"}}));
  auto twice = ParseQuery("limit=1&limit=2");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(twice.error().code, "duplicate_query_parameter");
  EXPECT_EQ(PercentEncode("notulen één.odt"), "notulen%20%C3%A9%C3%A9n.odt");
  auto back = PercentDecode(PercentEncode("a+b=c&d/ü"));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "a+b=c&d/ü");
}

}  // namespace
}  // namespace ketenpoort::api
