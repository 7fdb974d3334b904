#include "gateway/audit/time_format.h"

#include <cassert>
#include <chrono>

namespace ketenpoort::audit {

namespace {

constexpr std::int64_t kMsPerDay = 86'400'000;

Error BadTime() {
  return InvalidArgument("invalid_time",
                         "must be an RFC 3339 UTC time like 2026-11-22T05:40:01.123Z");
}

// Reads `n` decimal digits at `s[at]`; -1 when any is not a digit.
int Digits(std::string_view s, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

std::string FormatTime(std::int64_t unix_ms) {
  assert(unix_ms >= 0 && unix_ms <= kMaxTimeMs);
  namespace chr = std::chrono;
  const std::int64_t days = unix_ms / kMsPerDay;
  std::int64_t rest = unix_ms % kMsPerDay;
  const chr::year_month_day ymd{chr::sys_days{chr::days{days}}};
  const auto hour = rest / 3'600'000;
  rest %= 3'600'000;
  const auto minute = rest / 60'000;
  rest %= 60'000;
  std::string out = "YYYY-MM-DDTHH:MM:SS.mmmZ";
  // Writes `value` as `width` decimal digits ending just before `end`.
  auto put = [&out](std::size_t end, std::size_t width, std::int64_t value) {
    for (std::size_t i = 1; i <= width; ++i, value /= 10) {
      out[end - i] = static_cast<char>('0' + value % 10);
    }
  };
  put(4, 4, static_cast<int>(ymd.year()));
  put(7, 2, static_cast<unsigned>(ymd.month()));
  put(10, 2, static_cast<unsigned>(ymd.day()));
  put(13, 2, hour);
  put(16, 2, minute);
  put(19, 2, rest / 1000);
  put(23, 3, rest % 1000);
  return out;
}

Result<std::int64_t> ParseTime(std::string_view s) {
  // 0123456789012345678901234
  // YYYY-MM-DDTHH:MM:SS.mmmZ
  if (s.size() != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != '.' || s[23] != 'Z') {
    return BadTime();
  }
  const int year = Digits(s, 0, 4), month = Digits(s, 5, 2), day = Digits(s, 8, 2);
  const int hour = Digits(s, 11, 2), minute = Digits(s, 14, 2), second = Digits(s, 17, 2);
  const int milli = Digits(s, 20, 3);
  if (year < 1970 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 59 || milli < 0) {
    return BadTime();
  }
  namespace chr = std::chrono;
  const chr::year_month_day ymd{chr::year{year}, chr::month{static_cast<unsigned>(month)},
                                chr::day{static_cast<unsigned>(day)}};
  if (!ymd.ok())
    return BadTime();
  const std::int64_t days = chr::sys_days{ymd}.time_since_epoch().count();
  return days * kMsPerDay + hour * 3'600'000LL + minute * 60'000LL + second * 1000LL + milli;
}

Result<std::int64_t> ParseUserTime(std::string_view text, std::string_view field) {
  std::string t(text);
  if (t.size() == 10)
    t += "T00:00:00.000Z";
  else if (t.size() == 20 && t.back() == 'Z')
    t.insert(19, ".000");
  auto ms = ParseTime(t);
  if (!ms) {
    return InvalidArgument("invalid_time",
                           "must be an RFC 3339 UTC time like 2026-12-01T12:00:00Z, or a date "
                           "like 2026-12-01",
                           std::string(field));
  }
  return *ms;
}

}  // namespace ketenpoort::audit
