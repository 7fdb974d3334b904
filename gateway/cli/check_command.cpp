// `ketenpoort check --config FILE`: validates a deployment without starting it or changing it,
// one line per finding, as an operator checks a Postfix or nginx configuration before a
// (re)start:
//
//   $ ketenpoort check --config /srv/kp/gateway.json
//   ok    config: /srv/kp/gateway.json
//   ok    database key: /srv/kp/db.key (mode 0600)
//   FAIL  tls key: /srv/kp/certs/gateway.key.pem is readable by group or others (mode 0644)
//   warn  tls certificate: /srv/kp/certs/gateway.cert.pem expires 2026-12-20 (in 18 days)
//   ...
//   1 problem, 1 warning
//
// Checks: the config; the database key file and the private keys (TLS, portal) are not readable
// by group or others; the TLS certificate chain and every organisation certificate of the
// directory load and are not expired (warn within 30 days); the directory and the routing
// rules; the database opens with its key and its schema is not newer than this binary's (older
// is a warning: `serve` migrates it); the kinds' settings; the audit trail verifies. The
// database is opened read-only in effect: nothing is migrated or written.
// Exit 0 when nothing failed (warnings allowed), 1 when a check failed, 2 when the config
// itself cannot be read (nothing else can be checked then) or for bad arguments.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "adapters/kinds/registry.h"
#include "gateway/audit/audit_log.h"
#include "gateway/audit/time_format.h"
#include "gateway/cli/cli_common.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/directory.h"
#include "gateway/core/routing_rules.h"
#include "gateway/crypto/certificate.h"
#include "gateway/io/file.h"
#include "gateway/store/database.h"
#include "gateway/store/db_key.h"
#include "gateway/store/migrations.h"
#include "gateway/workspace/gateway_link.h"
#include "gateway/workspace/workspace_config.h"
#include "gateway/workspace/workspace_database.h"

namespace ketenpoort::cli {

namespace {

constexpr std::int64_t kWarnDays = 30;

class Findings {
 public:
  void Ok(const std::string& what, const std::string& detail) { Line("ok   ", what, detail); }
  void Warn(const std::string& what, const std::string& detail) {
    ++warnings_;
    Line("warn ", what, detail);
  }
  void Fail(const std::string& what, const std::string& detail) {
    ++problems_;
    Line("FAIL ", what, detail);
  }
  void Fail(const std::string& what, const Error& e) { Fail(what, e.ToString()); }
  int problems() const { return problems_; }
  int warnings() const { return warnings_; }

 private:
  static void Line(const char* mark, const std::string& what, const std::string& detail) {
    std::printf("%s %s: %s\n", mark, what.c_str(), detail.c_str());
  }
  int problems_ = 0;
  int warnings_ = 0;
};

std::string Mode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

// A secret file must exist and be readable by its owner alone.
void CheckSecretFile(Findings& f, const std::string& what, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    f.Fail(what, path + " cannot be read");
    return;
  }
  if ((st.st_mode & 077) != 0) {
    f.Fail(what,
           path + " is readable by group or others (mode " + Mode(st.st_mode) + "); chmod 600 it");
    return;
  }
  f.Ok(what, path + " (mode " + Mode(st.st_mode) + ")");
}

void CheckExpiry(Findings& f, const std::string& what, const std::string& name,
                 const crypto::Certificate& cert, std::int64_t now_ms) {
  const std::int64_t end_ms = cert.NotAfterUnix() * 1000;
  const std::string day = audit::FormatTime(end_ms).substr(0, 10);
  const std::int64_t days_left = (end_ms - now_ms) / (24LL * 3600 * 1000);
  if (end_ms <= now_ms)
    f.Fail(what, name + " expired on " + day);
  else if (days_left < kWarnDays)
    f.Warn(what, name + " expires " + day + " (in " + std::to_string(days_left) + " days)");
  else
    f.Ok(what, name + " valid until " + day);
}

Result<nlohmann::json> ReadJson(const std::string& path) {
  KP_ASSIGN_OR_RETURN(std::string text, io::ReadFile(path));
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded())
    return InvalidArgument("invalid_json", "is not valid JSON", path);
  return doc;
}

// Opens the database at `path` with `key` (nothing is migrated or written) into `db` and reads
// its schema version; nullopt after a finding when that fails or the schema is newer than
// `latest`, this binary's.
std::optional<int> OpenAndReadSchema(Findings& f, const std::string& path, Result<store::DbKey> key,
                                     int latest, std::optional<store::Database>& db) {
  if (!key) {
    f.Fail("database", key.error());
    return std::nullopt;
  }
  auto opened = store::Database::Open(path, *key, store::OpenMode::kExisting);
  if (!opened) {
    f.Fail("database", opened.error());
    return std::nullopt;
  }
  db.emplace(std::move(*opened));
  auto version = store::SchemaVersion(*db);
  if (!version) {
    f.Fail("database", version.error());
    return std::nullopt;
  }
  if (*version > latest) {
    f.Fail("database", path + " has schema " + std::to_string(*version) +
                           ", newer than this binary's " + std::to_string(latest));
    return std::nullopt;
  }
  return *version;
}

void CheckDeployment(Findings& f, const config::GatewayConfig& c) {
  const std::int64_t now = audit::NowMs();
  if (c.database.key_file.empty())
    f.Ok("database key", "from KETENPOORT_DB_KEY");
  else
    CheckSecretFile(f, "database key", c.database.key_file);
  CheckSecretFile(f, "tls key", c.listen.tls_key);
  if (!c.portal.key_file.empty())
    CheckSecretFile(f, "portal key", c.portal.key_file);

  auto chain = crypto::LoadPemChainFile(c.listen.tls_cert);
  if (!chain)
    f.Fail("tls certificate", chain.error());
  else
    CheckExpiry(f, "tls certificate", c.listen.tls_cert, chain->front(), now);

  std::optional<Directory> directory;
  if (auto doc = ReadJson(c.directory); !doc) {
    f.Fail("directory", doc.error());
  } else if (auto parsed = Directory::FromJson(*doc); !parsed) {
    Error e = std::move(parsed).error();
    e.field = c.directory + (e.field.empty() ? "" : ": " + e.field);
    f.Fail("directory", e);
  } else {
    directory.emplace(std::move(*parsed));
    f.Ok("directory",
         c.directory + " (" + std::to_string(directory->all().size()) + " organisations)");
    for (const Organisation& o : directory->all()) {
      // A pseudonym secret kept in the deployment (init --demo, `pseudonym --new-secret`) is a
      // key like the others: 0600. One kept elsewhere is not this check's business.
      const std::string secret = c.base_dir + "/certs/" + o.id + ".pseudonym.key";
      struct stat st {};
      if (::stat(secret.c_str(), &st) == 0)
        CheckSecretFile(f, "pseudonym secret", secret);
      if (o.certificate_pem.empty())
        continue;
      auto cert = crypto::Certificate::FromPem(o.certificate_pem);
      if (!cert)
        f.Fail("organisation certificate", o.id + ": " + cert.error().ToString());
      else if (cert->NotAfterUnix() * 1000 <= now + kWarnDays * 24 * 3600 * 1000)
        CheckExpiry(f, "organisation certificate", o.id, *cert, now);
    }
  }
  if (directory) {
    if (auto doc = ReadJson(c.routes); !doc) {
      f.Fail("routes", doc.error());
    } else if (auto rules = RoutingRules::FromJson(*doc, *directory); !rules) {
      Error e = std::move(rules).error();
      e.field = c.routes + (e.field.empty() ? "" : ": " + e.field);
      f.Fail("routes", e);
    } else {
      f.Ok("routes", c.routes);
    }
  }
  if (auto kinds = kinds::BuiltinKinds().ConfigureDeadlines(c.kinds); !kinds)
    f.Fail("kinds", kinds.error());
  else
    f.Ok("kinds", "the settings of " + std::to_string(c.kinds.size()) + " kind(s) hold");

  const int latest = store::LatestSchemaVersion();
  std::optional<store::Database> db;
  auto version =
      OpenAndReadSchema(f, c.database.path, store::ResolveKey(c.database.key_file), latest, db);
  if (!version)
    return;
  if (*version < latest) {
    f.Warn("database", c.database.path + " has schema " + std::to_string(*version) +
                           "; `serve` migrates it to " + std::to_string(latest));
    return;  // the trail's tables may predate this binary: verify after the migration
  }
  f.Ok("database", c.database.path + " opens with its key (schema " + std::to_string(latest) + ")");
  if (!chain)
    return;
  auto anchors = crypto::LoadPemChainFile(config::DeploymentCaFile(c));
  auto trail = audit::AuditLog().Verify(*db, chain->front(),
                                        anchors ? *anchors : std::vector<crypto::Certificate>{});
  if (!trail)
    f.Fail("audit trail", trail.error());
  else if (!trail->ok)
    f.Fail("audit trail", trail->problem);
  else
    f.Ok("audit trail", std::to_string(trail->entries) + " entries intact, signed up to " +
                            std::to_string(trail->signed_size));
}

// A workspace.json (`ketenpoort workspace`): its own keys and database, and for every
// organisation what GatewayLink::Open loads at start (token, key matching certificate, trust
// anchors, pseudonym secret). Its gateway is not contacted.
void CheckWorkspace(Findings& f, const workspace::WorkspaceConfig& c) {
  const std::int64_t now = audit::NowMs();
  CheckSecretFile(f, "database key", c.database.key_file);
  CheckSecretFile(f, "tls key", c.listen.tls_key);
  if (auto chain = crypto::LoadPemChainFile(c.listen.tls_cert); !chain)
    f.Fail("tls certificate", chain.error());
  else
    CheckExpiry(f, "tls certificate", c.listen.tls_cert, chain->front(), now);
  for (const workspace::WorkspaceOrganisation& o : c.organisations) {
    CheckSecretFile(f, "token of " + o.id, o.token_file);
    CheckSecretFile(f, "key of " + o.id, o.key_file);
    struct stat st {};
    if (::stat(o.pseudonym_key_file.c_str(), &st) == 0)
      CheckSecretFile(f, "pseudonym secret of " + o.id, o.pseudonym_key_file);
    else
      f.Warn("pseudonym secret of " + o.id,
             o.pseudonym_key_file + " is missing: its staff cannot name clients by number");
    if (auto link = workspace::GatewayLink::Open(o); !link) {
      f.Fail("organisation " + o.id, link.error());
      continue;
    }
    if (auto cert = crypto::Certificate::LoadPemFile(o.cert_file); cert)
      CheckExpiry(f, "certificate of " + o.id, o.cert_file, *cert, now);
  }
  struct stat st {};
  if (::stat(c.database.path.c_str(), &st) != 0) {
    f.Warn("database", c.database.path + " does not exist yet; the first start creates it");
    return;
  }
  std::optional<store::Database> db;
  auto version = OpenAndReadSchema(f, c.database.path, store::DbKey::LoadFile(c.database.key_file),
                                   workspace::WorkspaceMigrations().back().version, db);
  if (version) {
    f.Ok("database",
         c.database.path + " opens with its key (schema " + std::to_string(*version) + ")");
  }
}

// A workspace.json lists its organisations at the top; a gateway.json never does (its
// directory is a file of its own).
bool IsWorkspaceConfig(const std::string& path) {
  auto doc = ReadJson(path);
  return doc && doc->is_object() && doc->contains("organisations");
}

}  // namespace

int RunCheck(int argc, char** argv) {
  Flags flags(
      "check",
      "Validates a deployment without starting it or changing anything: the config,\n"
      "the modes of the key files, certificates and their expiry, the directory and\n"
      "routes, the kinds' settings, the database key and schema, and the audit trail.\n"
      "One line per finding. Exit 0 when nothing failed (warnings allowed), 1 when a\n"
      "check failed, 2 when the config cannot be read.\n"
      "Given a workspace.json instead, checks the workspace: its keys, certificate and\n"
      "database, and for each organisation its token, key, certificate, trust anchors\n"
      "and pseudonym secret (the gateway is not contacted).",
      {{"config", "FILE", "the deployment's gateway.json, or a workspace.json", Flag::kRequired}});
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  Findings findings;
  if (IsWorkspaceConfig(parsed->Get("config"))) {
    auto config = workspace::LoadWorkspaceConfig(parsed->Get("config"));
    if (!config)
      return Fail(config.error());
    findings.Ok("config", config->config_file + " (a workspace)");
    CheckWorkspace(findings, *config);
  } else {
    auto config = config::LoadGatewayConfig(parsed->Get("config"));
    if (!config)
      return Fail(config.error());
    findings.Ok("config", config->config_file);
    CheckDeployment(findings, *config);
  }
  std::printf("%d problem%s, %d warning%s\n", findings.problems(),
              findings.problems() == 1 ? "" : "s", findings.warnings(),
              findings.warnings() == 1 ? "" : "s");
  return findings.problems() == 0 ? kExitOk : kExitProblem;
}

}  // namespace ketenpoort::cli
