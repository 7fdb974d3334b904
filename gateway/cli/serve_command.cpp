// `ketenpoort serve --config FILE`: runs the daemon in the foreground until SIGTERM or SIGINT.
#include <pthread.h>

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
              "database. The database key comes from KETENPOORT_DB_KEY when set, else from the\n"
              "config's database.key_file.",
              {{"config", "FILE", "the deployment's gateway.json", Flag::kRequired}});
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;

  // Block the stop signals in every thread (the mask is inherited by threads started later)
  // so that only sigwait() below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // A client that hangs up mid-response must not kill the daemon.
  std::signal(SIGPIPE, SIG_IGN);

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
  sigwait(&stop_signals, &signal_number);
  log::Info("stopping", {{"signal", signal_number == SIGTERM ? "TERM" : "INT"}});
  (*gateway)->Stop();
  log::Info("stopped");
  return kExitOk;
}

}  // namespace ketenpoort::cli
