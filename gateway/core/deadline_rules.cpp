#include "gateway/core/deadline_rules.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace ketenpoort {

bool IsGatewayState(std::string_view state) {
  return state == "sent" || state == "undeliverable";
}

std::string OffsetLabel(std::int64_t offset_ms) {
  std::string sign = offset_ms < 0 ? "-" : "+";
  std::int64_t a = offset_ms < 0 ? -offset_ms : offset_ms;
  if (a % kDayMs == 0)
    return sign + std::to_string(a / kDayMs) + "d";
  if (a % kHourMs == 0)
    return sign + std::to_string(a / kHourMs) + "h";
  return sign + std::to_string(a) + "ms";
}

std::string UtcDay(std::int64_t ms) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(ms)));
  const year_month_day ymd(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::int64_t AddCalendarMonths(std::int64_t ms, int months) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(ms)};
  const sys_days day = floor<days>(t);
  const milliseconds time_of_day = t - day;
  year_month_day ymd(day);
  year_month ym = ymd.year() / ymd.month();
  ym += std::chrono::months(months);
  const unsigned last = static_cast<unsigned>((ym / std::chrono::last).day());
  const unsigned d = std::min(static_cast<unsigned>(ymd.day()), last);
  const sys_days result = sys_days(ym / std::chrono::day(d));
  return (result + time_of_day).time_since_epoch().count();
}

}  // namespace ketenpoort
