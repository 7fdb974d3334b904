// `ketenpoort init --dir DIR [--demo] [--port N] [--host H]`: creates a deployment.
//
// Everything is built in a temporary folder beside DIR and renamed into place at the very end,
// so an interrupted or failed init leaves nothing behind and an existing deployment is never
// touched: DIR must not exist, or be an empty folder.
#include <sys/stat.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/audit/audit_log.h"
#include "gateway/auth/api_token.h"
#include "gateway/cli/cli_common.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/core/directory.h"
#include "gateway/core/routing_rules.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/keyring.h"
#include "gateway/io/file.h"
#include "gateway/store/database.h"
#include "gateway/store/db_key.h"
#include "gateway/store/migrations.h"
#include "gateway/workspace/staff_credentials.h"
#include "gateway/workspace/workspace_config.h"
#include "gateway/workspace/workspace_database.h"

namespace ketenpoort::assets {
extern const std::string_view demo_organisations_json;
extern const std::string_view demo_routes_json;
extern const std::string_view demo_staff_json;
}  // namespace ketenpoort::assets

namespace ketenpoort::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kDefaultPort = 8443;

// Routes for a deployment without the demo: no rules yet, but the safety policies that every
// deployment needs (police only with a recorded legal basis) are there from the start.
constexpr std::string_view kEmptyRoutes = R"({
  "version": 1,
  "rules": [],
  "policies": [
    {"id": "police-needs-legal-basis", "recipient_kind": "police", "requires_legal_basis": true}
  ]
})";

// The `portal` organisation exists in every deployment: secure mail is encrypted to it.
const json kPortalOrganisation = {{"id", "portal"},
                                  {"name", "Ketenpoort secure-mail portal"},
                                  {"kind", "portal"},
                                  {"regions", json::array()},
                                  {"accepts", json::array({"securemail"})}};

struct InitOptions {
  std::string dir;
  std::string host;
  int port = kDefaultPort;
  int workspace_port = kDefaultPort + 1;
  bool demo = false;
};

// Creates the CA, the gateway's TLS certificate and one key pair per organisation under
// `stage`/certs, and returns the directory JSON with every certificate filled in.
Result<json> MakeCertificates(const std::string& stage, const InitOptions& opt,
                              const json& organisations) {
  std::string certs = stage + "/certs";
  KP_RETURN_IF_ERROR(io::MakeDirectory(certs, 0700));
  crypto::Keyring keyring;

  KP_ASSIGN_OR_RETURN(std::string ca_public,
                      crypto::Keyring::GenerateKeyFile(certs + "/ca.key.pem"));
  KP_RETURN_IF_ERROR(keyring.LoadKeyFile("ca", certs + "/ca.key.pem"));
  crypto::CertificateRequest ca_req;
  ca_req.common_name = "Ketenpoort development CA";
  ca_req.organization = "Ketenpoort deployment (development only)";
  ca_req.public_key_pem = ca_public;
  ca_req.validity_days = 3650;
  ca_req.is_ca = true;
  KP_ASSIGN_OR_RETURN(crypto::Certificate ca, keyring.IssueCertificate("ca", nullptr, ca_req));
  KP_RETURN_IF_ERROR(io::WriteNewFile(certs + "/ca.cert.pem", ca.ToPem(), 0644));

  KP_ASSIGN_OR_RETURN(std::string gw_public,
                      crypto::Keyring::GenerateKeyFile(certs + "/gateway.key.pem"));
  crypto::CertificateRequest gw_req;
  gw_req.common_name = "localhost";
  gw_req.organization = "Ketenpoort gateway";
  gw_req.public_key_pem = gw_public;
  gw_req.dns_names = {"localhost"};
  gw_req.ip_addresses = {"127.0.0.1", "::1"};
  if (char host[256]; ::gethostname(host, sizeof host) == 0 && std::string(host) != "localhost") {
    gw_req.dns_names.emplace_back(host);
  }
  if (!opt.host.empty() && opt.host != "0.0.0.0" && opt.host != "127.0.0.1" &&
      opt.host != "localhost") {
    gw_req.dns_names.push_back(opt.host);
  }
  gw_req.tls_server = true;
  gw_req.tls_client = true;  // the same certificate authenticates this gateway to its peers
  KP_ASSIGN_OR_RETURN(crypto::Certificate gw, keyring.IssueCertificate("ca", &ca, gw_req));
  // The TLS certificate file holds the chain: leaf first, then the CA.
  KP_RETURN_IF_ERROR(io::WriteNewFile(certs + "/gateway.cert.pem", gw.ToPem() + ca.ToPem(), 0644));

  json out = organisations;
  for (json& org : out["organisations"]) {
    const std::string id = org.at("id").get<std::string>();
    std::string key_path = certs + "/" + id + ".key.pem";
    KP_ASSIGN_OR_RETURN(std::string org_public, crypto::Keyring::GenerateKeyFile(key_path));
    // The secret behind the organisation's client pseudonyms (`ketenpoort pseudonym`); the
    // portal sends for nobody's clients.
    if (org.value("kind", "") != "portal") {
      KP_RETURN_IF_ERROR(
          crypto::Keyring::GeneratePseudonymSecretFile(certs + "/" + id + ".pseudonym.key"));
    }
    crypto::CertificateRequest req;
    req.common_name = id;
    req.organization = org.value("name", id);
    req.public_key_pem = org_public;
    req.smime = true;
    req.tls_client = true;
    KP_ASSIGN_OR_RETURN(crypto::Certificate cert, keyring.IssueCertificate("ca", &ca, req));
    std::string pem = cert.ToPem();
    KP_RETURN_IF_ERROR(io::WriteNewFile(certs + "/" + id + ".cert.pem", pem, 0644));
    org["certificate"] = pem;
  }
  return out;
}

json MakeConfig(const InitOptions& opt) {
  return json{
      {"gateway", {{"id", "ketenpoort-" + fs::path(opt.dir).filename().string()}}},
      {"listen",
       {{"host", opt.host},
        {"port", opt.port},
        {"tls_cert", "certs/gateway.cert.pem"},
        {"tls_key", "certs/gateway.key.pem"}}},
      {"database", {{"path", "ketenpoort.db"}, {"key_file", "db.key"}}},
      {"directory", "directory.json"},
      {"routes", "routes.json"},
      {"portal", {{"base_url", "https://localhost:" + std::to_string(opt.port)}}},
  };
}

// The token file of `org`'s workspace token (role workspace: the workspace names the person
// acting on each request), beside the organisation's coordinator token for the CLI.
std::string WorkspaceTokenFile(std::string_view org) {
  return "tokens/" + std::string(org) + ".workspace.token";
}

// The demo workspace's workspace.json: every demo organisation but the portal, acting through
// the gateway with the organisation's workspace token, key and certificate as `ketenpoort send`
// does with its own.
// The Argon2id cost is the lowest allowed: these passwords lie in staff.json beside the
// database anyway, and a demo made in a test must not spend seconds hashing them.
json MakeWorkspaceConfig(const InitOptions& opt, const Directory& directory) {
  const std::string host = opt.host == "0.0.0.0" || opt.host.empty() ? "127.0.0.1" : opt.host;
  json orgs = json::array();
  for (const Organisation& org : directory.all()) {
    if (org.kind == OrgKind::kPortal)
      continue;
    orgs.push_back({{"id", org.id},
                    {"name", org.name},
                    {"gateway_url", "https://" + host + ":" + std::to_string(opt.port)},
                    {"ca_file", "certs/ca.cert.pem"},
                    {"token_file", WorkspaceTokenFile(org.id)},
                    {"key_file", "certs/" + org.id + ".key.pem"},
                    {"cert_file", "certs/" + org.id + ".cert.pem"}});
  }
  const crypto::PasswordCost demo_cost = crypto::kMinimumPasswordCost;
  return json{{"listen",
               {{"address", opt.host},
                {"port", opt.workspace_port},
                {"tls_cert", "certs/gateway.cert.pem"},
                {"tls_key", "certs/gateway.key.pem"}}},
              {"database", {{"path", "workspace.db"}, {"key_file", "workspace.key"}}},
              {"organisations", orgs},
              {"session", {{"idle_timeout_ms", 900000}}},
              {"lockout", {{"max_failures", 5}, {"lock_ms", 900000}}},
              {"password_hash",
               {{"time_cost", demo_cost.time_cost},
                {"memory_kib", demo_cost.memory_kib},
                {"parallelism", demo_cost.parallelism}}}};
}

// workspace.json, its database with the demo staff of config/demo/staff_accounts.json, and
// staff.json (0600) with their log-ins.
Status BuildDemoWorkspace(const std::string& stage, const InitOptions& opt,
                          const Directory& directory) {
  const std::string config_file = stage + "/workspace.json";
  const json config_json = MakeWorkspaceConfig(opt, directory);
  KP_RETURN_IF_ERROR(io::WriteNewFile(config_file, config_json.dump(2) + "\n", 0644));
  KP_ASSIGN_OR_RETURN(workspace::WorkspaceConfig config,
                      workspace::ParseWorkspaceConfig(config_file, config_json.dump()));
  KP_RETURN_IF_ERROR(store::DbKey::Generate().WriteNewFile(config.database.key_file));
  KP_ASSIGN_OR_RETURN(store::Database db, workspace::OpenWorkspaceDatabase(config.database));
  const std::int64_t now_ms = audit::NowMs();
  json logins = json::array();
  const json demo_staff = json::parse(assets::demo_staff_json);
  for (const json& person : demo_staff.at("staff")) {
    std::string roles_text;
    for (const json& r : person.at("roles"))
      roles_text += (roles_text.empty() ? "" : ",") + r.get<std::string>();
    KP_ASSIGN_OR_RETURN(std::vector<workspace::StaffRole> roles,
                        workspace::ParseStaffRoles(roles_text));
    const std::string org = person.at("org").get<std::string>();
    if (config.FindOrganisation(org) == nullptr) {
      return Internal("demo_staff_invalid",
                      "config/demo/staff_accounts.json names unknown organisation " + org);
    }
    KP_ASSIGN_OR_RETURN(workspace::IssuedCredentials issued,
                        workspace::AddStaff(db,
                                            {.org = org,
                                             .username = person.at("username").get<std::string>(),
                                             .display_name = person.at("name").get<std::string>(),
                                             .roles = roles},
                                            config.password_cost, now_ms));
    logins.push_back({{"org", org},
                      {"username", issued.username},
                      {"password", issued.password},
                      {"totp_secret", issued.totp_secret},
                      {"roles", person.at("roles")}});
  }
  return io::WriteNewFile(stage + "/staff.json", logins.dump(2) + "\n", 0600);
}

Status BuildDeployment(const std::string& stage, const InitOptions& opt,
                       std::vector<std::string>& token_files) {
  // Organisations: the demo set, or only the portal.
  json organisations;
  if (opt.demo) {
    organisations = json::parse(assets::demo_organisations_json);
  } else {
    organisations = json{{"version", 1}, {"organisations", json::array({kPortalOrganisation})}};
  }
  KP_ASSIGN_OR_RETURN(json directory_json, MakeCertificates(stage, opt, organisations));

  // Both files must load exactly as `serve` will load them.
  KP_ASSIGN_OR_RETURN(Directory directory, Directory::FromJson(directory_json));
  json routes_json = json::parse(opt.demo ? assets::demo_routes_json : kEmptyRoutes);
  KP_ASSIGN_OR_RETURN(RoutingRules rules, RoutingRules::FromJson(routes_json, directory));
  (void)rules;

  KP_RETURN_IF_ERROR(
      io::WriteNewFile(stage + "/directory.json", directory_json.dump(2) + "\n", 0644));
  KP_RETURN_IF_ERROR(io::WriteNewFile(stage + "/routes.json", routes_json.dump(2) + "\n", 0644));
  KP_RETURN_IF_ERROR(
      io::WriteNewFile(stage + "/gateway.json", MakeConfig(opt).dump(2) + "\n", 0644));

  store::DbKey key = store::DbKey::Generate();
  KP_RETURN_IF_ERROR(key.WriteNewFile(stage + "/db.key"));
  KP_ASSIGN_OR_RETURN(store::Database db, store::Database::Open(stage + "/ketenpoort.db", key,
                                                                store::OpenMode::kCreate));
  KP_RETURN_IF_ERROR(store::Migrate(db));

  if (opt.demo) {
    KP_RETURN_IF_ERROR(io::MakeDirectory(stage + "/tokens", 0700));
    // Issues a token and writes it to `file` (0600), below the deployment.
    auto issue = [&](const std::string& org, Role role, std::string_view user,
                     const std::string& file) -> Status {
      KP_ASSIGN_OR_RETURN(std::string token, auth::IssueApiToken(db, org, role, user));
      KP_RETURN_IF_ERROR(io::WriteNewFile(stage + "/" + file, token + "\n", 0600));
      token_files.push_back(file);
      return Ok();
    };
    for (const Organisation& org : directory.all()) {
      if (org.kind == OrgKind::kPortal)
        continue;  // neither the CLI nor the workspace acts for the portal
      KP_RETURN_IF_ERROR(issue(org.id, Role::kCoordinator, "", "tokens/" + org.id + ".token"));
      KP_RETURN_IF_ERROR(issue(org.id, Role::kWorkspace, "", WorkspaceTokenFile(org.id)));
    }
    KP_RETURN_IF_ERROR(
        issue("shop-denhaag", Role::kAuditor, "demo-auditor", "tokens/shop-denhaag.auditor.token"));
    KP_RETURN_IF_ERROR(BuildDemoWorkspace(stage, opt, directory));
  }

  // The first signed tree head, over the token_issue entries (or the empty trail).
  crypto::Keyring keyring;
  KP_RETURN_IF_ERROR(keyring.LoadKeyFile("gateway", stage + "/certs/gateway.key.pem"));
  KP_ASSIGN_OR_RETURN(auto tls_chain, crypto::LoadPemChainFile(stage + "/certs/gateway.cert.pem"));
  KP_ASSIGN_OR_RETURN(audit::TreeHead head,
                      audit::AuditLog().SignHead(db, keyring, "gateway", audit::NowMs(),
                                                 tls_chain.empty() ? nullptr : &tls_chain.front()));
  (void)head;
  return Ok();
}

bool IsEmptyFolder(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec) && fs::is_empty(p, ec) && !ec;
}

}  // namespace

int RunInit(int argc, char** argv) {
  Flags flags(
      "init",
      "Creates a deployment in DIR: gateway.json, db.key (0600), an encrypted database,\n"
      "certs/ (a development CA, the gateway's TLS certificate, one key pair and one\n"
      "pseudonym secret per organisation), directory.json and routes.json. With --demo: "
      "the demo organisations,\n"
      "their routing rules and one API token each in tokens/ORG.token (0600), and the\n"
      "demo workspace: workspace.json, its database, staff.json (0600), the log-ins of\n"
      "its demo staff, and its workspace tokens in tokens/ORG.workspace.token (0600).\n"
      "Refuses to touch an existing deployment: DIR must not exist or be empty.",
      {{"dir", "DIR", "folder to create the deployment in", Flag::kRequired},
       {"demo", "", "add the demo organisations, routing rules and tokens"},
       {"port", "N", "HTTPS port (default 8443)"},
       {"host", "ADDR", "address to listen on (default 127.0.0.1)"},
       {"workspace-port", "N", "with --demo: the workspace's HTTPS port (default: port + 1)"}});
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;

  InitOptions opt;
  opt.dir = fs::absolute(parsed->Get("dir")).lexically_normal().string();
  while (opt.dir.size() > 1 && opt.dir.back() == '/')
    opt.dir.pop_back();
  opt.demo = parsed->Has("demo");
  opt.host = parsed->Has("host") ? parsed->Get("host") : "127.0.0.1";
  if (parsed->Has("port")) {
    try {
      std::size_t used = 0;
      opt.port = std::stoi(parsed->Get("port"), &used);
      if (used != parsed->Get("port").size() || opt.port < 1 || opt.port > 65535)
        throw std::out_of_range("port");
    } catch (const std::exception&) {
      return Fail(
          InvalidArgument("invalid_option", "must be a port number from 1 to 65535", "--port"));
    }
  }

  opt.workspace_port = opt.port < 65535 ? opt.port + 1 : opt.port - 1;
  if (parsed->Has("workspace-port")) {
    try {
      std::size_t used = 0;
      opt.workspace_port = std::stoi(parsed->Get("workspace-port"), &used);
      if (used != parsed->Get("workspace-port").size() || opt.workspace_port < 1 ||
          opt.workspace_port > 65535 || opt.workspace_port == opt.port)
        throw std::out_of_range("port");
    } catch (const std::exception&) {
      return Fail(InvalidArgument("invalid_option",
                                  "must be a port number from 1 to 65535, not --port",
                                  "--workspace-port"));
    }
  }

  std::error_code ec;
  bool exists = fs::exists(opt.dir, ec);
  if (exists && !IsEmptyFolder(opt.dir)) {
    return Fail(
        Conflict("deployment_exists",
                 "'" + opt.dir + "' already exists and is not empty; refusing to touch it"));
  }
  fs::path parent = fs::path(opt.dir).parent_path();
  if (!fs::is_directory(parent, ec)) {
    return Fail(InvalidArgument("invalid_option",
                                "parent folder '" + parent.string() + "' does not exist", "--dir"));
  }

  std::string stage = opt.dir + ".init-XXXXXX";
  if (::mkdtemp(stage.data()) == nullptr) {
    return Fail(InvalidArgument("file_write_failed", "cannot create a folder beside the deployment",
                                opt.dir));
  }
  ::chmod(stage.c_str(), 0700);
  std::vector<std::string> token_files;
  Status built = BuildDeployment(stage, opt, token_files);
  if (built) {
    // rename(2) replaces an empty folder atomically; a non-empty one was refused above.
    if (::rename(stage.c_str(), opt.dir.c_str()) != 0) {
      built = InvalidArgument("file_write_failed", "cannot move the new deployment into place",
                              opt.dir);
    } else {
      built = io::SyncDirectory(parent.string());
    }
  }
  if (!built) {
    fs::remove_all(stage, ec);
    return Fail(built.error());
  }

  std::printf("Created deployment in %s\n", opt.dir.c_str());
  std::printf("  config:   %s/gateway.json\n", opt.dir.c_str());
  std::printf("  database: %s/ketenpoort.db (SQLCipher, key in db.key, mode 0600)\n",
              opt.dir.c_str());
  std::printf("  CA:       %s/certs/ca.cert.pem (development only)\n", opt.dir.c_str());
  // A peer that accepts this gateway's deliveries binds the token it issues to this certificate
  // (`token issue --role peer --cert`): say which file to hand over, and its fingerprint to
  // compare out of band.
  if (auto chain = crypto::LoadPemChainFile(opt.dir + "/certs/gateway.cert.pem");
      chain && !chain->empty()) {
    std::printf("  TLS cert: %s/certs/gateway.cert.pem (SHA-256 %s)\n", opt.dir.c_str(),
                chain->front().Sha256Fingerprint().c_str());
    std::printf("            peers bind the peer token they issue this gateway to it\n");
  }
  if (!token_files.empty()) {
    std::printf("  tokens:   %zu files in %s/tokens/ (mode 0600)\n", token_files.size(),
                opt.dir.c_str());
  }
  if (opt.demo) {
    std::printf(
        "  workspace: %s/workspace.json (https://%s:%d); staff log-ins in %s/staff.json "
        "(mode 0600)\n",
        opt.dir.c_str(), opt.host == "0.0.0.0" ? "127.0.0.1" : opt.host.c_str(), opt.workspace_port,
        opt.dir.c_str());
  }
  std::printf("Start it with: ketenpoort serve --config %s/gateway.json\n", opt.dir.c_str());
  if (opt.demo) {
    std::printf("and the workspace with: ketenpoort workspace --config %s/workspace.json\n",
                opt.dir.c_str());
  }
  return kExitOk;
}

}  // namespace ketenpoort::cli
