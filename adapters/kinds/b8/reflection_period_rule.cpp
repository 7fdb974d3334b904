#include "adapters/kinds/b8/reflection_period_rule.h"

#include <algorithm>
#include <string>

namespace ketenpoort::kinds {

Result<ReflectionPeriodSettings> ReadReflectionPeriodSettings(const JsonFields& settings) {
  KP_RETURN_IF_ERROR(settings.OnlyKeys({"reflection_months", "reminder_offsets_ms"}));
  ReflectionPeriodSettings s;
  KP_ASSIGN_OR_RETURN(std::int64_t months,
                      settings.OptionalInteger("reflection_months", s.reflection_months, 1, 24));
  s.reflection_months = static_cast<int>(months);
  KP_ASSIGN_OR_RETURN(s.reminder_offsets_ms,
                      settings.IntegerArray("reminder_offsets_ms", s.reminder_offsets_ms,
                                            -365 * kDayMs, 365 * kDayMs));
  return s;
}

std::int64_t ReflectionPeriodEnd(std::int64_t offered_ms, const ReflectionPeriodSettings& s) {
  return AddCalendarMonths(offered_ms, s.reflection_months);
}

std::vector<Notice> ReflectionPeriodNotices(const CaseFacts& facts,
                                            const ReflectionPeriodSettings& s,
                                            std::int64_t now_ms) {
  std::vector<Notice> out;
  const auto& answers = facts.answer_states;
  bool open = false;
  for (const CaseDelivery& d : facts.deliveries) {
    if (IsGatewayState(d.state))
      continue;
    if (std::find(answers.begin(), answers.end(), d.state) != answers.end() ||
        (d.state != "delivered" && d.state != "received"))
      return out;  // reported, declined, ...: the reflection period has been answered
    open = true;
  }
  if (!open)
    return out;
  // The message's deadline is the end of the period: counted from the payload's
  // reflection_start by the sender's side, or from the submission by the gateway.
  const std::int64_t end = facts.deadline_ms.value_or(ReflectionPeriodEnd(facts.created_ms, s));
  std::vector<std::string> told = {facts.sender_org};
  for (const CaseDelivery& d : facts.deliveries) {
    if (d.org_kind == OrgKind::kCareCoordination && !IsGatewayState(d.state) &&
        std::find(told.begin(), told.end(), d.org) == told.end()) {
      told.push_back(d.org);
    }
  }
  std::vector<std::int64_t> offsets = s.reminder_offsets_ms;
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
                               UtcDay(end) + " (" + label + ")"});
    }
  }
  return out;
}

DeadlineRule ReflectionPeriodRule() {
  return MakeDeadlineRule<ReflectionPeriodSettings>(
      ReadReflectionPeriodSettings, ReflectionPeriodNotices,
      [](std::int64_t start_ms, const ReflectionPeriodSettings& s) {
        return ReflectionPeriodEnd(start_ms, s);
      });
}

}  // namespace ketenpoort::kinds
