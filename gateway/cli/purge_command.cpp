// `ketenpoort purge --config FILE [--now TIME]`: deletes the payloads whose kind's retention
// period has passed (gateway/deadlines/retention.h), one `purge` audit entry each. The running
// gateway does the same on its own with every reminder pass (reminders.interval_ms); this runs
// it now, e.g. from cron or a test.
//
//   $ ketenpoort purge --config /srv/kp/gateway.json
//   purged 12 payloads
#include <cstdio>
#include <string>

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
               {"now", "TIME", "act as if it were this RFC 3339 UTC time (default: now)"}});
  auto parsed = flags.Parse(argc, argv);
  if (!parsed)
    return Fail(parsed.error());
  if (parsed->help_requested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    return kExitOk;
  }
  std::int64_t now = audit::NowMs();
  if (const std::string text = parsed->Get("now"); !text.empty()) {
    auto ms = audit::ParseUserTime(text, "--now");
    if (!ms)
      return Fail(ms.error());
    now = *ms;
  }
  auto deployment = OpenDeploymentDatabase(parsed->Get("config"));
  if (!deployment)
    return Fail(deployment.error());
  auto purged = server::PurgeExpiredPayloads(deployment->db, kinds::BuiltinKinds(), now);
  if (!purged)
    return Fail(purged.error());
  std::printf("purged %lld payloads\n", static_cast<long long>(*purged));
  return kExitOk;
}

}  // namespace ketenpoort::cli
