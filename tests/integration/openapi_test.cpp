// Keeps the API's OpenAPI 3.1 document (gateway/server/openapi.json, served at
// GET /v1/openapi.json) true to the gateway:
//   - every route the gateway registers is in the document with the access it really has (public,
//     any token, or the roles the router checks), and the document has no other operation;
//   - a real `ketenpoort serve` (mutual TLS, secure mail through a real SMTP server on loopback,
//     a peer gateway's certificate and token) is asked every route, on its success paths and its
//     main refusals, and every answer is checked against the document by
//     tests/openapi/check_responses.mjs (the document valid as OpenAPI 3.1; each status declared
//     for its path and method; content type declared; body valid against the declared schema);
//   - that checker refuses answers the document does not declare (its self-test).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "gateway/config/gateway_config.h"
#include "gateway/core/role.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/keyring.h"
#include "gateway/federation/status_report.h"
#include "gateway/server/gateway.h"
#include "tests/e2e/servers/test_servers.h"
#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"
#include "tests/integration/securemail_mail.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;

std::string SpecPath() {
  return std::string(KP_SOURCE_DIR) + "/gateway/server/openapi.json";
}

json Spec() {
  return json::parse(ReadFileOrEmpty(SpecPath()));
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// Runs the checker (tests/openapi/check.sh) on `exchanges` against the document at `spec`.
CommandResult Check(const std::string& spec, const json& exchanges, const TempDir& dir,
                    bool every_operation = false) {
  const std::string file = dir.path() + "/exchanges.json";
  WriteFile(file, exchanges.dump(1, ' ', false, json::error_handler_t::replace));
  return RunShell("/bin/bash '" + std::string(KP_SOURCE_DIR) + "/tests/openapi/check.sh' --spec '" +
                  spec + "' --exchanges '" + file + "'" +
                  (every_operation ? " --every-operation" : "") + " 2>&1");
}

// --- The routes the gateway registers --------------------------------------------------------

TEST(OpenApiDocumentTest, DescribesEveryRouteTheGatewayRegistersWithItsAccessAndNoOther) {
  auto dep = Deployment::Create();
  auto config = config::LoadGatewayConfig(dep->config_path());
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  auto gateway = server::Gateway::Open(*config);
  ASSERT_TRUE(gateway.ok()) << gateway.error().ToString();
  const json spec = Spec();

  std::set<std::string> registered;
  for (const api::RouteInfo& route : (*gateway)->Routes()) {
    const std::string key = route.method + " " + route.pattern;
    registered.insert(key);
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    const json* op = nullptr;
    if (spec["paths"].contains(route.pattern) && spec["paths"][route.pattern].contains(method))
      op = &spec["paths"][route.pattern][method];
    if (op == nullptr) {
      ADD_FAILURE() << key << " is served but not in " << SpecPath();
      continue;
    }
    if (!route.access.authenticated) {
      EXPECT_EQ((*op)["security"], json::array()) << key << " takes no token";
      EXPECT_FALSE(op->contains("x-roles")) << key;
      continue;
    }
    std::set<std::string> roles;
    for (Role r : route.access.roles)
      roles.insert(std::string(RoleName(r)));
    std::set<std::string> described;
    for (const json& r : op->value("x-roles", json::array()))
      described.insert(r.get<std::string>());
    EXPECT_EQ(described, roles) << key << ": x-roles";
    bool bearer = false;
    bool peer_tls = false;
    bool anonymous = false;  // {}: no token at all is one way in (Access::without_token_if)
    for (const json& requirement : op->value("security", json::array())) {
      bearer = bearer || requirement.contains("bearerToken");
      peer_tls = peer_tls || requirement.contains("peerCertificate");
      anonymous = anonymous || requirement.empty();
    }
    EXPECT_TRUE(bearer) << key << " needs a bearer token";
    EXPECT_EQ(anonymous, static_cast<bool>(route.access.without_token_if))
        << key << ": the document's {} security requirement and the route's trusted callers";
    EXPECT_EQ(peer_tls, roles.count("peer") == 1)
        << key << ": a peer also presents its certificate";
  }
  for (const auto& [path, item] : spec["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (method == "parameters")
        continue;
      std::string upper = method;
      std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
      EXPECT_EQ(registered.count(upper + " " + path), 1u)
          << upper << " " << path << " is in the document but not served";
    }
  }
  EXPECT_GE(registered.size(), 31u);
  // The document's version is the release's (`ketenpoort --version`: "ketenpoort 0.1.0 (...)").
  CommandResult version = RunKetenpoort({"--version"});
  EXPECT_EQ(version.out.rfind("ketenpoort " + spec["info"]["version"].get<std::string>() + " ", 0),
            0u)
      << version.out;
}

// --- The checker refuses what the document does not declare ---------------------------------

json Exchange(const std::string& method, const std::string& path, int status, const json& body,
              const std::string& content_type = "application/json") {
  return {{"method", method},
          {"path", path},
          {"status", status},
          {"headers",
           {{"content-type", content_type},
            {"strict-transport-security", "max-age=31536000"},
            {"x-content-type-options", "nosniff"},
            {"cache-control", "no-store"},
            {"x-request-id", "r-1"}}},
          {"body", body.is_string() ? body.get<std::string>() : body.dump()}};
}

TEST(OpenApiCheckerTest, RefusesEveryAnswerTheDocumentDoesNotDeclare) {
  TempDir dir;
  const json healthy = Exchange("GET", "/healthz", 200, {{"status", "ok"}});
  CommandResult good = Check(SpecPath(), json::array({healthy}), dir);
  ASSERT_EQ(good.exit_code, 0) << good.out;

  json no_www_authenticate = Exchange("GET", "/v1/whoami", 401,
                                      {{"error", {{"code", "unauthenticated"}, {"message", "m"}}}});
  json bad_error = Exchange("GET", "/v1/whoami", 401, {{"error", {{"code", "unauthenticated"}}}});
  bad_error["headers"]["www-authenticate"] = "Bearer realm=\"ketenpoort\"";
  json no_nosniff = healthy;
  no_nosniff["headers"].erase("x-content-type-options");
  json bad_request = Exchange("POST", "/v1/routes/resolve", 200,
                              {{"recipients", json::array()}, {"rules", json::array()}});
  bad_request["request"] = {{"content_type", "application/json"},
                            {"body", json({{"kind", 5}, {"routing", json::object()}}).dump()}};
  const std::vector<std::pair<json, std::string>> wrong = {
      {Exchange("GET", "/v1/metrics", 200, json::object()), "no path of the document matches"},
      {Exchange("DELETE", "/v1/inbox", 200, json::object()), "the document has no DELETE"},
      {Exchange("GET", "/healthz", 201, {{"status", "ok"}}), "status 201 is not declared"},
      {Exchange("GET", "/healthz", 200, {{"status", "down"}}), "body: /status"},
      {Exchange("GET", "/healthz", 200, {{"status", "ok"}, {"extra", 1}}), "body:"},
      {Exchange("GET", "/healthz", 200, "<p>ok</p>", "text/html"), "content type 'text/html'"},
      {bad_error, "body: /error"},
      {Exchange("GET", "/m/verify-gateway", 200, {{"status", "ok"}}), "content type"},
      {no_www_authenticate, "required header WWW-Authenticate is missing"},
      {no_nosniff, "header x-content-type-options is missing"},
      {bad_request, "request body: /kind"},
  };
  for (const auto& [exchange, why] : wrong) {
    CommandResult r = Check(SpecPath(), json::array({healthy, exchange}), dir);
    EXPECT_EQ(r.exit_code, 1) << exchange.dump() << "\n" << r.out;
    EXPECT_NE(r.out.find(why), std::string::npos) << exchange.dump() << "\n" << r.out;
  }

  CommandResult partial = Check(SpecPath(), json::array({healthy}), dir, /*every_operation=*/true);
  EXPECT_EQ(partial.exit_code, 1);
  EXPECT_NE(partial.out.find("GET /v1/whoami: never exercised"), std::string::npos) << partial.out;

  // The document itself: an invalid schema, an undeclared security scheme, an operation
  // without answers, a document that is not OpenAPI 3.1.
  const std::string spec = dir.path() + "/spec.json";
  auto refused = [&](const std::function<void(json&)>& edit, const std::string& why) {
    json broken = Spec();
    edit(broken);
    WriteFile(spec, broken.dump());
    CommandResult r = Check(spec, json::array({healthy}), dir);
    EXPECT_EQ(r.exit_code, 1) << why << "\n" << r.out;
    EXPECT_NE(r.out.find(why), std::string::npos) << r.out;
  };
  refused(
      [](json& d) {
        d["components"]["schemas"]["Health"]["properties"]["status"] = {{"type", "text"}};
      },
      "schema is invalid");
  refused(
      [](json& d) {
        d["paths"]["/v1/whoami"]["get"]["security"] = {{{"apiKey", json::array()}}};
      },
      "security scheme 'apiKey' is not declared");
  refused([](json& d) { d["paths"]["/healthz"]["get"].erase("responses"); },
          "GET /healthz: declares no responses");
  refused([](json& d) { d["paths"]["/healthz"]["get"]["responses"] = "none"; },
          "not a valid OpenAPI document");
  refused([](json& d) { d["openapi"] = "3.0.3"; }, "not 3.1");
}

// --- Every route of a real gateway, checked against the document ----------------------------

// Every request of the test with its answer, as the checker reads them.
class Recorder {
 public:
  Recorder(std::string base_url, std::string ca) : base_(std::move(base_url)), ca_(std::move(ca)) {}

  // `method` `path` on the gateway with `options` (client certificate), `token` and `headers`
  // ("Name: value"); records the exchange and checks that the status is `expected`.
  HttpResponse Call(int expected, const std::string& method, const std::string& path,
                    const HttpsOptions& options, const std::string& token = {},
                    const std::string& body = {}, std::vector<std::string> headers = {}) {
    std::string content_type;
    for (const std::string& h : headers) {
      if (h.rfind("Content-Type:", 0) == 0)
        content_type = h.substr(13);
    }
    if (method != "GET" && content_type.empty()) {
      content_type = " application/json";
      headers.push_back("Content-Type: application/json");
    }
    HttpResponse r = HttpsClient(ca_, options).Request(method, base_ + path, body, token, headers);
    EXPECT_EQ(r.status, expected) << method << " " << path << ": " << r.body.substr(0, 400);
    json x = {{"method", method},
              {"path", path},
              {"status", r.status},
              {"headers", r.headers},
              {"body", r.body}};
    if (method != "GET") {
      const auto start = content_type.find_first_not_of(' ');
      x["request"] = {{"content_type", content_type.substr(start)}, {"body", body}};
    }
    exchanges_.push_back(std::move(x));
    return r;
  }
  const json& exchanges() const { return exchanges_; }

 private:
  std::string base_;
  std::string ca_;
  json exchanges_ = json::array();
};

std::string B64(const std::string& s) {
  return crypto::Base64Encode(AsBytes(s));
}

std::string Field(const HttpResponse& r, const std::string& name) {
  json body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  return body.is_object() && body.contains(name) && body[name].is_string()
             ? body[name].get<std::string>()
             : std::string();
}

// The portal's form token on a page.
std::string CsrfIn(const std::string& page) {
  std::smatch m;
  if (std::regex_search(page, m, std::regex("name=\"csrf\" value=\"([^\"]+)\"")) ||
      std::regex_search(page, m, std::regex("data-csrf=\"([^\"]+)\"")))
    return m[1];
  return "";
}

std::string CookieIn(const HttpResponse& r, const std::string& otherwise) {
  auto it = r.headers.find("set-cookie");
  std::smatch m;
  if (it != r.headers.end() && std::regex_search(it->second, m, std::regex("kp_portal=([^;]+)")))
    return m[1];
  return otherwise;
}

class OpenApiResponsesTest : public ::testing::Test {
 protected:
  // B, the gateway under test, and A, a peer whose certificate and token B accepts. Every client
  // of B presents a certificate (listen.client_ca: B's and A's CAs), as peers must.
  void SetUp() override {
    ASSERT_TRUE(smtp_.Start()) << smtp_.error;
    peer_ = Deployment::Create();
    dep_ = Deployment::Create();
    const std::string dir = dep_->dir();
    json config = json::parse(ReadFileOrEmpty(dep_->config_path()));
    config["smtp"] = {{"url", smtp_.url()}, {"from", "ketenpoort@example.org"}};
    config["portal"] = {{"base_url", dep_->url()}, {"worker_interval_ms", 50}};
    config["listen"]["client_ca"] = "certs/clients.pem";
    config["limits"]["max_body_bytes"] = kMaxBody;
    config["limits"]["max_attachment_bytes"] = kMaxAttachment;
    // GET /metrics without a token from the test's own address (loopback).
    config["metrics"] = {{"allow_from", {"127.0.0.1", "::1"}}};
    WriteFile(dep_->config_path(), config.dump(2));
    WriteFile(dir + "/certs/clients.pem",
              ReadFileOrEmpty(dep_->ca_path()) + ReadFileOrEmpty(peer_->ca_path()));
    // essm-rotterdam lives on A: A's peer token may deliver messages from it.
    json directory = json::parse(ReadFileOrEmpty(dir + "/directory.json"));
    for (json& o : directory["organisations"]) {
      if (o["id"] == "essm-rotterdam")
        o["gateway"] = peer_->url();
    }
    WriteFile(dir + "/directory.json", directory.dump(2));
    CommandResult issued = RunKetenpoort(
        {"token", "issue", "--config", dep_->config_path(), "--org", "gw-a", "--role", "peer",
         "--gateway-url", peer_->url(), "--cert", peer_->dir() + "/certs/gateway.cert.pem"});
    ASSERT_EQ(issued.exit_code, 0) << issued.err;
    peer_token_ = issued.out.substr(0, issued.out.find('\n'));
    StartGateway();
    rec_ = std::make_unique<Recorder>(dep_->url(), dep_->ca_path());
  }
  void TearDown() override {
    if (gw_) {
      EXPECT_EQ(gw_->Terminate(), 0);
    }
  }

  void StartGateway() {
    gw_ = std::make_unique<GatewayProcess>(dep_->config_path());
    ASSERT_TRUE(gw_->Start(dep_->port(), dep_->ca_path(), 15000, Org())) << gw_->error;
  }

  // A client presenting B's certificate of `org`.
  HttpsOptions Org(const std::string& org = "shop-denhaag") const {
    return {.client_cert = dep_->dir() + "/certs/" + org + ".cert.pem",
            .client_key = dep_->dir() + "/certs/" + org + ".key.pem"};
  }
  // A client presenting A's gateway certificate, the one the peer token is bound to.
  HttpsOptions Peer() const {
    return {.client_cert = peer_->dir() + "/certs/gateway.cert.pem",
            .client_key = peer_->dir() + "/certs/gateway.key.pem"};
  }
  std::string Token(const std::string& org) const { return dep_->Token(org); }
  std::string Admin() const {
    CommandResult issued = RunKetenpoort({"token", "issue", "--config", dep_->config_path(),
                                          "--org", "shop-denhaag", "--role", "admin"});
    EXPECT_EQ(issued.exit_code, 0) << issued.err;
    return issued.out.substr(0, issued.out.find('\n'));
  }
  std::string Auditor() const {
    std::string t = ReadFileOrEmpty(dep_->dir() + "/tokens/shop-denhaag.auditor.token");
    return t.substr(0, t.find('\n'));
  }

  // A signal from shop-denhaag to comensha (adult, GM0518, no legal basis: comensha alone).
  json Signal(const std::string& content, std::vector<std::string> sealed_for = {"comensha"}) {
    sealed_for.push_back("shop-denhaag");
    return {{"kind", "signal"},
            {"recipients", {"comensha"}},
            {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
            {"subject_ref", kSubject},
            {"payload", Sealer(dep_->dir()).SealBase64("shop-denhaag", sealed_for, content)}};
  }

  static constexpr int kMaxBody = 256 * 1024;
  static constexpr int kMaxAttachment = 1024 * 1024;
  static constexpr const char* kSubject =
      "a5808f56c6117d6730668e4953802f6dc18344669da05905ec56f481e7d27675";

  SmtpSink smtp_;
  std::unique_ptr<Deployment> peer_;
  std::unique_ptr<Deployment> dep_;
  std::unique_ptr<GatewayProcess> gw_;
  std::unique_ptr<Recorder> rec_;
  std::string peer_token_;
};

TEST_F(OpenApiResponsesTest, EveryRouteAnswersAsTheDocumentSays) {
  Recorder& r = *rec_;
  const HttpsOptions me = Org();
  const std::string shop = Token("shop-denhaag");
  const std::string comensha = Token("comensha");
  const std::string auditor = Auditor();
  const std::string too_large(kMaxBody + 1024, ' ');

  // Gateway and directory.
  r.Call(200, "GET", "/healthz", me);
  auto served = r.Call(200, "GET", "/v1/openapi.json", me);
  EXPECT_TRUE(json::parse(served.body) == Spec())
      << "the served document is not " << SpecPath() << " (a stale build?)";
  EXPECT_EQ(served.headers["content-type"], "application/json");
  r.Call(200, "GET", "/v1/whoami", me, shop);
  r.Call(200, "GET", "/v1/whoami", me, auditor);
  r.Call(401, "GET", "/v1/whoami", me);
  r.Call(401, "GET", "/v1/whoami", me, "not-a-token");
  // The person acting: a workspace token must name one, no other token may.
  const std::string workspace = dep_->WorkspaceToken("shop-denhaag");
  const std::string acting = "Ketenpoort-Acting-User: j.devries";
  r.Call(200, "GET", "/v1/whoami", me, workspace, "", {acting});
  r.Call(400, "GET", "/v1/whoami", me, workspace);
  r.Call(400, "GET", "/v1/whoami", me, workspace, "", {"Ketenpoort-Acting-User: J de Vries"});
  r.Call(403, "GET", "/v1/whoami", me, shop, "", {acting});
  r.Call(400, "GET", "/v1/inbox", me, workspace);
  r.Call(403, "GET", "/v1/audit", me, auditor, "", {acting});
  r.Call(200, "GET", "/v1/directory", me, comensha);
  r.Call(401, "GET", "/v1/directory", me);
  const json query = {{"kind", "signal"},
                      {"routing", {{"region", "GM0599"}, {"age_band", "minor"}}}};
  r.Call(200, "POST", "/v1/routes/resolve", me, shop, query.dump());
  r.Call(400, "POST", "/v1/routes/resolve", me, shop, "{\"kind\":");
  r.Call(400, "POST", "/v1/routes/resolve", me, shop, query.dump(), {"Content-Type: text/plain"});
  r.Call(403, "POST", "/v1/routes/resolve", me, auditor, query.dump());
  r.Call(401, "POST", "/v1/routes/resolve", me, "", query.dump());
  r.Call(413, "POST", "/v1/routes/resolve", me, shop, too_large);

  // Messages: submit, idempotency, refusals.
  const json signal = Signal("synthetic signal for the document's test");
  auto accepted = r.Call(202, "POST", "/v1/messages", me, shop, signal.dump(),
                         {"Content-Type: application/json", "Idempotency-Key: openapi-1"});
  const std::string id = Field(accepted, "id");
  ASSERT_FALSE(id.empty());
  r.Call(202, "POST", "/v1/messages", me, shop, signal.dump(),
         {"Content-Type: application/json", "Idempotency-Key: openapi-1"});
  r.Call(409, "POST", "/v1/messages", me, shop, Signal("another body").dump(),
         {"Content-Type: application/json", "Idempotency-Key: openapi-1"});
  r.Call(400, "POST", "/v1/messages", me, shop, "[1,2");
  r.Call(400, "POST", "/v1/messages", me, shop, json({{"kind", "signal"}, {"nonsense", 1}}).dump());
  r.Call(401, "POST", "/v1/messages", me, "", signal.dump());
  r.Call(403, "POST", "/v1/messages", me, auditor, signal.dump());
  r.Call(422, "POST", "/v1/messages", me, shop, Signal("sealed wrongly", {"ind"}).dump());
  json follow_up = Signal("a follow-up of nothing");
  follow_up["follows"] = "m-nonexistent";
  follow_up["follow_reason"] = "synthetic";
  r.Call(404, "POST", "/v1/messages", me, shop, follow_up.dump());
  r.Call(413, "POST", "/v1/messages", me, shop, too_large);

  // Inbox, fetch, states, tracking.
  r.Call(200, "GET", "/v1/inbox", me, comensha);
  r.Call(200, "GET", "/v1/inbox?after=0&limit=10", me, comensha);
  r.Call(400, "GET", "/v1/inbox?limit=0", me, comensha);
  r.Call(403, "GET", "/v1/inbox", me, auditor);
  r.Call(401, "GET", "/v1/inbox", me);
  r.Call(200, "GET", "/v1/sent", me, shop);
  r.Call(200, "GET", "/v1/sent?after=0&limit=10", me, shop);
  r.Call(200, "GET", "/v1/inbox?order=newest&limit=2", me, comensha);
  r.Call(200, "GET", "/v1/sent?order=newest&before=999&limit=2", me, shop);
  r.Call(400, "GET", "/v1/inbox?order=newest&after=3", me, comensha);
  r.Call(400, "GET", "/v1/sent?order=sideways", me, shop);
  r.Call(400, "GET", "/v1/sent?limit=0", me, shop);
  r.Call(403, "GET", "/v1/sent", me, auditor);
  r.Call(401, "GET", "/v1/sent", me);
  r.Call(200, "GET", "/v1/messages/" + id, me, comensha);
  r.Call(200, "GET", "/v1/messages/" + id, me, shop);
  r.Call(404, "GET", "/v1/messages/" + id, me, Token("meldpunt-rotterdam"));
  r.Call(404, "GET", "/v1/messages/m-nonexistent", me, shop);
  r.Call(403, "GET", "/v1/messages/" + id, me, auditor);
  const std::string status_path = "/v1/messages/" + id + "/status";
  r.Call(200, "POST", status_path, me, comensha, json({{"state", "assessed"}}).dump());
  r.Call(409, "POST", status_path, me, comensha, json({{"state", "received"}}).dump());
  r.Call(400, "POST", status_path, me, comensha, json({{"state", "nonsense"}}).dump());
  r.Call(400, "POST", status_path, me, comensha, "{");
  r.Call(403, "POST", status_path, me, shop, json({{"state", "forwarded"}}).dump());
  r.Call(422, "POST", status_path, me, shop,
         json({{"state", "closed"}, {"recipient", "ind"}}).dump());
  r.Call(404, "POST", status_path, me, Token("meldpunt-rotterdam"),
         json({{"state", "closed"}}).dump());
  r.Call(403, "POST", status_path, me, auditor, json({{"state", "closed"}}).dump());
  r.Call(200, "POST", status_path, me, shop, json({{"state", "closed"}}).dump());
  r.Call(200, "GET", "/v1/messages/" + id + "/tracking", me, shop);
  r.Call(404, "GET", "/v1/messages/" + id + "/tracking", me, comensha);
  r.Call(403, "GET", "/v1/messages/" + id + "/tracking", me, auditor);

  // Recall, and what a recalled message answers.
  auto second = r.Call(202, "POST", "/v1/messages", me, shop, Signal("to be recalled").dump());
  const std::string recalled = Field(second, "id");
  r.Call(200, "POST", "/v1/messages/" + recalled + "/recall", me, shop, "");
  r.Call(410, "GET", "/v1/messages/" + recalled, me, comensha);
  r.Call(410, "POST", "/v1/messages/" + recalled + "/status", me, comensha,
         json({{"state", "closed"}}).dump());
  r.Call(200, "POST", "/v1/messages/" + recalled + "/recall", me, shop, "");
  r.Call(404, "POST", "/v1/messages/m-nonexistent/recall", me, shop, "");
  r.Call(403, "POST", "/v1/messages/" + recalled + "/recall", me, auditor, "");

  // Consent, notices.
  const json withdrawal = {{"subject_ref", kSubject}, {"reason", "synthetic: the client said so"}};
  r.Call(200, "POST", "/v1/consents/withdraw", me, shop, withdrawal.dump());
  r.Call(
      200, "POST", "/v1/consents/withdraw", me, shop,
      json({{"subject_ref", kSubject}, {"recipient", "comensha"}, {"reason", "synthetic"}}).dump());
  r.Call(400, "POST", "/v1/consents/withdraw", me, shop, json({{"subject_ref", kSubject}}).dump());
  r.Call(403, "POST", "/v1/consents/withdraw", me, auditor, withdrawal.dump());
  r.Call(200, "GET", "/v1/notices", me, shop);
  r.Call(200, "GET", "/v1/notices?after=0&limit=5", me, comensha);
  r.Call(400, "GET", "/v1/notices?limit=501", me, shop);
  r.Call(403, "GET", "/v1/notices", me, auditor);

  // Secure mail, the sender's side: an upload, a submission with an inline attachment.
  const std::vector<std::string> octets = {"Content-Type: application/octet-stream"};
  r.Call(201, "POST", "/v1/attachments", me, shop, std::string(4096, 'c'), octets);
  r.Call(400, "POST", "/v1/attachments", me, shop, "xx", {"Content-Type: text/plain"});
  r.Call(403, "POST", "/v1/attachments", me, auditor, "xx", octets);
  r.Call(401, "POST", "/v1/attachments", me, "", "xx", octets);
  r.Call(413, "POST", "/v1/attachments", me, shop, std::string(kMaxAttachment + 1, 'c'), octets);
  const std::string to = "lezer@example.org";
  const json document = {{"body", "synthetic secure mail"},
                         {"attachments", json::array({{{"name", "notitie.txt"},
                                                       {"type", "text/plain"},
                                                       {"data", B64("synthetische notitie")}}})}};
  const json mail = {
      {"kind", "securemail"},
      {"recipients", json::array({{{"email", to}, {"verification", "email_code"}}})},
      {"subject", "synthetic"},
      {"payload", Sealer(dep_->dir())
                      .SealBase64("shop-denhaag", {"portal", "shop-denhaag"}, document.dump())}};
  auto mailed = r.Call(202, "POST", "/v1/messages", me, shop, mail.dump());
  const std::string mail_id = Field(mailed, "id");
  ASSERT_FALSE(mail_id.empty());
  r.Call(200, "GET", "/v1/messages/" + mail_id + "/tracking", me, shop);

  // The portal: the link of the notification, a code by mail, the message, a reply with a file.
  const std::string link = LinkIn(MailTo(smtp_, to, 1));
  ASSERT_FALSE(link.empty());
  const std::string self = link.substr(link.find("/m/"));
  auto page = r.Call(200, "GET", self, me);
  std::string cookie = CookieIn(page, "");
  std::string csrf = CsrfIn(page.body);
  ASSERT_FALSE(cookie.empty());
  const std::string form = "Content-Type: application/x-www-form-urlencoded";
  r.Call(403, "POST", self + "/code", me, "", "csrf=forged", {form, "Cookie: kp_portal=" + cookie});
  r.Call(303, "POST", self + "/code", me, "", "csrf=" + csrf,
         {form, "Cookie: kp_portal=" + cookie});
  const std::string code = CodeIn(MailTo(smtp_, to, 2)["text"]);
  ASSERT_EQ(code.size(), 6u);
  r.Call(303, "POST", self + "/verify", me, "",
         "csrf=" + csrf + "&code=" + (code == "000000" ? "111111" : "000000"),
         {form, "Cookie: kp_portal=" + cookie});
  auto verified = r.Call(303, "POST", self + "/verify", me, "", "csrf=" + csrf + "&code=" + code,
                         {form, "Cookie: kp_portal=" + cookie});
  cookie = CookieIn(verified, cookie);
  const std::string with_cookie = "Cookie: kp_portal=" + cookie;
  page = r.Call(200, "GET", self + "?lang=en", me, "", "", {with_cookie});
  csrf = CsrfIn(page.body);
  r.Call(200, "GET", self + "/files/0", me, "", "", {with_cookie});
  r.Call(200, "GET", self + "/files/0?inline=1", me, "", "", {with_cookie});
  r.Call(404, "GET", self + "/files/7", me, "", "", {with_cookie});
  r.Call(404, "GET", self + "/files/x", me, "", "", {with_cookie});
  r.Call(403, "GET", self + "/files/0", me);
  r.Call(403, "POST", self + "/enrol", me, "", "csrf=forged&code=123456", {form, with_cookie});
  auto file =
      r.Call(201, "POST", self + "/files", me, "", "synthetisch antwoord",
             {"Content-Type: application/octet-stream", "X-CSRF-Token: " + csrf, with_cookie});
  r.Call(403, "POST", self + "/files", me, "", "x",
         {"Content-Type: application/octet-stream", with_cookie});
  r.Call(413, "POST", self + "/files", me, "", std::string(kMaxAttachment + 1, 'r'),
         {"Content-Type: application/octet-stream", "X-CSRF-Token: " + csrf, with_cookie});
  json uploaded = json::parse(file.body);
  const json reply = {{"body", "synthetic reply"},
                      {"attachments", json::array({{{"name", "antwoord.txt"},
                                                    {"type", "text/plain"},
                                                    {"attachment_id", uploaded["attachment_id"]},
                                                    {"size", uploaded["size"]},
                                                    {"sha256", uploaded["sha256"]},
                                                    {"envelope", uploaded["envelope"]}}})}};
  const std::vector<std::string> script = {"Content-Type: application/json",
                                           "X-CSRF-Token: " + csrf, with_cookie};
  r.Call(400, "POST", self + "/reply", me, "", "{\"body\":", script);
  r.Call(403, "POST", self + "/reply", me, "", reply.dump(),
         {"Content-Type: application/json", with_cookie});
  auto replied = r.Call(202, "POST", self + "/reply", me, "", reply.dump(), script);
  const std::string reply_id = Field(replied, "id");
  ASSERT_FALSE(reply_id.empty());
  r.Call(422, "POST", self + "/reply", me, "", reply.dump(), script);  // its file is claimed
  r.Call(404, "GET", "/m/" + std::string(43, 'A'), me);
  r.Call(404, "POST", "/m/" + std::string(43, 'A') + "/reply", me, "", reply.dump(), script);
  r.Call(200, "GET", "/m/verify-gateway", me);
  r.Call(200, "GET", "/m/assets/portal.css", me);
  r.Call(200, "GET", "/m/assets/portal.js", me);
  r.Call(200, "GET", "/m/assets/favicon.svg", me);
  r.Call(404, "GET", "/m/assets/nothing.css", me);

  // The reply's file for the sender organisation; re-sending; the portal after a recall.
  const std::string reply_file =
      "/v1/messages/" + reply_id + "/attachments/" + uploaded["attachment_id"].get<std::string>();
  r.Call(200, "GET", reply_file, me, shop);
  r.Call(404, "GET", "/v1/messages/" + reply_id + "/attachments/nothing", me, shop);
  r.Call(403, "GET", reply_file, me, auditor);
  r.Call(200, "GET", "/v1/messages/" + mail_id + "/tracking", me, shop);
  const std::string resend = "/v1/messages/" + mail_id + "/resend";
  r.Call(200, "POST", resend, me, shop,
         json({{"recipients", json::array({{{"email", to}, {"verification", "email_code"}}})}})
             .dump());
  r.Call(400, "POST", resend, me, shop, json({{"recipients", 1}}).dump());
  r.Call(404, "POST", "/v1/messages/m-nonexistent/resend", me, shop,
         json({{"recipients", json::array({{{"email", to}, {"verification", "email_code"}}})}})
             .dump());
  r.Call(403, "POST", resend, me, auditor, "{}");
  const std::string new_link = LinkIn(MailTo(smtp_, to, 3));
  ASSERT_FALSE(new_link.empty());
  const std::string new_self = new_link.substr(new_link.find("/m/"));
  r.Call(200, "POST", "/v1/messages/" + mail_id + "/recall", me, shop, "");
  r.Call(410, "GET", new_self, me);

  // Verification `account`: after a mailed code the page enrols an authenticator app.
  const std::string app_user = "app@example.org";
  json app_mail = mail;
  app_mail["recipients"] = json::array({{{"email", app_user}, {"verification", "account"}}});
  r.Call(202, "POST", "/v1/messages", me, shop, app_mail.dump());
  const std::string app_link = LinkIn(MailTo(smtp_, app_user, 1));
  ASSERT_FALSE(app_link.empty());
  const std::string app_self = app_link.substr(app_link.find("/m/"));
  auto app_page = r.Call(200, "GET", app_self, me);
  std::string app_cookie = CookieIn(app_page, "");
  const std::string app_csrf = CsrfIn(app_page.body);
  r.Call(303, "POST", app_self + "/code", me, "", "csrf=" + app_csrf,
         {form, "Cookie: kp_portal=" + app_cookie});
  const std::string app_code = CodeIn(MailTo(smtp_, app_user, 2)["text"]);
  auto app_verified =
      r.Call(303, "POST", app_self + "/verify", me, "", "csrf=" + app_csrf + "&code=" + app_code,
             {form, "Cookie: kp_portal=" + app_cookie});
  app_cookie = CookieIn(app_verified, app_cookie);
  auto enrolment = r.Call(200, "GET", app_self, me, "", "", {"Cookie: kp_portal=" + app_cookie});
  EXPECT_NE(enrolment.body.find("/enrol"), std::string::npos) << "the enrolment page";
  // A code no app made (the app's key is random): back to the page with a notice.
  auto enrolled = r.Call(303, "POST", app_self + "/enrol", me, "",
                         "csrf=" + CsrfIn(enrolment.body) + "&code=000000",
                         {form, "Cookie: kp_portal=" + app_cookie});
  EXPECT_NE(enrolled.headers["location"].find("notice=wrong_app_code"), std::string::npos);

  // Federation: the peer A delivers over its own certificate.
  const json delivery = {
      {"id", "gw-a-openapi-1"},
      {"kind", "signal"},
      {"from", "essm-rotterdam"},
      {"recipients", {"comensha"}},
      {"routing", {{"region", "GM0599"}, {"age_band", "adult"}}},
      {"subject_ref", kSubject},
      {"legal_basis", "vital_interest"},
      {"created", "2026-01-01T00:00:00Z"},
      {"payload", Sealer(dep_->dir()).SealBase64("essm-rotterdam", {"comensha"}, "via A")}};
  const std::string federation = "/v1/federation/messages";
  r.Call(202, "POST", federation, Peer(), peer_token_, delivery.dump());
  json other = delivery;
  other["payload"] = Sealer(dep_->dir()).SealBase64("essm-rotterdam", {"comensha"}, "other");
  r.Call(409, "POST", federation, Peer(), peer_token_, other.dump());
  json unknown = delivery;
  unknown["id"] = "gw-a-openapi-2";
  unknown["recipients"] = {"nobody-here"};
  r.Call(422, "POST", federation, Peer(), peer_token_, unknown.dump());
  r.Call(400, "POST", federation, Peer(), peer_token_, "{\"id\":");
  r.Call(403, "POST", federation, me, peer_token_, delivery.dump());
  r.Call(403, "POST", federation, me, shop, delivery.dump());
  r.Call(401, "POST", federation, Peer(), "", delivery.dump());
  r.Call(413, "POST", federation, Peer(), peer_token_, too_large);

  // Status reports: A reports that essm-rotterdam, its organisation, closed the delivery.
  crypto::Keyring peer_keys;
  ASSERT_TRUE(peer_keys.LoadKeyFile("tls", peer_->dir() + "/certs/gateway.key.pem").ok());
  const std::string peer_chain = ReadFileOrEmpty(peer_->dir() + "/certs/gateway.cert.pem");
  auto report = [&](const std::string& id, const std::string& message_id,
                    const std::string& actor) {
    delivery::StatusReport rep{.id = id,
                               .message_id = message_id,
                               .recipient = "comensha",
                               .state = "closed",
                               .actor = actor,
                               .set_ms = 1767225600000,
                               .gateway = "gw-a"};
    auto signed_report = delivery::SignStatusReport(peer_keys, "tls", rep);
    EXPECT_TRUE(signed_report.ok());
    return delivery::ToJson(delivery::StatusReportPost{*signed_report, peer_chain});
  };
  const std::string status = "/v1/federation/status";
  const json closing = report("r-openapi-1", "gw-a-openapi-1", "essm-rotterdam");
  r.Call(202, "POST", status, Peer(), peer_token_, closing.dump());
  r.Call(202, "POST", status, Peer(), peer_token_, closing.dump());  // the same receipt
  r.Call(409, "POST", status, Peer(), peer_token_,
         report("r-openapi-1", "gw-a-openapi-1", "essm-rotterdam/someone").dump());
  r.Call(404, "POST", status, Peer(), peer_token_,
         report("r-openapi-2", "m-none", "essm-rotterdam").dump());
  json forged = closing;
  forged["report"]["state"] = "assessed";  // no longer what was signed
  r.Call(422, "POST", status, Peer(), peer_token_, forged.dump());
  json not_the_connections = closing;
  not_the_connections["certificate"] = ReadFileOrEmpty(dep_->dir() + "/certs/gateway.cert.pem");
  r.Call(403, "POST", status, Peer(), peer_token_, not_the_connections.dump());
  r.Call(400, "POST", status, Peer(), peer_token_, "{\"report\":");
  r.Call(401, "POST", status, Peer(), "", closing.dump());
  r.Call(403, "POST", status, me, shop, closing.dump());
  r.Call(413, "POST", status, Peer(), peer_token_, too_large);

  // Audit.
  r.Call(200, "GET", "/v1/audit", me, auditor);
  r.Call(200, "GET", "/v1/audit?format=text&lang=nl&limit=5", me, auditor);
  r.Call(200, "GET", "/v1/audit?subject_ref=" + std::string(kSubject) + "&after=1", me, auditor);
  r.Call(400, "GET", "/v1/audit?lang=fr", me, auditor);
  r.Call(400, "GET", "/v1/audit?from=yesterday", me, auditor);
  r.Call(403, "GET", "/v1/audit?org=comensha", me, auditor);
  r.Call(403, "GET", "/v1/audit", me, shop);
  // (`ketenpoort init` signs the first head: 404 no_checkpoint needs a trail without one.)
  r.Call(200, "GET", "/v1/audit/checkpoint", me, shop);
  r.Call(401, "GET", "/v1/audit/checkpoint", me);
  r.Call(200, "GET", "/v1/audit/witness", me, auditor);
  r.Call(403, "GET", "/v1/audit/witness", me, shop);
  r.Call(200, "GET", "/v1/audit/proof/inclusion?seq=1&size=2", me, auditor);
  r.Call(200, "GET", "/v1/audit/proof/inclusion?seq=2&size=3", Peer(), peer_token_);
  r.Call(400, "GET", "/v1/audit/proof/inclusion?seq=x&size=2", me, auditor);
  r.Call(403, "GET", "/v1/audit/proof/inclusion?seq=1&size=2", me, shop);
  r.Call(200, "GET", "/v1/audit/proof/consistency?first=1&second=3", me, auditor);
  r.Call(200, "GET", "/v1/audit/proof/consistency?first=2&second=3", Peer(), peer_token_);
  r.Call(400, "GET", "/v1/audit/proof/consistency?first=1", me, auditor);
  r.Call(403, "GET", "/v1/audit/proof/consistency?first=1&second=2", me, comensha);

  // Metrics: an admin token, or no token from an allowed address (loopback here); a token of
  // another role is refused from any address, a bad one too.
  auto scraped = r.Call(200, "GET", "/metrics", me, Admin());
  EXPECT_EQ(scraped.headers["content-type"], "text/plain; version=0.0.4");
  r.Call(200, "GET", "/metrics", me);
  r.Call(403, "GET", "/metrics", me, auditor);
  r.Call(401, "GET", "/metrics", me, "not-a-token");

  TempDir dir;
  CommandResult checked = Check(SpecPath(), r.exchanges(), dir, /*every_operation=*/true);
  EXPECT_EQ(checked.exit_code, 0) << checked.out;
}

}  // namespace
}  // namespace ketenpoort::testing
