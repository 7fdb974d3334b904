#include "adapters/kinds/payload_deadline.h"

#include <chrono>
#include <cstdio>
#include <optional>

#include "adapters/kinds/registry.h"

namespace ketenpoort::kinds {

namespace {

namespace chr = std::chrono;

// "YYYY-MM-DD" (a real calendar date) -> its midnight UTC in ms since the epoch.
std::optional<std::int64_t> DateMs(const std::string& text) {
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3)
    return std::nullopt;
  const chr::year_month_day ymd{chr::year{y}, chr::month{m}, chr::day{d}};
  if (!ymd.ok() || y < 1970)
    return std::nullopt;
  return chr::duration_cast<chr::milliseconds>(chr::sys_days{ymd}.time_since_epoch()).count();
}

// RFC 3339 UTC with milliseconds, as the audit trail writes a time.
std::string Rfc3339Ms(std::int64_t ms) {
  const chr::sys_time<chr::milliseconds> t{chr::milliseconds(ms)};
  const chr::sys_days day = chr::floor<chr::days>(t);
  const chr::year_month_day ymd{day};
  const chr::hh_mm_ss hms{t - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

}  // namespace

Result<std::string> PayloadDeadline(
    std::string_view kind, const nlohmann::json& payload,
    const std::map<std::string, nlohmann::json, std::less<>>& kind_settings) {
  const KindRegistry& kinds = BuiltinKinds();
  const MessageKind* k = kinds.Find(kind);
  if (k == nullptr || k->spec().deadline_start_field.empty() || !k->spec().deadline)
    return std::string();
  const std::string& field = k->spec().deadline_start_field;
  if (!payload.is_object() || !payload.contains(field) || !payload[field].is_string())
    return std::string();
  std::optional<std::int64_t> start = DateMs(payload[field].get<std::string>());
  if (!start)
    return InvalidArgument("invalid_time", "must be a date YYYY-MM-DD", field);
  KP_ASSIGN_OR_RETURN(KindDeadlines rules, kinds.ConfigureDeadlines(kind_settings));
  auto rule = rules.find(kind);
  if (rule == rules.end())
    return std::string();
  constexpr std::int64_t kMaxMs = 253402300799999;  // 9999-12-31T23:59:59.999Z
  std::optional<std::int64_t> deadline = rule->second->DeadlineFrom(*start);
  if (!deadline || *deadline < 0 || *deadline > kMaxMs)
    return std::string();
  return Rfc3339Ms(*deadline);
}

}  // namespace ketenpoort::kinds
