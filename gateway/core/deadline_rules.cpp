#include "gateway/core/deadline_rules.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

namespace ketenpoort {

namespace {

bool GatewayState(std::string_view s) {
  return s == "sent" || s == "undeliverable";
}

// "-14d", "+0d", "-3h": how far from the end a reminder is, for its key and reason.
std::string OffsetLabel(std::int64_t offset_ms) {
  std::string sign = offset_ms < 0 ? "-" : "+";
  std::int64_t a = offset_ms < 0 ? -offset_ms : offset_ms;
  if (a % kDayMs == 0)
    return sign + std::to_string(a / kDayMs) + "d";
  if (a % kHourMs == 0)
    return sign + std::to_string(a / kHourMs) + "h";
  return sign + std::to_string(a) + "ms";
}

std::string IsoDay(std::int64_t ms) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(ms)));
  const year_month_day ymd(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace

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

std::int64_t ReflectionPeriodEnd(std::int64_t offered_ms, const DeadlinePolicy& policy) {
  return AddCalendarMonths(offered_ms, policy.reflection_months);
}

std::vector<Notice> DueNotices(const CaseFacts& facts, const DeadlinePolicy& policy,
                               std::int64_t now_ms) {
  std::vector<Notice> out;
  if (facts.recalled)
    return out;
  const std::set<std::string, std::less<>> answers(facts.answer_states.begin(),
                                                   facts.answer_states.end());
  if (facts.rule == DeadlineRule::kUrgentAnswer) {
    auto urgency = facts.routing.find("urgency");
    if (urgency == facts.routing.end() || urgency->second != "urgent")
      return out;
    const std::int64_t due =
        facts.deadline_ms ? *facts.deadline_ms : facts.created_ms + policy.urgent_answer_ms;
    if (now_ms < due)
      return out;
    for (const CaseDelivery& d : facts.deliveries) {
      if (GatewayState(d.state) || answers.contains(d.state))
        continue;
      out.push_back({.key = "escalation:" + d.org,
                     .type = "escalation",
                     .to_org = facts.sender_org,
                     .about_org = d.org,
                     .mail_org = d.org,
                     .due_ms = due,
                     .reason = "urgent message " + facts.message_id + " not answered by " + d.org +
                               " in time (state " + d.state + ")"});
    }
    return out;
  }
  if (facts.rule == DeadlineRule::kReflectionPeriod) {
    bool open = false;
    for (const CaseDelivery& d : facts.deliveries) {
      if (GatewayState(d.state))
        continue;
      if (answers.contains(d.state) || (d.state != "delivered" && d.state != "received"))
        return out;  // reported, declined, ...: the reflection period has been answered
      open = true;
    }
    if (!open)
      return out;
    const std::int64_t end = ReflectionPeriodEnd(facts.created_ms, policy);
    std::vector<std::string> told = {facts.sender_org};
    for (const CaseDelivery& d : facts.deliveries) {
      if (d.org_kind == OrgKind::kCareCoordination && !GatewayState(d.state) &&
          std::find(told.begin(), told.end(), d.org) == told.end()) {
        told.push_back(d.org);
      }
    }
    std::vector<std::int64_t> offsets = policy.reflection_reminders_ms;
    std::sort(offsets.begin(), offsets.end());
    for (std::int64_t offset : offsets) {
      const std::int64_t due = end + offset;
      if (now_ms < due)
        continue;
      const std::string label = OffsetLabel(offset);
      for (const std::string& org : told) {
        out.push_back({.key = "reflection" + label + ":" + org,
                       .type = "reminder",
                       .to_org = org,
                       .about_org = "",
                       .mail_org = org,
                       .due_ms = due,
                       .reason = "B8 reflection period of " + facts.message_id + " ends " +
                                 IsoDay(end) + " (" + label + ")"});
      }
    }
  }
  return out;
}

}  // namespace ketenpoort
