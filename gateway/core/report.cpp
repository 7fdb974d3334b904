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

bool Small(std::int64_t count, int suppress_below) {
  return count > 0 && count < suppress_below;
}

std::string Shown(const ReportCell& cell, const std::string& column, std::int64_t count,
                  int suppress_below) {
  if (cell.protecting.contains(column))
    return "x";
  if (Small(count, suppress_below))
    return "<" + std::to_string(suppress_below);
  return std::to_string(count);
}

json ShownJson(const ReportCell& cell, const std::string& column, std::int64_t count,
               int suppress_below) {
  const std::string shown = Shown(cell, column, count, suppress_below);
  if (shown == std::to_string(count))
    return count;
  return shown;
}

std::int64_t CountOf(const ReportCell& cell, const std::string& column) {
  if (column == "messages")
    return cell.messages;
  if (column == "clients")
    return cell.clients;
  return cell.outcomes.at(column);
}

// Whether a reader who sees the line's total (`total`) and its visible cells can work out a
// "<T" cell exactly. What the reader knows of a hidden cell: "<T" is 1..T-1; "x" is T or more
// when it hides a visible-sized cell, 1 or more when it hides a small one (see below), and the
// reader cannot tell which, so the bound the check uses for every "x" is the stricter T.
bool PinsASmallCell(const std::vector<ReportCell*>& line, const std::string& col, int t) {
  std::int64_t total = 0, small = 0, protecting = 0, hidden = 0;
  for (const ReportCell* c : line) {
    const std::int64_t v = CountOf(*c, col);
    total += v;
    if (c->protecting.contains(col)) {
      ++protecting;
      hidden += v;
    } else if (Small(v, t)) {
      ++small;
      hidden += v;
    }
  }
  if (small == 0 || total < t)
    return false;  // nothing shown as "<T", or the line's total is itself "<T"
  // One small cell's bounds, the others at their extremes: at most the hidden sum minus the
  // others' least; at least the hidden sum minus the others' most ("x" has no most).
  const std::int64_t most = hidden - (small - 1) - protecting * t;
  const std::int64_t least = protecting > 0 ? 1 : hidden - (small - 1) * (t - 1);
  return std::min<std::int64_t>(most, t - 1) <= std::max<std::int64_t>(least, 1);
}

// Complementary suppression over every margin. The cells of a report by dimensions D that
// agree on the dimensions D \ R add up to a cell of the report by D \ R, which anyone may print
// too (R: any non-empty subset of D; R = D gives the total). In every such group ("line") and
// every column, while the line's visible total and cells would pin a "<T" cell down exactly
// (PinsASmallCell), the line's smallest visible non-zero cell is hidden too, printed "x". When
// no visible cell is left to hide, the line's "<T" cells are printed "x" as well, so a reader
// no longer knows which hidden cells are the small ones. Lines are revisited until nothing
// changes. Each margin is considered on its own, which protects against it and, heuristically,
// against several together; differences of reports over other periods are not considered.
void ProtectAgainstMargins(Report& report) {
  const int t = report.suppress_below;
  std::vector<std::string> columns = {"messages", "clients"};
  columns.insert(columns.end(), report.outcomes.begin(), report.outcomes.end());
  for (bool changed = true; changed;) {
    changed = false;
    const std::size_t dims = report.by.size();
    for (std::uint32_t removed = 1; removed < (1u << dims); ++removed) {
      std::map<std::vector<std::string>, std::vector<ReportCell*>> lines;
      for (ReportCell& c : report.cells) {
        std::vector<std::string> rest;
        for (std::size_t d = 0; d < dims; ++d) {
          if ((removed & (1u << d)) == 0)
            rest.push_back(c.key[d]);
        }
        lines[rest].push_back(&c);
      }
      for (auto& [rest, line] : lines) {
        for (const std::string& col : columns) {
          while (PinsASmallCell(line, col, t)) {
            ReportCell* candidate = nullptr;
            for (ReportCell* c : line) {
              const std::int64_t v = CountOf(*c, col);
              if (v >= t && !c->protecting.contains(col) &&
                  (candidate == nullptr || v < CountOf(*candidate, col))) {
                candidate = c;
              }
            }
            if (candidate == nullptr) {
              for (ReportCell* c : line) {
                if (Small(CountOf(*c, col), t))
                  c->protecting.insert(col);
              }
            } else {
              candidate->protecting.insert(col);
            }
            changed = true;
          }
        }
      }
    }
  }
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
  ProtectAgainstMargins(report);
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
    out += Shown(c, "messages", c.messages, report.suppress_below) + "," +
           Shown(c, "clients", c.clients, report.suppress_below);
    for (const std::string& s : report.outcomes)
      out += "," + Shown(c, s, c.outcomes.at(s), report.suppress_below);
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
    cell["messages"] = ShownJson(c, "messages", c.messages, report.suppress_below);
    cell["clients"] = ShownJson(c, "clients", c.clients, report.suppress_below);
    json outcomes = json::object();
    for (const std::string& s : report.outcomes)
      outcomes[s] = ShownJson(c, s, c.outcomes.at(s), report.suppress_below);
    cell["outcomes"] = std::move(outcomes);
    cells.push_back(std::move(cell));
  }
  return {
      {"by", report.by}, {"suppressed_below", report.suppress_below}, {"cells", std::move(cells)}};
}

}  // namespace ketenpoort
