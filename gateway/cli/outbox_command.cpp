// `ketenpoort outbox list|retry|drop --config FILE`: the queue of messages waiting for a peer
// gateway, and the dead letters it gave up on (gateway/federation/outbox_queue.h). Works while
// the gateway runs; every retry and drop is audited.
//
//   $ ketenpoort outbox list --config /srv/kp/gateway.json
//   7 dead 2026-12-02T10:00:00.000Z m-5f0c https://gw-b.example.org:8443 attempts=1 ...
//   $ ketenpoort outbox retry --config /srv/kp/gateway.json --id 7 --reason "peer fixed"
//   outbox item 7: pending again, due now
#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>

#include "gateway/audit/audit_log.h"
#include "gateway/audit/time_format.h"
#include "gateway/cli/cli_common.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/cli/org_session.h"
#include "gateway/federation/outbox_queue.h"

namespace ketenpoort::cli {

namespace {

constexpr const char* kUsage =
    "usage: ketenpoort outbox list|retry|drop --config FILE [OPTIONS]\n"
    "  list   the items waiting for a peer gateway and the dead letters, one line each\n"
    "         (--state pending|dead|delivered|recalled to see one state)\n"
    "  retry  send a dead (or waiting) item again now: --id N --reason TEXT\n"
    "  drop   take a waiting item out of the queue; its recipients become undeliverable and\n"
    "         the sender is told: --id N --reason TEXT\n";

Result<std::int64_t> ParseId(std::string_view text) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0)
    return InvalidArgument("invalid_option", "must be an outbox item id (a positive number)",
                           "--id");
  return id;
}

int RunList(int argc, char** argv) {
  Flags flags(
      "outbox list", "Lists the federation outbox: pending items and dead letters.",
      {{"config", "FILE", "the deployment's gateway.json", Flag::kRequired},
       {"state", "STATE", "only items in this state (pending, dead, delivered, recalled)"}});
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  const std::string state = parsed->Get("state");
  if (!state.empty() && state != "pending" && state != "dead" && state != "delivered" &&
      state != "recalled") {
    return Fail(InvalidArgument("invalid_option", "must be pending, dead, delivered or recalled",
                                "--state"));
  }
  auto deployment = OpenDeploymentDatabase(parsed->Get("config"));
  if (!deployment)
    return Fail(deployment.error());
  auto items = delivery::ListOutbox(deployment->db, state);
  if (!items)
    return FailProblem(items.error());
  for (const store::OutboxItem& o : *items) {
    std::string recipients;
    for (const std::string& r : o.recipients)
      recipients += (recipients.empty() ? "" : ",") + r;
    std::printf("%lld %s %s %s %s attempts=%lld error=%s recipients=%s\n",
                static_cast<long long>(o.id), o.state.c_str(),
                audit::FormatTime(o.next_attempt_ms).c_str(), o.message_id.c_str(),
                o.peer_url.c_str(), static_cast<long long>(o.attempts),
                o.last_error.empty() ? "-" : o.last_error.c_str(), recipients.c_str());
  }
  return kExitOk;
}

int RunChange(std::string_view sub, int argc, char** argv) {
  const bool retry = sub == "retry";
  Flags flags(retry ? "outbox retry" : "outbox drop",
              retry ? "Sends a dead (or waiting) outbox item again now, with a fresh retry window."
                    : "Takes a waiting item out of the outbox: its recipients become "
                      "undeliverable and the sender gets a notice.",
              {{"config", "FILE", "the deployment's gateway.json", Flag::kRequired},
               {"id", "N", "the item, as `outbox list` shows it", Flag::kRequired},
               {"reason", "TEXT", "why, for the tracking and the audit (no names or content)",
                Flag::kRequired}});
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  auto id = ParseId(parsed->Get("id"));
  if (!id)
    return Fail(id.error());
  auto deployment = OpenDeploymentDatabase(parsed->Get("config"));
  if (!deployment)
    return Fail(deployment.error());
  delivery::OutboxAction action{.reason = parsed->Get("reason"), .now_ms = audit::NowMs()};
  Status done = Ok();
  if (retry) {
    done = delivery::RetryOutboxItem(deployment->db, *id, action);
  } else {
    auto directory = LoadDeploymentDirectory(deployment->config);
    if (!directory)
      return Fail(directory.error());
    done = delivery::DropOutboxItem(deployment->db, *id, action, &*directory);
  }
  if (!done) {
    if (done.error().kind == ErrorKind::kInvalidArgument)
      return Fail(done.error());
    return FailProblem(done.error());
  }
  std::printf(retry ? "outbox item %lld: pending again, due now\n"
                    : "outbox item %lld: dropped; its recipients are undeliverable\n",
              static_cast<long long>(*id));
  return kExitOk;
}

}  // namespace

int RunOutbox(int argc, char** argv) {
  std::string_view sub = argc >= 1 ? std::string_view(argv[0]) : std::string_view();
  if (sub == "list")
    return RunList(argc - 1, argv + 1);
  if (sub == "retry" || sub == "drop")
    return RunChange(sub, argc - 1, argv + 1);
  if (sub == "--help" || sub == "-h") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  return Fail(
      "usage: ketenpoort outbox list|retry|drop --config FILE (see ketenpoort outbox --help)");
}

}  // namespace ketenpoort::cli
