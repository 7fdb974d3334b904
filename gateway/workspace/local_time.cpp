#include "gateway/workspace/local_time.h"

#include <array>
#include <cstdio>

namespace ketenpoort::workspace {

namespace {

constexpr std::int64_t kDayMs = 86400000;

// Days since 1970-01-01 of a civil date (proleptic Gregorian; H. Hinnant's algorithm).
std::int64_t DaysFromCivil(std::int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  std::int64_t y;
  int m;
  int d;
};

Civil CivilFromDays(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// The last Sunday of `month` in `year`, as days since the epoch.
std::int64_t LastSunday(std::int64_t year, int month) {
  const std::int64_t first_next =
      month == 12 ? DaysFromCivil(year + 1, 1, 1) : DaysFromCivil(year, month + 1, 1);
  const std::int64_t last = first_next - 1;
  // 1970-01-01 was a Thursday: weekday 0 = Sunday is (days + 4) mod 7.
  const std::int64_t weekday = ((last + 4) % 7 + 7) % 7;
  return last - weekday;
}

bool Digits(std::string_view s, std::size_t at, std::size_t n, int* out) {
  if (at + n > s.size())
    return false;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

constexpr std::array<std::string_view, 12> kMonthsNl = {
    "januari", "februari", "maart",     "april",   "mei",      "juni",
    "juli",    "augustus", "september", "oktober", "november", "december"};
constexpr std::array<std::string_view, 12> kMonthsEn = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

std::string DayMonthYear(api::Lang lang, std::int64_t y, int m, int d) {
  const auto& months = lang == api::Lang::kEn ? kMonthsEn : kMonthsNl;
  return std::to_string(d) + " " + std::string(months[static_cast<std::size_t>(m - 1)]) + " " +
         std::to_string(y);
}

bool ValidDate(int y, int m, int d) {
  if (m < 1 || m > 12 || d < 1)
    return false;
  const std::int64_t days = DaysFromCivil(y, m, d);
  const Civil back = CivilFromDays(days);
  return back.y == y && back.m == m && back.d == d;
}

}  // namespace

std::optional<std::int64_t> ParseUtcTime(std::string_view s) {
  int y, mo, d, h, mi, se;
  if (s.size() < 20 || !Digits(s, 0, 4, &y) || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
      !Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' ||
      !Digits(s, 17, 2, &se) || !ValidDate(y, mo, d) || h > 23 || mi > 59 || se > 60) {
    return std::nullopt;
  }
  std::size_t i = 19;
  std::int64_t ms = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (digits < 3)
        ms = ms * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0)
      return std::nullopt;
    for (int k = digits; k < 3; ++k)
      ms *= 10;
  }
  std::int64_t offset_min = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!Digits(s, i + 1, 2, &oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
        !Digits(s, i + 4, 2, &om)) {
      return std::nullopt;
    }
    offset_min = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size())
    return std::nullopt;
  return DaysFromCivil(y, mo, d) * kDayMs + ((h * 60 + mi - offset_min) * 60 + se) * 1000LL + ms;
}

int AmsterdamOffsetMinutes(std::int64_t utc_ms) {
  const Civil c = CivilFromDays(FloorDiv(utc_ms, kDayMs));
  const std::int64_t start = LastSunday(c.y, 3) * kDayMs + 3600000;  // 01:00 UTC
  const std::int64_t end = LastSunday(c.y, 10) * kDayMs + 3600000;   // 01:00 UTC
  return utc_ms >= start && utc_ms < end ? 120 : 60;
}

std::string UtcText(std::int64_t utc_ms) {
  const std::int64_t days = FloorDiv(utc_ms, kDayMs);
  const Civil c = CivilFromDays(days);
  const std::int64_t s = (utc_ms - days * kDayMs) / 1000;
  char out[64];
  std::snprintf(out, sizeof out, "%04lld-%02d-%02dT%02lld:%02lld:%02lldZ",
                static_cast<long long>(c.y), c.m, c.d, static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return out;
}

namespace {

// The start of Dutch calendar day `s` plus `plus_days` days.
std::optional<std::int64_t> DayStart(std::string_view s, int plus_days) {
  int y, m, d;
  if (s.size() != 10 || !Digits(s, 0, 4, &y) || s[4] != '-' || !Digits(s, 5, 2, &m) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || !ValidDate(y, m, d)) {
    return std::nullopt;
  }
  const std::int64_t midnight_utc = (DaysFromCivil(y, m, d) + plus_days) * kDayMs;
  // Midnight never falls in a switch hour (01:00 UTC), so the offset an hour before is right.
  return midnight_utc - AmsterdamOffsetMinutes(midnight_utc - 3600000) * 60000LL;
}

}  // namespace

std::optional<std::int64_t> LocalDayStart(std::string_view s) {
  return DayStart(s, 0);
}

std::optional<std::int64_t> LocalDayEnd(std::string_view s) {
  return DayStart(s, 1);
}

std::string LocalTime(api::Lang lang, std::int64_t utc_ms) {
  const std::int64_t local = utc_ms + AmsterdamOffsetMinutes(utc_ms) * 60000LL;
  const std::int64_t days = FloorDiv(local, kDayMs);
  const Civil c = CivilFromDays(days);
  const std::int64_t minute_of_day = (local - days * kDayMs) / 60000;
  char hm[8];
  const int h = static_cast<int>(minute_of_day / 60);
  const int m = static_cast<int>(minute_of_day % 60);
  hm[0] = static_cast<char>('0' + h / 10);
  hm[1] = static_cast<char>('0' + h % 10);
  hm[2] = ':';
  hm[3] = static_cast<char>('0' + m / 10);
  hm[4] = static_cast<char>('0' + m % 10);
  return DayMonthYear(lang, c.y, c.m, c.d) + " " + std::string(hm, 5);
}

std::string LocalTimeText(api::Lang lang, std::string_view rfc3339) {
  auto ms = ParseUtcTime(rfc3339);
  return ms ? LocalTime(lang, *ms) : std::string(rfc3339);
}

std::string DateText(api::Lang lang, std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || !Digits(s, 0, 4, &y) || s[4] != '-' || !Digits(s, 5, 2, &m) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || !ValidDate(y, m, d)) {
    return std::string(s);
  }
  return DayMonthYear(lang, y, m, d);
}

}  // namespace ketenpoort::workspace
