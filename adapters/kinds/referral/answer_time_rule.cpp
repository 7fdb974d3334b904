#include "adapters/kinds/referral/answer_time_rule.h"

#include <algorithm>

namespace ketenpoort::kinds {

Result<AnswerTimeSettings> ReadAnswerTimeSettings(const JsonFields& settings) {
  KP_RETURN_IF_ERROR(settings.OnlyKeys({"answer_ms"}));
  AnswerTimeSettings s;
  const nlohmann::json* given = settings.Find("answer_ms");
  if (given == nullptr)
    return s;
  JsonFields per_urgency(*given, settings.PathOf("answer_ms"), "invalid_config");
  KP_RETURN_IF_ERROR(per_urgency.IsObject());
  KP_RETURN_IF_ERROR(per_urgency.OnlyKeys({"urgent", "normal"}));
  for (auto& [urgency, ms] : s.answer_ms) {
    KP_ASSIGN_OR_RETURN(ms, per_urgency.OptionalInteger(urgency, ms, 1000, 365 * kDayMs));
  }
  return s;
}

std::vector<Notice> AnswerTimeNotices(const CaseFacts& facts, const AnswerTimeSettings& s,
                                      std::int64_t now_ms) {
  std::vector<Notice> out;
  auto given = facts.routing.find("urgency");
  const std::string urgency = given == facts.routing.end() ? "normal" : given->second;
  auto answer = s.answer_ms.find(urgency);
  if (answer == s.answer_ms.end())
    return out;  // an urgency the kind does not know has no answer time
  const std::int64_t due =
      facts.deadline_ms ? *facts.deadline_ms : facts.created_ms + answer->second;
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
                   .reason = urgency + " message " + facts.message_id + " not answered by " +
                             d.org + " in time (state " + d.state + ")"});
  }
  return out;
}

DeadlineRule AnswerTimeRule() {
  return MakeDeadlineRule<AnswerTimeSettings>(ReadAnswerTimeSettings, AnswerTimeNotices);
}

}  // namespace ketenpoort::kinds
