// Deadlines and reminders (docs/DESIGN.md, message kinds): what a kind's deadline rule is, as a
// pure function over one message's clear-text facts and the time. Each kind that has deadlines
// brings its own rule in its folder (adapters/kinds/NAME/), with its settings under
// `kinds.NAME` in gateway.json; the reminder worker (gateway/deadlines/reminder_worker.h) feeds
// every configured rule the open messages of its kind, records each notice once, audits it and
// e-mails it. Tests feed rules facts and times directly.
//
//   // (compiled in examples_test.cpp)
//   struct Callback { std::int64_t after_ms = kHourMs; };
//   DeadlineRule rule = MakeDeadlineRule<Callback>(
//       [](const JsonFields& f) -> Result<Callback> {          // reads kinds.NAME
//         KP_RETURN_IF_ERROR(f.OnlyKeys({"after_ms"}));
//         KP_ASSIGN_OR_RETURN(auto ms, f.OptionalInteger("after_ms", kHourMs, 1, kDayMs));
//         return Callback{ms};
//       },
//       [](const CaseFacts& c, const Callback& s, std::int64_t now) {
//         std::vector<Notice> out;
//         if (now >= c.created_ms + s.after_ms)
//           out.push_back({.key = "callback", .type = "reminder", .to_org = c.sender_org});
//         return out;
//       });
//   auto configured = rule.configure(JsonFields(settings, "kinds.callback", "invalid_config"));
//   (*configured)->DueNotices(facts, now)                     // the notices due now
//
// Contract of a rule:
// - `configure` checks the kind's settings (an empty object when gateway.json has none) and
//   fills in defaults; an error is InvalidArgument naming the key ("kinds.b8.reflection_months").
// - `DueNotices` is pure and deterministic: the same facts and time give the same notices, in a
//   stable order. Each notice has a key unique within its message; the worker stores a key once,
//   so asking again later never yields a second notice or e-mail for the same key.
// - Reasons carry ids, states and dates only, never content or a person's name.
// Shared by every rule: deliveries still in the gateway's own states (sent, undeliverable)
// never escalate, and recalled messages have no notices (the worker does not ask for them).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/error.h"
#include "gateway/core/json_fields.h"
#include "gateway/core/organisation.h"

namespace ketenpoort {

inline constexpr std::int64_t kHourMs = 3'600'000;
inline constexpr std::int64_t kDayMs = 24 * kHourMs;

struct CaseDelivery {
  std::string org{};
  OrgKind org_kind = OrgKind::kCare;
  std::string state{};
};

// The clear-text facts of one message that a rule decides on.
struct CaseFacts {
  std::string message_id{};
  std::vector<std::string> answer_states{};  // the kind's KindSpec::answer_states
  std::string sender_org{};
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> deadline_ms{};  // the header's deadline, when the sender set one
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

// A kind's rule once its settings are read. Immutable; safe to share between threads.
class ConfiguredDeadline {
 public:
  virtual ~ConfiguredDeadline() = default;
  // The notices due at `now_ms` for one message of the kind.
  virtual std::vector<Notice> DueNotices(const CaseFacts& facts, std::int64_t now_ms) const = 0;
  // The deadline of a case of the kind that started at `start_ms` (the submission, or the date
  // of KindSpec::deadline_start_field); nullopt for rules that set none. A message submitted
  // without a deadline gets DeadlineFrom(submission) as its header's deadline.
  virtual std::optional<std::int64_t> DeadlineFrom(std::int64_t start_ms) const {
    (void)start_ms;
    return std::nullopt;
  }
};

// A kind's deadline behaviour (KindSpec::deadline); empty for kinds without deadlines.
struct DeadlineRule {
  std::function<Result<std::shared_ptr<const ConfiguredDeadline>>(const JsonFields& settings)>
      configure{};

  explicit operator bool() const { return static_cast<bool>(configure); }
};

// A rule from a settings reader and a pure notice function over typed settings, and, for a
// rule that gives cases a deadline, the deadline of a case started at a time.
template <typename Settings>
DeadlineRule MakeDeadlineRule(
    std::function<Result<Settings>(const JsonFields&)> read,
    std::function<std::vector<Notice>(const CaseFacts&, const Settings&, std::int64_t)> due,
    std::function<std::int64_t(std::int64_t start_ms, const Settings&)> deadline_from = {}) {
  class Configured final : public ConfiguredDeadline {
   public:
    Configured(Settings s, decltype(due) f, decltype(deadline_from) d)
        : settings_(std::move(s)), due_(std::move(f)), deadline_from_(std::move(d)) {}
    std::vector<Notice> DueNotices(const CaseFacts& facts, std::int64_t now_ms) const override {
      if (facts.recalled)
        return {};
      return due_(facts, settings_, now_ms);
    }
    std::optional<std::int64_t> DeadlineFrom(std::int64_t start_ms) const override {
      if (!deadline_from_)
        return std::nullopt;
      return deadline_from_(start_ms, settings_);
    }

   private:
    Settings settings_;
    decltype(due) due_;
    decltype(deadline_from) deadline_from_;
  };
  return {[read = std::move(read), due = std::move(due), deadline_from = std::move(deadline_from)](
              const JsonFields& f) -> Result<std::shared_ptr<const ConfiguredDeadline>> {
    KP_RETURN_IF_ERROR(f.IsObject());
    KP_ASSIGN_OR_RETURN(Settings s, read(f));
    std::shared_ptr<const ConfiguredDeadline> rule =
        std::make_shared<const Configured>(std::move(s), due, deadline_from);
    return rule;
  }};
}

// Whether `state` is one of the gateway's own delivery states (sent, undeliverable), which
// no recipient has answered in.
bool IsGatewayState(std::string_view state);

// `ms` plus `months` calendar months (UTC), clamping the day to the month's end:
// 2026-11-30 + 3 months = 2027-02-28.
std::int64_t AddCalendarMonths(std::int64_t ms, int months);

// "2027-02-23": the UTC calendar day of `ms`.
std::string UtcDay(std::int64_t ms);

// "-14d", "+0d", "-3h", "+90000ms": an offset from a deadline, for notice keys and reasons.
std::string OffsetLabel(std::int64_t offset_ms);

}  // namespace ketenpoort
