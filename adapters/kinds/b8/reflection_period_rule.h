// The B8 deadline rule: submitting a b8 offers the reflection period, which ends
// `reflection_months` calendar months after the offer; reminders go out before it ends.
// Settings, `kinds.b8` in gateway.json:
//
//   "kinds": {"b8": {"reflection_months": 3,                         // 1 .. 24
//                    "reminder_offsets_ms": [-1209600000, -259200000, 0]}}
//
// The end of the period is the message's deadline: the sender's side counts it from the
// payload's reflection_start (DeadlineFrom, KindSpec::deadline_start_field) and sends it in the
// header; a b8 sent without one gets the end counted from its submission.
// Offsets are relative to the end of the period (negative: before it), each at most a year.
// Rule: while no delivery has reached one of the kind's answer states (reported, declined,
// ended: the period was answered) nor any later state, each offset yields one reminder (key
// "reflectionOFFSET:ORG") to the sender (the police) and to every recipient of kind
// care_coordination, each also by e-mail.
//
//   // (compiled in examples_test.cpp)
//   ReflectionPeriodSettings s;                       // 3 months; 14 and 3 days before, at end
//   ReflectionPeriodEnd(t0, s)                        // t0 + 3 calendar months
//   ReflectionPeriodNotices(b8, s, ReflectionPeriodEnd(t0, s) - 14 * kDayMs)
//                                                     // reminders "-14d" to police, coordinator
#pragma once

#include <cstdint>
#include <vector>

#include "gateway/core/deadline_rules.h"

namespace ketenpoort::kinds {

struct ReflectionPeriodSettings {
  int reflection_months = 3;
  std::vector<std::int64_t> reminder_offsets_ms = {-14 * kDayMs, -3 * kDayMs, 0};
};

Result<ReflectionPeriodSettings> ReadReflectionPeriodSettings(const JsonFields& settings);

// The end of a reflection period offered at `offered_ms`.
std::int64_t ReflectionPeriodEnd(std::int64_t offered_ms, const ReflectionPeriodSettings& s);

std::vector<Notice> ReflectionPeriodNotices(const CaseFacts& facts,
                                            const ReflectionPeriodSettings& s, std::int64_t now_ms);

// The three above as the kind's DeadlineRule.
DeadlineRule ReflectionPeriodRule();

}  // namespace ketenpoort::kinds
