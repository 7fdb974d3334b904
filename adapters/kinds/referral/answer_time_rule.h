// The referral's deadline rule: every referral must be answered in time for its urgency, or it
// escalates. Settings, `kinds.referral` in gateway.json (each 1 s .. 1 year):
//
//   "kinds": {"referral": {"answer_ms": {"urgent": 14400000,      // default 4 hours
//                                        "normal": 259200000}}}   // default 3 days
//
// Rule: every delivery that has not reached one of the kind's answer states by the due time —
// the message's deadline when the sender set one, else created + answer_ms of its urgency
// (routing urgency; "normal" when absent) — escalates once: a notice to the sender about that
// recipient (key "escalation:ORG"), and an e-mail to the recipient.
//
//   // (compiled in examples_test.cpp)
//   AnswerTimeSettings s;                                      // urgent 4 h, normal 3 days
//   CaseFacts c{.message_id = "m-1", .answer_states = {"accepted", "declined"},
//               .sender_org = "shop-denhaag", .created_ms = t0,
//               .routing = {{"urgency", "urgent"}},
//               .deliveries = {{"wende-denhaag", OrgKind::kShelter, "received"}}};
//   AnswerTimeNotices(c, s, t0 + 3 * kHourMs)                  // {}: not late yet
//   AnswerTimeNotices(c, s, t0 + 4 * kHourMs)                  // {escalation to shop-denhaag
//                                                              //  about wende, mail to wende}
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gateway/core/deadline_rules.h"

namespace ketenpoort::kinds {

struct AnswerTimeSettings {
  // Urgency (the routing value) -> how long recipients have to answer.
  std::map<std::string, std::int64_t> answer_ms = {{"urgent", 4 * kHourMs}, {"normal", 3 * kDayMs}};
};

Result<AnswerTimeSettings> ReadAnswerTimeSettings(const JsonFields& settings);

std::vector<Notice> AnswerTimeNotices(const CaseFacts& facts, const AnswerTimeSettings& s,
                                      std::int64_t now_ms);

// The two above as the kind's DeadlineRule.
DeadlineRule AnswerTimeRule();

}  // namespace ketenpoort::kinds
