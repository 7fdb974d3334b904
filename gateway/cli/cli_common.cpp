#include "gateway/cli/cli_common.h"

#include <cstdio>

#include "gateway/cli/commands.h"
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

Result<OpenDeployment> OpenDeploymentDatabase(const std::string& config_file) {
  KP_ASSIGN_OR_RETURN(config::GatewayConfig config, config::LoadGatewayConfig(config_file));
  KP_ASSIGN_OR_RETURN(store::DbKey key, store::ResolveKey(config.database.key_file));
  KP_ASSIGN_OR_RETURN(store::Database db,
                      store::Database::Open(config.database.path, key, store::OpenMode::kExisting));
  KP_RETURN_IF_ERROR(store::Migrate(db));
  return OpenDeployment{std::move(config), std::move(db)};
}

}  // namespace ketenpoort::cli
