#include "gateway/workspace/workspace_server.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/api/https_server.h"
#include "gateway/api/router.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/keyring.h"
#include "gateway/log/log.h"
#include "gateway/store/guarded_database.h"
#include "gateway/workspace/gateway_link.h"
#include "gateway/workspace/staff_login.h"
#include "gateway/workspace/workspace_database.h"
#include "gateway/workspace/workspace_routes.h"

namespace ketenpoort::workspace {

namespace {

constexpr char kTlsKeyId[] = "workspace-tls";
constexpr unsigned kWorkerThreads = 4;
constexpr std::size_t kMaxBodyBytes = 8 * 1024 * 1024;  // a composed message and its form

}  // namespace

struct WorkspaceServer::State {
  WorkspaceConfig config;
  std::optional<store::GuardedDatabase> db;
  crypto::Keyring keyring;
  std::vector<crypto::Certificate> tls_chain;
  std::optional<StaffLogin> login;
  std::optional<LoginThrottle> throttle;
  std::map<std::string, std::unique_ptr<GatewayLink>> links;
  api::Router router;
  std::optional<api::HttpsServer> https;
};

WorkspaceServer::WorkspaceServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

WorkspaceServer::~WorkspaceServer() {
  Stop();
}

Result<std::unique_ptr<WorkspaceServer>> WorkspaceServer::Open(const WorkspaceConfig& config) {
  auto s = std::make_unique<State>();
  s->config = config;
  KP_ASSIGN_OR_RETURN(store::Database db, OpenWorkspaceDatabase(config.database));
  s->db.emplace(std::move(db));
  KP_RETURN_IF_ERROR(s->keyring.LoadKeyFile(kTlsKeyId, config.listen.tls_key));
  KP_ASSIGN_OR_RETURN(s->tls_chain, crypto::LoadPemChainFile(config.listen.tls_cert));
  if (s->tls_chain.empty())
    return InvalidArgument("invalid_config", "holds no certificate", config.listen.tls_cert);
  s->login.emplace(*s->db, config.lockout, config.password_cost);
  s->throttle.emplace(LoginThrottle::Options{.max_failures = config.lockout.per_address_failures,
                                             .window_ms = config.lockout.lock_ms});
  // Every organisation's token, key and certificate is checked before anything is served: a
  // workspace that could not open its messages should not start as if it could.
  for (const WorkspaceOrganisation& org : s->config.organisations) {
    KP_ASSIGN_OR_RETURN(std::unique_ptr<GatewayLink> link, GatewayLink::Open(org));
    s->links.emplace(org.id, std::move(link));
  }
  RegisterWorkspaceRoutes(s->router, WorkspaceSite{.config = &s->config,
                                                   .links = &s->links,
                                                   .db = &*s->db,
                                                   .login = &*s->login,
                                                   .throttle = &*s->throttle});
  return std::unique_ptr<WorkspaceServer>(new WorkspaceServer(std::move(s)));
}

Status WorkspaceServer::Start() {
  State* st = state_.get();
  api::HttpsServer::Config c;
  c.host = st->config.listen.address;
  c.port = st->config.listen.port;
  c.max_body_bytes = kMaxBodyBytes;
  c.worker_threads = kWorkerThreads;
  c.install_certificate_and_key = [st](SSL_CTX* ctx) {
    return st->keyring.InstallInTlsContext(kTlsKeyId, st->tls_chain, ctx);
  };
  st->https.emplace(std::move(c));
  KP_RETURN_IF_ERROR(st->https->Start(st->router));
  log::Info("workspace_listening", {{"url", Url()}});
  return Ok();
}

void WorkspaceServer::Stop() {
  if (state_ && state_->https)
    state_->https->Stop();
}

std::string WorkspaceServer::Url() const {
  const std::string& host = state_->config.listen.address;
  const std::string shown = host == "0.0.0.0" ? "127.0.0.1" : (host == "::" ? "[::1]" : host);
  const int port = state_->https ? state_->https->port() : state_->config.listen.port;
  return "https://" + shown + ":" + std::to_string(port);
}

}  // namespace ketenpoort::workspace
