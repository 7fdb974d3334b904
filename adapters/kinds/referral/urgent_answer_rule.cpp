#include "adapters/kinds/referral/urgent_answer_rule.h"

#include <algorithm>

namespace ketenpoort::kinds {

Result<UrgentAnswerSettings> ReadUrgentAnswerSettings(const JsonFields& settings) {
  KP_RETURN_IF_ERROR(settings.OnlyKeys({"urgent_answer_ms"}));
  UrgentAnswerSettings s;
  KP_ASSIGN_OR_RETURN(
      s.urgent_answer_ms,
      settings.OptionalInteger("urgent_answer_ms", s.urgent_answer_ms, 1000, 365 * kDayMs));
  return s;
}

std::vector<Notice> UrgentAnswerNotices(const CaseFacts& facts, const UrgentAnswerSettings& s,
                                        std::int64_t now_ms) {
  std::vector<Notice> out;
  auto urgency = facts.routing.find("urgency");
  if (urgency == facts.routing.end() || urgency->second != "urgent")
    return out;
  const std::int64_t due =
      facts.deadline_ms ? *facts.deadline_ms : facts.created_ms + s.urgent_answer_ms;
  if (now_ms < due)
    return out;
  const auto& answers = facts.answer_states;
  for (const CaseDelivery& d : facts.deliveries) {
    if (IsGatewayState(d.state) ||
        std::find(answers.begin(), answers.end(), d.state) != answers.end())
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

DeadlineRule UrgentAnswerRule() {
  return MakeDeadlineRule<UrgentAnswerSettings>(ReadUrgentAnswerSettings, UrgentAnswerNotices);
}

}  // namespace ketenpoort::kinds
