#include "gateway/cli/cli_common.h"

#include <pthread.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "gateway/audit/audit_log.h"
#include "gateway/cli/commands.h"
#include "gateway/io/file.h"
#include "gateway/store/db_key.h"
#include "gateway/store/migrations.h"

namespace ketenpoort::cli {

int Fail(const Error& error) {
  std::fprintf(stderr, "ketenpoort: %s\n", error.ToString().c_str());
  return kExitUsage;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "ketenpoort: %s\n", message.c_str());
  return kExitUsage;
}

std::optional<ParsedFlags> ParseCommandLine(const Flags& flags, int argc, char** argv,
                                            int& exit_code) {
  auto parsed = flags.Parse(argc, argv);
  if (!parsed) {
    exit_code = Fail(parsed.error());
    return std::nullopt;
  }
  if (parsed->help_requested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    exit_code = kExitOk;
    return std::nullopt;
  }
  return std::move(*parsed);
}

sigset_t TakeOverStopSignals(bool with_hup) {
  sigset_t handled;
  sigemptyset(&handled);
  sigaddset(&handled, SIGTERM);
  sigaddset(&handled, SIGINT);
  if (with_hup)
    sigaddset(&handled, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &handled, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return handled;
}

Result<OpenDeployment> OpenDeploymentDatabase(const std::string& config_file) {
  KP_ASSIGN_OR_RETURN(config::GatewayConfig config, config::LoadGatewayConfig(config_file));
  KP_ASSIGN_OR_RETURN(store::DbKey key, store::ResolveKey(config.database.key_file));
  KP_ASSIGN_OR_RETURN(store::Database db,
                      store::Database::Open(config.database.path, key, store::OpenMode::kExisting));
  KP_RETURN_IF_ERROR(store::Migrate(db));
  return OpenDeployment{std::move(config), std::move(db)};
}

Status AppendOperatorEntry(store::Database& db, std::string_view event, std::string_view action,
                           std::string object) {
  audit::AuditEntry e;
  e.time_ms = audit::NowMs();
  e.event = std::string(event);
  e.user = "ketenpoort-cli";
  e.role = "admin";
  e.action = std::string(action);
  e.object = std::move(object);
  e.authorisation_basis = "operator";
  e.outcome = std::string(audit::kOutcomeSuccess);
  KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
  KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, std::move(e)));
  return tx.Commit();
}

Result<Directory> LoadDeploymentDirectory(const config::GatewayConfig& config) {
  KP_ASSIGN_OR_RETURN(std::string text, io::ReadFile(config.directory));
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded())
    return InvalidArgument("invalid_json", "is not valid JSON", config.directory);
  return Directory::FromJson(json);
}

}  // namespace ketenpoort::cli
