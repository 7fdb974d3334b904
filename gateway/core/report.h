// Reports for funders (docs/DESIGN.md, lessons from practice and data minimisation): anonymised
// counts per period and per dimension, computed from the clear-text headers and delivery states
// only. Pure: the report command reads the rows from the database and prints what this builds.
//
//   // (compiled in examples_test.cpp)
//   ReportOptions o{.by = {"region", "kind", "exploitation"}};
//   auto report = BuildReport(rows, o, kinds);       // kinds: code lists and outcome states
//   std::fputs(ReportCsv(*report).c_str(), stdout);
//   // region,kind,exploitation,messages,clients,reported,...,refused,accepted,declined,...
//   // GM0518,referral,labour,12,9,0,0,0,0,7,<5,...
//
// Contract:
// - Dimensions (`by`, each at most once): region, kind, exploitation, age_band, gender, topic,
//   urgency, month (YYYY-MM of submission, UTC). A message without the value counts under
//   "unknown". Unknown dimension: 400 invalid_report, field "--by".
// - Code-listed values (exploitation, age_band, gender) are mapped from the version the
//   message recorded to the newest version, so "other" of exploitation v1 and "other" of v2
//   are one row; a value the recorded version does not know stays as it is.
// - messages: messages in the cell; clients: distinct subject_refs among them (one person in
//   two trajectories counts once; messages without one add no client); one column per
//   outcome state (the kinds' outcome_states, in registry order): messages of which at least
//   one delivery ever reached that state.
// - Every count from 1 to suppress_below - 1 is printed as "<5" (suppress_below = 5), in
//   CSV and JSON alike; 0 stays 0. Cells are sorted by their dimension values.
// - Complementary suppression: the cells that agree on some of the dimensions add up to a cell
//   of the report by just those, which can be printed too (the report without --by gives the
//   total). Where that sum is 5 or more and would pin down a "<5" cell of the
//   line, the line's smallest other non-zero cells are hidden as well, printed "x" ("hidden
//   to protect a small count"), until every "<5" cell could still be anything from 1 to 4.
//   `--by kind` over 20 messages with referral 3 and signal 17 prints "<5" and "x".
// - The output never holds a subject_ref, a sender or a recipient: only codes and counts.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/code_lists.h"
#include "gateway/core/error.h"
#include "gateway/core/kind_registry.h"

namespace ketenpoort {

// One message as the report sees it.
struct ReportMessage {
  std::string kind{};
  std::map<std::string, std::string> routing{};
  std::string subject_ref{};
  CodeListVersions codelists{};  // as recorded; empty: the latest
  std::int64_t created_ms = 0;
  std::set<std::string> states_reached{};  // every state any delivery entered
};

struct ReportOptions {
  std::vector<std::string> by{};
  int suppress_below = 5;
};

struct ReportCell {
  std::vector<std::string> key{};  // one value per dimension
  std::int64_t messages = 0;
  std::int64_t clients = 0;
  std::map<std::string, std::int64_t> outcomes{};  // state -> messages
  // Columns ("messages", "clients", an outcome) hidden to protect a small cell elsewhere in a
  // line (complementary suppression), printed as "x".
  std::set<std::string> protecting{};
};

struct Report {
  std::vector<std::string> by{};
  std::vector<std::string> outcomes{};  // column order
  std::vector<ReportCell> cells{};
  int suppress_below = 5;
};

// The dimensions a report may be broken down by.
const std::vector<std::string>& ReportDimensions();
// Parses "region,kind,exploitation" (400 invalid_report, field "--by").
Result<std::vector<std::string>> ParseReportDimensions(std::string_view text);

Result<Report> BuildReport(const std::vector<ReportMessage>& messages, const ReportOptions& options,
                           const KindRegistry& kinds);

std::string ReportCsv(const Report& report);
nlohmann::json ReportJson(const Report& report);

}  // namespace ketenpoort
