// `ketenpoort serve --config FILE`: runs the daemon in the foreground until SIGTERM or SIGINT;
// SIGHUP reloads the directory and routes (server::Gateway::ReloadDirectory).
#include <csignal>
#include <cstdio>
#include <cstring>

#include "gateway/cli/cli_common.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/log/log.h"
#include "gateway/server/gateway.h"

namespace ketenpoort::cli {

int RunServe(int argc, char** argv) {
  Flags flags("serve",
              "Runs the gateway in the foreground, logging one line per event to stderr.\n"
              "Stops cleanly on SIGTERM or SIGINT: finishes in-flight requests, then closes the\n"
              "database. SIGHUP reloads the directory and routes files: an invalid file keeps\n"
              "the ones in use, and the log says why. The database key comes from\n"
              "KETENPOORT_DB_KEY when set, else from the config's database.key_file.",
              {{"config", "FILE", "the deployment's gateway.json", Flag::kRequired}});
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;

  // SIGTERM and SIGINT stop, SIGHUP reloads: received by sigwait below only.
  sigset_t handled = TakeOverStopSignals(/*with_hup=*/true);

  auto config = config::LoadGatewayConfig(parsed->Get("config"));
  if (!config)
    return Fail(config.error());
  auto gateway = server::Gateway::Open(*config);
  if (!gateway)
    return Fail(gateway.error());
  if (Status started = (*gateway)->Start(); !started)
    return Fail(started.error());
  // For a person at a terminal; a log shipper reading JSON lines has the `listening` event.
  if (log::GetFormat() == log::Format::kText)
    std::fprintf(stderr, "ketenpoort: serving on %s (stop with Ctrl-C)\n",
                 (*gateway)->Url().c_str());

  int signal_number = 0;
  for (;;) {
    sigwait(&handled, &signal_number);
    if (signal_number != SIGHUP)
      break;
    // A failed reload is logged with its reason and keeps what is in use; the daemon serves on.
    (void)(*gateway)->ReloadDirectory();
  }
  log::Info("stopping", {{"signal", signal_number == SIGTERM ? "TERM" : "INT"}});
  (*gateway)->Stop();
  log::Info("stopped");
  return kExitOk;
}

}  // namespace ketenpoort::cli
