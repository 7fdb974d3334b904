// Pieces several subcommands share: loading a deployment's config and database.
#pragma once

#include <csignal>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/cli/flags.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/directory.h"
#include "gateway/core/error.h"
#include "gateway/store/database.h"

namespace ketenpoort::cli {

// Parses a command's arguments with `flags`. nullopt when the command is done already: --help
// printed the usage to stdout (`exit_code` kExitOk), or a bad argument was named on stderr
// (kExitUsage). Every command starts with it, so each answers --help and bad flags alike.
std::optional<ParsedFlags> ParseCommandLine(const Flags& flags, int argc, char** argv,
                                            int& exit_code);

// For a command that runs in the foreground until stopped (serve, workspace): blocks SIGTERM
// and SIGINT, and SIGHUP when `with_hup`, in this thread and so in every thread started after
// (the mask is inherited), and ignores SIGPIPE (a client that hangs up mid-response must not
// end the process). Call it before starting any thread; then only sigwait on the returned set
// receives those signals.
sigset_t TakeOverStopSignals(bool with_hup);

// Loads the config at `config_file` and opens its existing database with its key
// (KETENPOORT_DB_KEY or database.key_file), applying pending migrations.
struct OpenDeployment {
  config::GatewayConfig config;
  store::Database db;
};
Result<OpenDeployment> OpenDeploymentDatabase(const std::string& config_file);

// Appends an entry of the operator's own action on the deployment (user "ketenpoort-cli", role
// admin, basis "operator", outcome success) in a transaction of its own.
Status AppendOperatorEntry(store::Database& db, std::string_view event, std::string_view action,
                           std::string object);

// The deployment's directory (config.directory); errors name the file.
Result<Directory> LoadDeploymentDirectory(const config::GatewayConfig& config);

}  // namespace ketenpoort::cli
