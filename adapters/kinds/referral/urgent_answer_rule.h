// The referral's deadline rule: an urgent referral must be answered in time, or it escalates.
// Settings, `kinds.referral` in gateway.json:
//
//   "kinds": {"referral": {"urgent_answer_ms": 14400000}}      // 1 s .. 1 year; default 4 h
//
// Rule (a message whose routing has urgency=urgent): every delivery that has not reached one
// of the kind's answer states by the due time — the message's deadline when the sender set
// one, else created + urgent_answer_ms — escalates once: a notice to the sender about that
// recipient (key "escalation:ORG"), and an e-mail to the recipient.
//
//   // (compiled in examples_test.cpp)
//   UrgentAnswerSettings s;                                    // 4 hours
//   CaseFacts c{.message_id = "m-1", .answer_states = {"accepted", "declined"},
//               .sender_org = "shop-denhaag", .created_ms = t0,
//               .routing = {{"urgency", "urgent"}},
//               .deliveries = {{"wende-denhaag", OrgKind::kShelter, "received"}}};
//   UrgentAnswerNotices(c, s, t0 + 3 * kHourMs)                // {}: not late yet
//   UrgentAnswerNotices(c, s, t0 + 4 * kHourMs)                // {escalation to shop-denhaag
//                                                              //  about wende, mail to wende}
#pragma once

#include <cstdint>
#include <vector>

#include "gateway/core/deadline_rules.h"

namespace ketenpoort::kinds {

struct UrgentAnswerSettings {
  std::int64_t urgent_answer_ms = 4 * kHourMs;
};

Result<UrgentAnswerSettings> ReadUrgentAnswerSettings(const JsonFields& settings);

std::vector<Notice> UrgentAnswerNotices(const CaseFacts& facts, const UrgentAnswerSettings& s,
                                        std::int64_t now_ms);

// The two above as the kind's DeadlineRule.
DeadlineRule UrgentAnswerRule();

}  // namespace ketenpoort::kinds
