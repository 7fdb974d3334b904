// `ketenpoort workspace --config workspace.json`: runs the workspace (gateway/workspace) in the
// foreground until SIGTERM or SIGINT.
#include <csignal>
#include <cstdio>

#include "gateway/cli/cli_common.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/log/log.h"
#include "gateway/workspace/workspace_config.h"
#include "gateway/workspace/workspace_server.h"

namespace ketenpoort::cli {

int RunWorkspace(int argc, char** argv) {
  Flags flags("workspace",
              "Runs the workspace in the foreground: the pages where staff log in (password and\n"
              "a code from an authenticator app) and, in later releases, read and send their\n"
              "organisation's messages. Logs one line per event to stderr; stops cleanly on\n"
              "SIGTERM or SIGINT. Its database is created on first use, keyed by the file\n"
              "database.key_file of workspace.json (never KETENPOORT_DB_KEY). Staff accounts:\n"
              "`ketenpoort staff`.",
              {{"config", "FILE", "the workspace's workspace.json", Flag::kRequired}});
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;

  sigset_t handled = TakeOverStopSignals(/*with_hup=*/false);

  auto config = workspace::LoadWorkspaceConfig(parsed->Get("config"));
  if (!config)
    return Fail(config.error());
  auto server = workspace::WorkspaceServer::Open(*config);
  if (!server)
    return Fail(server.error());
  if (Status started = (*server)->Start(); !started)
    return Fail(started.error());
  if (log::GetFormat() == log::Format::kText)
    std::fprintf(stderr, "ketenpoort: workspace on %s (stop with Ctrl-C)\n",
                 (*server)->Url().c_str());
  int signal_number = 0;
  sigwait(&handled, &signal_number);
  log::Info("stopping", {{"signal", signal_number == SIGTERM ? "TERM" : "INT"}});
  (*server)->Stop();
  log::Info("stopped");
  return kExitOk;
}

}  // namespace ketenpoort::cli
