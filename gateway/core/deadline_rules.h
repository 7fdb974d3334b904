// Deadlines and reminders (docs/DESIGN.md, message kinds), as a pure rule over one message's
// clear-text facts and the time: which notices are due now. The reminder worker (gateway/server/
// reminder_worker.h) feeds it from the database, records each notice once, audits it and e-mails
// it; the tests feed it facts and times directly.
//
//   // (compiled in examples_test.cpp)
//   DeadlinePolicy policy;                         // urgent referral: 4 h; B8: 3 months,
//                                                  // reminders 14 and 3 days before, and at the
//                                                  end
//   CaseFacts c{.message_id = "m-1", .rule = DeadlineRule::kUrgentAnswer,
//               .answer_states = {"accepted", "declined", ...}, .sender_org = "shop-denhaag",
//               .created_ms = t0, .routing = {{"urgency", "urgent"}},
//               .deliveries = {{"wende-denhaag", OrgKind::kShelter, "received"}}};
//   DueNotices(c, policy, t0 + 3 * kHourMs)        // {}: not late yet
//   DueNotices(c, policy, t0 + 4 * kHourMs)        // {escalation to shop-denhaag about wende,
//                                                  //  e-mail to wende-denhaag}
//
// Rules:
// - kUrgentAnswer (referral; routing urgency=urgent): every delivery that has not reached one
//   of `answer_states` by the due time — the message's deadline when it has one, else
//   created + urgent_answer_ms — escalates once: a notice to the sender about that recipient,
//   and an e-mail to the recipient.
// - kReflectionPeriod (b8): the period ends reflection_months calendar months after the
//   message was submitted (the offer). While no delivery has reached one of `answer_states`
//   (reported, declined, ended: the period was answered) nor any later state, each offset in
//   reflection_reminders_ms (relative to the end; negative is before) yields one reminder to the
//   sender (the police) and to every recipient of kind care_coordination, each also by e-mail.
// - Deliveries still in the gateway's own states sent/undeliverable never escalate. Recalled
//   messages have no notices.
// - Each notice has a key unique within its message; the worker stores a key once, so calling
//   DueNotices again later never yields a second e-mail for the same notice.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/organisation.h"

namespace ketenpoort {

// The deadline a message kind has (KindSpec::deadline).
enum class DeadlineRule {
  kNone,
  kUrgentAnswer,      // an urgent message must be answered in time, or it escalates
  kReflectionPeriod,  // a B8 reflection period: reminders before it ends
};

inline constexpr std::int64_t kHourMs = 3'600'000;
inline constexpr std::int64_t kDayMs = 24 * kHourMs;

struct DeadlinePolicy {
  std::int64_t urgent_answer_ms = 4 * kHourMs;
  int reflection_months = 3;
  std::vector<std::int64_t> reflection_reminders_ms = {-14 * kDayMs, -3 * kDayMs, 0};
};

struct CaseDelivery {
  std::string org{};
  OrgKind org_kind = OrgKind::kCare;
  std::string state{};
};

struct CaseFacts {
  std::string message_id{};
  DeadlineRule rule = DeadlineRule::kNone;
  std::vector<std::string> answer_states{};
  std::string sender_org{};
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> deadline_ms{};
  bool recalled = false;
  std::map<std::string, std::string> routing{};
  std::vector<CaseDelivery> deliveries{};
};

struct Notice {
  std::string key{};        // unique within the message
  std::string type{};       // "escalation" or "reminder"
  std::string to_org{};     // who is told (a status notice they see in the API)
  std::string about_org{};  // the delivery it concerns; "" for the whole message
  std::string mail_org{};   // whose contact address gets an e-mail; "" for none
  std::int64_t due_ms = 0;
  std::string reason{};  // ids, states and times only; never content

  bool operator==(const Notice&) const = default;
};

// The notices due at `now_ms`, in a stable order.
std::vector<Notice> DueNotices(const CaseFacts& facts, const DeadlinePolicy& policy,
                               std::int64_t now_ms);

// `ms` plus `months` calendar months (UTC), clamping the day to the month's end:
// 2026-11-30 + 3 months = 2027-02-28.
std::int64_t AddCalendarMonths(std::int64_t ms, int months);

// The end of a B8 reflection period offered at `offered_ms`.
std::int64_t ReflectionPeriodEnd(std::int64_t offered_ms, const DeadlinePolicy& policy);

}  // namespace ketenpoort
