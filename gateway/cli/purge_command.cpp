// `ketenpoort purge --config FILE`: deletes the payloads whose kind's retention period has
// passed (gateway/deadlines/retention.h), one `purge` audit entry each. The running gateway does
// the same on its own with every reminder pass (reminders.interval_ms); this runs it now, e.g.
// from cron.
//
// `--now TIME` judges retention as if it were TIME. It is for tests only: it is refused unless
// the environment has KETENPOORT_ALLOW_SIMULATED_TIME=1, the audit entries still carry the real
// time, and each records the simulated one, so no payload goes early without a trace of why.
//
//   $ ketenpoort purge --config /srv/kp/gateway.json
//   purged 12 payloads
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/kinds/registry.h"
#include "gateway/audit/audit_log.h"
#include "gateway/audit/time_format.h"
#include "gateway/cli/cli_common.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/deadlines/retention.h"

namespace ketenpoort::cli {

int RunPurge(int argc, char** argv) {
  Flags flags("purge",
              "Deletes every payload whose kind's retention period has passed, with a purge\n"
              "audit entry each; headers, tracking and the audit trail stay.",
              {{"config", "FILE", "the deployment's gateway.json", Flag::kRequired},
               {"now", "TIME",
                "tests only (needs KETENPOORT_ALLOW_SIMULATED_TIME=1): judge retention as if it "
                "were this RFC 3339 UTC time; the audit entries keep the real time and record "
                "this one"}});
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  server::PurgeClock clock{.now_ms = audit::NowMs()};
  if (parsed->Has("now")) {
    const char* allow = std::getenv("KETENPOORT_ALLOW_SIMULATED_TIME");
    if (allow == nullptr || std::string_view(allow) != "1") {
      return Fail(InvalidArgument("simulated_time_not_allowed",
                                  "a simulated time is for tests only; set "
                                  "KETENPOORT_ALLOW_SIMULATED_TIME=1 to use it",
                                  "--now"));
    }
    auto ms = audit::ParseUserTime(parsed->Get("now"), "--now");
    if (!ms)
      return Fail(ms.error());
    clock.simulated_ms = *ms;
  }
  auto deployment = OpenDeploymentDatabase(parsed->Get("config"));
  if (!deployment)
    return Fail(deployment.error());
  auto purged = server::PurgeExpiredPayloads(deployment->db, kinds::BuiltinKinds(), clock);
  if (!purged)
    return Fail(purged.error());
  std::printf("purged %lld payloads\n", static_cast<long long>(*purged));
  return kExitOk;
}

}  // namespace ketenpoort::cli
