// `ketenpoort report --config FILE --from T --to T [--by region,kind,exploitation,...]
//  [--format csv|json]`: anonymised counts for funders from the gateway's own data
// (core/report.h): messages, unique clients (by pseudonym), outcomes reached, per cell of the
// chosen dimensions, with counts under 5 shown as "<5". Never a pseudonym in the output.
//
//   $ ketenpoort report --config d/gateway.json --from 2026-01-01 --to 2027-01-01
//       --by region,kind,exploitation                                     (one line)
//   region,kind,exploitation,messages,clients,accepted,declined,intake_planned,...
//   GM0518,referral,labour,12,9,7,<5,6,...
//
// T is a date (YYYY-MM-DD, midnight UTC) or an RFC 3339 UTC time; the period is [from, to).
// Reads the database directly (run it beside the gateway, as its operator). Exit 2 for bad
// arguments, config or key. Each report is an audit entry (event `report`, the period and the
// dimensions as its object), written before the counts are printed.
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/kinds/registry.h"
#include "gateway/audit/audit_log.h"
#include "gateway/audit/time_format.h"
#include "gateway/cli/cli_common.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/core/report.h"
#include "gateway/store/kind_repository.h"

namespace ketenpoort::cli {

namespace {

using nlohmann::json;

Result<std::int64_t> ReportTime(const std::string& text, const std::string& flag) {
  return audit::ParseUserTime(text, flag);
}

std::map<std::string, std::string> RoutingOf(const std::string& text) {
  json v = json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::map<std::string, std::string> out;
  if (v.is_object()) {
    for (const auto& [k, value] : v.items()) {
      if (value.is_string())
        out[k] = value.get<std::string>();
    }
  }
  return out;
}

// The audit entry of one report: the period and the dimensions, no counts.
Status RecordReport(store::Database& db, std::int64_t from, std::int64_t to,
                    const std::string& by) {
  audit::AuditEntry e;
  e.time_ms = audit::NowMs();
  e.event = std::string(audit::event::kReport);
  e.user = "cli";
  e.role = "admin";
  e.action = std::string(audit::action::kRead);
  e.object = "messages " + audit::FormatTime(from) + ".." + audit::FormatTime(to) +
             (by.empty() ? "" : " by " + by);
  e.authorisation_basis = "operator";
  e.outcome = std::string(audit::kOutcomeSuccess);
  KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
  KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, std::move(e)));
  return tx.Commit();
}

}  // namespace

int RunReport(int argc, char** argv) {
  Flags flags("report",
              "Prints anonymised counts for the period [--from, --to): messages, unique clients\n"
              "(one person in two trajectories counts once) and outcomes reached, per cell of\n"
              "the --by dimensions (region, kind, exploitation, age_band, gender, topic,\n"
              "urgency, month). Old codes are mapped to the newest code-list version. Counts\n"
              "from 1 to 4 are printed as <5. Never prints a pseudonym.",
              {{"config", "FILE", "the deployment's gateway.json", Flag::kRequired},
               {"from", "T", "start of the period (YYYY-MM-DD or RFC 3339 UTC)", Flag::kRequired},
               {"to", "T", "end of the period, exclusive", Flag::kRequired},
               {"by", "DIM,...", "dimensions, e.g. region,kind,exploitation (default: none)"},
               {"format", "csv|json", "output format (default csv)"}});
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  auto from = ReportTime(parsed->Get("from"), "--from");
  if (!from)
    return Fail(from.error());
  auto to = ReportTime(parsed->Get("to"), "--to");
  if (!to)
    return Fail(to.error());
  if (*to <= *from)
    return Fail(InvalidArgument("invalid_time", "must lie after --from", "--to"));
  ReportOptions options;
  if (parsed->Has("by")) {
    auto by = ParseReportDimensions(parsed->Get("by"));
    if (!by)
      return Fail(by.error());
    options.by = std::move(*by);
  }
  const std::string format = parsed->Has("format") ? parsed->Get("format") : "csv";
  if (format != "csv" && format != "json")
    return Fail(InvalidArgument("invalid_format", "must be csv or json", "--format"));

  auto deployment = OpenDeploymentDatabase(parsed->Get("config"));
  if (!deployment)
    return Fail(deployment.error());
  auto rows = store::KindRepository(deployment->db).ReportRows(*from, *to);
  if (!rows)
    return Fail(rows.error());
  std::vector<ReportMessage> messages;
  messages.reserve(rows->size());
  for (store::ReportRow& r : *rows) {
    ReportMessage m{.kind = r.kind,
                    .routing = RoutingOf(r.routing_json),
                    .subject_ref = r.subject_ref,
                    .created_ms = r.created_ms,
                    .states_reached = std::move(r.states)};
    json versions = json::parse(r.codelists_json, nullptr, /*allow_exceptions=*/false);
    if (auto v = CodeListVersionsFromJson(versions))
      m.codelists = std::move(*v);
    messages.push_back(std::move(m));
  }
  auto report = BuildReport(messages, options, kinds::BuiltinKinds());
  if (!report)
    return Fail(report.error());
  // Who counted what is itself on the record, before anything is printed.
  if (Status recorded = RecordReport(deployment->db, *from, *to, parsed->Get("by")); !recorded)
    return Fail(recorded.error());
  if (format == "json") {
    json out = ReportJson(*report);
    out["from"] = audit::FormatTime(*from);
    out["to"] = audit::FormatTime(*to);
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::fputs(ReportCsv(*report).c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace ketenpoort::cli
