#include "gateway/core/report.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "gateway/core/message_kind.h"

namespace ketenpoort {

namespace {

using nlohmann::json;

std::string Month(std::int64_t ms) {
  using namespace std::chrono;
  const year_month_day ymd(floor<days>(sys_time<milliseconds>(milliseconds(ms))));
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()));
  return buf;
}

std::string ValueOf(const ReportMessage& m, const std::string& dimension, const CodeLists& lists) {
  if (dimension == "kind")
    return m.kind;
  if (dimension == "month")
    return Month(m.created_ms);
  auto it = m.routing.find(dimension);
  if (it == m.routing.end() || it->second.empty())
    return "unknown";
  const auto listed = CodeListedRoutingKeys();
  if (lists.Has(dimension) && std::find(listed.begin(), listed.end(), dimension) != listed.end()) {
    auto v = m.codelists.find(dimension);
    const int version = v == m.codelists.end() ? lists.Latest(dimension) : v->second;
    if (auto latest = lists.ToLatest(dimension, version, it->second))
      return *latest;
  }
  return it->second;
}

std::string Shown(std::int64_t count, int suppress_below) {
  if (count > 0 && count < suppress_below)
    return "<" + std::to_string(suppress_below);
  return std::to_string(count);
}

json ShownJson(std::int64_t count, int suppress_below) {
  if (count > 0 && count < suppress_below)
    return "<" + std::to_string(suppress_below);
  return count;
}

}  // namespace

const std::vector<std::string>& ReportDimensions() {
  static const std::vector<std::string> dims = {"region", "kind",  "exploitation", "age_band",
                                                "gender", "topic", "urgency",      "month"};
  return dims;
}

Result<std::vector<std::string>> ParseReportDimensions(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos)
      comma = text.size();
    std::string d(text.substr(start, comma - start));
    const auto& known = ReportDimensions();
    if (std::find(known.begin(), known.end(), d) == known.end()) {
      return InvalidArgument("invalid_report",
                             "'" + d +
                                 "' is not a dimension (region, kind, exploitation, "
                                 "age_band, gender, topic, urgency, month)",
                             "--by");
    }
    if (std::find(out.begin(), out.end(), d) != out.end())
      return InvalidArgument("invalid_report", "'" + d + "' is named twice", "--by");
    out.push_back(std::move(d));
    start = comma + 1;
  }
  return out;
}

Result<Report> BuildReport(const std::vector<ReportMessage>& messages, const ReportOptions& options,
                           const KindRegistry& kinds) {
  Report report;
  report.by = options.by;
  report.suppress_below = options.suppress_below;
  for (const MessageKind* k : kinds.All()) {
    for (const std::string& s : k->spec().outcome_states) {
      if (std::find(report.outcomes.begin(), report.outcomes.end(), s) == report.outcomes.end())
        report.outcomes.push_back(s);
    }
  }
  struct Acc {
    std::int64_t messages = 0;
    std::set<std::string> clients;
    std::map<std::string, std::int64_t> outcomes;
  };
  std::map<std::vector<std::string>, Acc> cells;
  for (const ReportMessage& m : messages) {
    std::vector<std::string> key;
    for (const std::string& d : options.by)
      key.push_back(ValueOf(m, d, kinds.code_lists()));
    Acc& acc = cells[key];
    ++acc.messages;
    if (!m.subject_ref.empty())
      acc.clients.insert(m.subject_ref);
    for (const std::string& s : report.outcomes) {
      if (m.states_reached.contains(s))
        ++acc.outcomes[s];
    }
  }
  for (auto& [key, acc] : cells) {
    ReportCell cell{.key = key,
                    .messages = acc.messages,
                    .clients = static_cast<std::int64_t>(acc.clients.size())};
    for (const std::string& s : report.outcomes)
      cell.outcomes[s] = acc.outcomes[s];
    report.cells.push_back(std::move(cell));
  }
  return report;
}

std::string ReportCsv(const Report& report) {
  std::string out;
  for (const std::string& d : report.by)
    out += d + ",";
  out += "messages,clients";
  for (const std::string& s : report.outcomes)
    out += "," + s;
  out += "\n";
  for (const ReportCell& c : report.cells) {
    for (const std::string& v : c.key)
      out += v + ",";  // codes: [a-z0-9_-] and region codes, never a comma
    out += Shown(c.messages, report.suppress_below) + "," + Shown(c.clients, report.suppress_below);
    for (const std::string& s : report.outcomes)
      out += "," + Shown(c.outcomes.at(s), report.suppress_below);
    out += "\n";
  }
  return out;
}

json ReportJson(const Report& report) {
  json cells = json::array();
  for (const ReportCell& c : report.cells) {
    json cell = json::object();
    for (std::size_t i = 0; i < report.by.size(); ++i)
      cell[report.by[i]] = c.key[i];
    cell["messages"] = ShownJson(c.messages, report.suppress_below);
    cell["clients"] = ShownJson(c.clients, report.suppress_below);
    json outcomes = json::object();
    for (const std::string& s : report.outcomes)
      outcomes[s] = ShownJson(c.outcomes.at(s), report.suppress_below);
    cell["outcomes"] = std::move(outcomes);
    cells.push_back(std::move(cell));
  }
  return {
      {"by", report.by}, {"suppressed_below", report.suppress_below}, {"cells", std::move(cells)}};
}

}  // namespace ketenpoort
