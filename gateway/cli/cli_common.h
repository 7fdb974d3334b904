// Pieces several subcommands share: loading a deployment's config and database.
#pragma once

#include <string>

#include "gateway/config/gateway_config.h"
#include "gateway/core/directory.h"
#include "gateway/core/error.h"
#include "gateway/store/database.h"

namespace ketenpoort::cli {

// Loads the config at `config_file` and opens its existing database with its key
// (KETENPOORT_DB_KEY or database.key_file), applying pending migrations.
struct OpenDeployment {
  config::GatewayConfig config;
  store::Database db;
};
Result<OpenDeployment> OpenDeploymentDatabase(const std::string& config_file);

// The deployment's directory (config.directory); errors name the file.
Result<Directory> LoadDeploymentDirectory(const config::GatewayConfig& config);

}  // namespace ketenpoort::cli
