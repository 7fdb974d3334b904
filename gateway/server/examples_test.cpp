// The examples at the top of gateway/server's headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with a C++ example is not named here. They run
// on demo deployments made by `ketenpoort init --demo` (tests/harness/harness.h): the route
// registrations with the services built from a deployment as Gateway::Open builds them, and
// requests dispatched by the Router with the deployment's own tokens, as the server does.

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adapters/kinds/registry.h"
#include "gateway/api/router.h"
#include "gateway/audit/audit_log.h"
#include "gateway/auth/api_token.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/directory.h"
#include "gateway/core/routing_rules.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/keyring.h"
#include "gateway/federation/federation_service.h"
#include "gateway/io/file.h"
#include "gateway/messages/live_directory.h"
#include "gateway/messages/message_service.h"
#include "gateway/securemail/securemail_service.h"
#include "gateway/server/federation_routes.h"
#include "gateway/server/gateway.h"
#include "gateway/server/message_routes.h"
#include "gateway/server/pending_response.h"
#include "gateway/server/securemail_routes.h"
#include "gateway/store/blob_store.h"
#include "gateway/store/database.h"
#include "gateway/store/db_key.h"
#include "gateway/store/group_commit.h"
#include "gateway/store/guarded_database.h"
#include "gateway/store/test_support.h"
#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::server {
namespace {

using nlohmann::json;

Result<json> ReadJson(const std::string& path) {
  KP_ASSIGN_OR_RETURN(std::string text, io::ReadFile(path));
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded())
    return InvalidArgument("invalid_json", "is not valid JSON", path);
  return value;
}

// A demo deployment and what Gateway::Open builds the routes' services from: its database (with
// a group commit on it), directory, routing rules, TLS and portal keys.
struct Demo {
  std::unique_ptr<testing::Deployment> dep = testing::Deployment::Create();
  config::GatewayConfig config;
  std::optional<store::GuardedDatabase> db;
  std::optional<store::GroupCommit> commits;  // after db, which it writes to
  std::optional<Directory> directory;
  std::optional<RoutingRules> routes;
  std::optional<LiveDirectory> live;  // the two above, as Gateway::Open shares them
  crypto::Keyring keyring;            // "tls" and "portal", the ids Gateway::Open gives them
  std::vector<crypto::Certificate> tls_chain;

  Status Open() {
    KP_ASSIGN_OR_RETURN(config, config::LoadGatewayConfig(dep->config_path()));
    KP_ASSIGN_OR_RETURN(store::DbKey key, store::ResolveKey(config.database.key_file));
    KP_ASSIGN_OR_RETURN(store::Database conn, store::Database::Open(config.database.path, key,
                                                                    store::OpenMode::kExisting));
    db.emplace(std::move(conn));
    commits.emplace(*db);
    KP_ASSIGN_OR_RETURN(json directory_json, ReadJson(config.directory));
    KP_ASSIGN_OR_RETURN(Directory d, Directory::FromJson(directory_json));
    directory.emplace(std::move(d));
    KP_ASSIGN_OR_RETURN(json routes_json, ReadJson(config.routes));
    KP_ASSIGN_OR_RETURN(RoutingRules r, RoutingRules::FromJson(routes_json, *directory));
    routes.emplace(std::move(r));
    KP_ASSIGN_OR_RETURN(DirectorySnapshot snapshot, DirectorySnapshot::Make(*directory, *routes));
    live.emplace(std::move(snapshot));
    KP_RETURN_IF_ERROR(keyring.LoadKeyFile("tls", config.listen.tls_key));
    KP_RETURN_IF_ERROR(keyring.LoadKeyFile("portal", config.portal.key_file));
    KP_ASSIGN_OR_RETURN(tls_chain, crypto::LoadPemChainFile(config.listen.tls_cert));
    return Ok();
  }

  // `method path` dispatched by `router` as the server does, with `token` (the deployment's
  // tokens are in its database) and the client certificate `cert_sha256` of the connection.
  api::Response Call(const api::Router& router, const std::string& method, const std::string& path,
                     const std::string& token, const json& body = nullptr,
                     const std::string& cert_sha256 = "") {
    api::Request r;
    r.method = method;
    r.path = path;
    if (!token.empty())
      r.headers["Authorization"] = "Bearer " + token;
    if (!body.is_null()) {
      r.headers["Content-Type"] = "application/json";
      r.body = body.dump();
    }
    r.remote_address = "192.0.2.7";
    r.client_cert_sha256 = cert_sha256;
    r.request_id = "examples";
    return api::Response::Wait(
        router.Dispatch(r, [this](std::string_view t, const api::Request&) -> Result<Principal> {
          return db->Read(
              [&](store::Database& conn) { return auth::AuthenticateApiToken(conn, t); });
        }));
  }
};

// Every file under `dir` with its bytes.
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file())
      files[entry.path().string()] = testing::ReadFileOrEmpty(entry.path().string());
  }
  return files;
}

std::string CodeOf(const api::Response& r) {
  json body = json::parse(r.body, nullptr, false);
  return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
}

std::optional<std::string> HeaderOf(const api::Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name)
      return v;
  }
  return std::nullopt;
}

// gateway/server/federation_routes.h
TEST(ServerExamples, FederationRoutes) {
  Demo demo;
  // A peer token as `ketenpoort token issue --role peer` makes it, bound to the certificate the
  // peer presents (here, for the test, a certificate of the deployment's own CA).
  const std::string peer_cert_file = demo.dep->dir() + "/certs/comensha.cert.pem";
  testing::CommandResult issued = testing::RunKetenpoort(
      {"token", "issue", "--config", demo.dep->config_path(), "--role", "peer", "--org", "gw-b",
       "--gateway-url", "https://gw-b.example.org:8443", "--cert", peer_cert_file});
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  const std::string peer_token = issued.out.substr(0, issued.out.find('\n'));
  auto peer_cert = crypto::Certificate::LoadPemFile(peer_cert_file);
  ASSERT_TRUE(peer_cert.ok()) << peer_cert.error().ToString();
  Status opened = demo.Open();
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  FederationService::Config fc;
  fc.commits = &*demo.commits;
  fc.directory = &*demo.live;
  fc.keyring = &demo.keyring;
  fc.receipt_key_id = "tls";
  fc.kinds = &kinds::BuiltinKinds();
  fc.gateway_id = demo.config.gateway_id;
  fc.certificate_pem = demo.tls_chain.front().ToPem();
  fc.clock = audit::NowMs;
  auto made = FederationService::Create(std::move(fc));
  ASSERT_TRUE(made.ok()) << made.error().ToString();
  std::unique_ptr<FederationService> service = std::move(*made);
  api::Router router;

  RegisterFederationRoutes(router, *service);  // `service` must outlive the router's use

  const std::string path = "/v1/federation/messages";
  // An organisation's token: 403 forbidden.
  api::Response org =
      demo.Call(router, "POST", path, demo.dep->Token("shop-denhaag"), json::object());
  EXPECT_EQ(org.status, 403) << org.body;
  EXPECT_EQ(CodeOf(org), "forbidden");
  // A peer token from a connection without its certificate: refused before the route runs.
  api::Response bare = demo.Call(router, "POST", path, peer_token, json::object());
  EXPECT_EQ(bare.status, 403) << bare.body;
  EXPECT_EQ(CodeOf(bare), "peer_certificate_mismatch");
  // With its certificate it passes, and the service checks the delivery itself.
  api::Response bound =
      demo.Call(router, "POST", path, peer_token, json::object(), peer_cert->Sha256Fingerprint());
  EXPECT_EQ(bound.status, 400) << bound.body;
  EXPECT_EQ(CodeOf(bound), "invalid_request");  // an empty delivery
}

// gateway/server/gateway.h
TEST(ServerExamples, Gateway) {
  auto dep = testing::Deployment::Create();
  testing::HttpsClient client(dep->ca_path());
  testing::HttpResponse health;
  const std::string path = dep->config_path();

  auto serve = [&]() -> Status {
    auto config = config::LoadGatewayConfig(path);
    if (!config)
      return config.error();
    auto gateway = server::Gateway::Open(*config);  // key, database, directory, routes, TLS key
    if (!gateway)
      return gateway.error();                      // one clear error, nothing changed on disk
    KP_RETURN_IF_ERROR((*gateway)->Start());       // HTTPS on listen.host:listen.port
    health = client.Get(dep->url() + "/healthz");  // ... wait for SIGTERM ...
    (*gateway)->Stop();                            // finishes in-flight requests, closes db
    return Ok();
  };
  Status served = serve();
  ASSERT_TRUE(served.ok()) << served.error().ToString();
  EXPECT_EQ(health.status, 200) << health.error;
  EXPECT_EQ(json::parse(health.body), json({{"status", "ok"}}));
  EXPECT_EQ(client.Get(dep->url() + "/healthz").status, 0);  // stopped: nothing listens

  // An invalid routes file fails Open, naming the file, and leaves the deployment as it was.
  auto config = config::LoadGatewayConfig(path);
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  json routes = json::parse(testing::ReadFileOrEmpty(config->routes));
  routes["rules"][0]["to"] = {"no-such-organisation"};
  store::test::WriteFileBytes(config->routes, routes.dump(2), 0644);
  const auto before = Snapshot(dep->dir());
  Status refused = serve();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field.rfind(config->routes, 0), 0u) << refused.error().ToString();
  EXPECT_EQ(Snapshot(dep->dir()), before);
}

// gateway/server/message_routes.h
TEST(ServerExamples, MessageRoutes) {
  Demo demo;
  Status opened = demo.Open();
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  const KindRegistry& kinds = kinds::BuiltinKinds();
  auto made = MessageService::Create(*demo.db, *demo.commits, *demo.live, kinds, audit::NowMs);
  ASSERT_TRUE(made.ok()) << made.error().ToString();
  std::unique_ptr<MessageService> service = std::move(*made);
  api::Router router;

  RegisterMessageRoutes(router, *service, kinds);  // both must outlive the router's use

  // A signal about a minor in Rotterdam, sealed for the three organisations the routes name.
  testing::Sealer sealer(demo.dep->dir());
  const json signal = {
      {"kind", "signal"},
      {"routing", {{"region", "GM0599"}, {"age_band", "minor"}, {"exploitation", "sexual"}}},
      {"subject_ref", "1f08c40c287ac474f3f3b0a4133bf082a9bb488d73524fff13b9ff39f75be697"},
      {"legal_basis", "vital_interest"},
      {"payload", sealer.SealBase64("shop-denhaag",
                                    {"comensha", "meldpunt-rotterdam", "veilig-thuis-rotterdam"},
                                    "synthetic signal")}};
  api::Response sent =
      demo.Call(router, "POST", "/v1/messages", demo.dep->Token("shop-denhaag"), signal);
  ASSERT_EQ(sent.status, 202) << sent.body;
  const json accepted = json::parse(sent.body);
  EXPECT_EQ(accepted["status"], "accepted");
  EXPECT_EQ(accepted["recipients"],
            json({"comensha", "meldpunt-rotterdam", "veilig-thuis-rotterdam"}));
  const std::string id = accepted["id"];

  api::Response inbox = demo.Call(router, "GET", "/v1/inbox", demo.dep->Token("comensha"));
  ASSERT_EQ(inbox.status, 200) << inbox.body;
  const json messages = json::parse(inbox.body)["messages"];
  ASSERT_EQ(messages.size(), 1u) << inbox.body;
  EXPECT_EQ(messages[0]["id"], id);
  api::Response tracking =
      demo.Call(router, "GET", "/v1/messages/" + id + "/tracking", demo.dep->Token("shop-denhaag"));
  EXPECT_EQ(tracking.status, 200) << tracking.body;
  // Without a token, every route of the table asks for one; none is missing.
  for (const auto& [method, route] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/v1/messages"},
           {"GET", "/v1/inbox"},
           {"GET", "/v1/messages/" + id},
           {"POST", "/v1/messages/" + id + "/status"},
           {"GET", "/v1/messages/" + id + "/tracking"},
           {"POST", "/v1/messages/" + id + "/recall"}}) {
    EXPECT_EQ(demo.Call(router, method, route, "").status, 401) << method << " " << route;
  }
}

// gateway/server/pending_response.h
TEST(ServerExamples, PendingResponse) {
  store::test::TempDir tmp;
  auto conn = store::test::MigratedDatabase(tmp.File("kp.db"));
  ASSERT_TRUE(conn.ok()) << conn.error().ToString();
  store::GuardedDatabase db(std::move(*conn));
  store::GroupCommit commits(db);
  audit::AuditEntry entry;
  entry.time_ms = audit::NowMs();
  entry.event = std::string(audit::event::kSubmit);
  entry.organisation = "shop-denhaag";
  entry.role = "sender";
  entry.action = std::string(audit::action::kCreate);
  entry.object = "m-0f3a";
  entry.outcome = std::string(audit::kOutcomeSuccess);
  api::Router router;
  router.Add(
      "POST", "/v1/examples", api::Access::Public(),
      [&](api::Request&) {
        auto pending = PendingResponse::Create();
        commits.Submit(
            [entry](store::Database& conn) { return audit::AuditLog().Append(conn, entry); },
            [pending](Status s) {  // on the committer thread, after the commit
              pending->Complete(s ? api::Response::Json(202, {{"id", "m-0f3a"}})
                                  : api::Response::FromError(s.error()));
            });
        return pending->Later();  // the handler's Response (api::Response::Later)
      },
      api::HandlerCost::kNonBlocking);

  api::Request request;
  request.method = "POST";
  request.path = "/v1/examples";
  api::Response later = router.Dispatch(request, {});
  ASSERT_TRUE(later.deferred);  // no thread waits for the commit
  api::Response r = api::Response::Wait(std::move(later));
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, R"({"id":"m-0f3a"})");
  // Completed after the commit: the entry is there.
  auto trail = db.Read([](store::Database& c) { return audit::AuditLog().Query(c, {}); });
  ASSERT_TRUE(trail.ok()) << trail.error().ToString();
  ASSERT_EQ(trail->size(), 1u);
  EXPECT_EQ((*trail)[0].entry.object, "m-0f3a");
}

// gateway/server/securemail_routes.h
TEST(ServerExamples, SecureMailRoutes) {
  Demo demo;
  Status opened = demo.Open();
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  auto blobs = store::BlobStore::Open(demo.config.database.blob_dir);
  ASSERT_TRUE(blobs.ok()) << blobs.error().ToString();
  // As Gateway::Open builds it, without an SMTP relay or SMS provider: notifications wait.
  SecureMailService::Deps d;
  d.db = &*demo.db;
  d.blobs = &*blobs;
  d.directory = &*demo.live;
  d.keyring = &demo.keyring;
  d.portal_key_id = "portal";
  d.clock = audit::NowMs;
  d.options.base_url = demo.config.portal.base_url;
  auto made = SecureMailService::Create(std::move(d));
  ASSERT_TRUE(made.ok()) << made.error().ToString();
  std::unique_ptr<SecureMailService> securemail = std::move(*made);
  const std::string fingerprint = demo.tls_chain.front().Sha256Fingerprint();
  const UploadLimits limits;
  api::Router router;

  RegisterSecureMailRoutes(router, *securemail, fingerprint, limits);

  // Is this mail genuine? The page shows the gateway certificate's fingerprint.
  api::Response genuine = demo.Call(router, "GET", "/m/verify-gateway", "");
  EXPECT_EQ(genuine.status, 200);
  EXPECT_NE(genuine.body.find(fingerprint), std::string::npos) << genuine.body;
  EXPECT_NE(HeaderOf(genuine, "Content-Security-Policy"), std::nullopt);
  EXPECT_EQ(HeaderOf(genuine, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(demo.Call(router, "GET", "/m/assets/portal.css", "").status, 200);
  // A link nobody was sent: not found, with the same headers.
  api::Response unknown = demo.Call(router, "GET", "/m/" + std::string(43, 'A'), "");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(HeaderOf(unknown, "Referrer-Policy"), "no-referrer");
  // The sender's side needs a token of the right role.
  EXPECT_EQ(demo.Call(router, "POST", "/v1/attachments", "").status, 401);
  EXPECT_EQ(demo.Call(router, "POST", "/v1/messages/m-0f3a/resend", "").status, 401);
}

}  // namespace
}  // namespace ketenpoort::server
