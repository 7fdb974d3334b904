#include "gateway/core/lifecycle.h"

#include <utility>

namespace ketenpoort {

Lifecycle::Lifecycle(std::map<std::string, std::set<std::string>, std::less<>> transitions,
                     std::map<std::string, StateRule, std::less<>> rules, LifecycleScope scope)
    : next_(std::move(transitions)), rules_(std::move(rules)), scope_(scope) {
  for (const auto& [from, tos] : next_) {
    known_.insert(from);
    known_.insert(tos.begin(), tos.end());
  }
}

bool Lifecycle::IsKnown(std::string_view state) const {
  return known_.contains(state);
}

std::set<std::string> Lifecycle::Next(std::string_view from) const {
  auto it = next_.find(from);
  if (it == next_.end())
    return {};
  return it->second;
}

const StateRule* Lifecycle::RuleFor(std::string_view state) const {
  auto it = rules_.find(state);
  return it == rules_.end() ? nullptr : &it->second;
}

Status Lifecycle::CheckSetter(std::string_view to, OrgKind org_kind, bool is_sender,
                              bool is_recipient) const {
  if (to == state::kSent || to == state::kDelivered || to == state::kUndeliverable) {
    return PermissionDenied("state_not_permitted",
                            "state '" + std::string(to) + "' is set by the gateway only");
  }
  const StateRule* rule = RuleFor(to);
  const StateRule fallback;
  if (rule == nullptr)
    rule = &fallback;
  bool party = false;
  std::string who;
  switch (rule->by) {
    case StateRule::By::kRecipient:
      party = is_recipient;
      who = "a recipient";
      break;
    case StateRule::By::kSender:
      party = is_sender;
      who = "the sender";
      break;
    case StateRule::By::kSenderOrRecipient:
      party = is_sender || is_recipient;
      who = "the sender or a recipient";
      break;
  }
  bool kind_ok = rule->org_kinds.empty();
  std::string kinds;
  for (OrgKind k : rule->org_kinds) {
    kind_ok = kind_ok || k == org_kind;
    kinds += (kinds.empty() ? "" : " or ") + std::string(OrgKindName(k));
  }
  if (party && kind_ok)
    return Ok();
  std::string message = "state '" + std::string(to) + "' may be set only by " + who;
  if (!kinds.empty())
    message += " of kind " + kinds;
  message += ", not by an organisation of kind '" + std::string(OrgKindName(org_kind)) + "'";
  return PermissionDenied("state_not_permitted", message);
}

Status Lifecycle::Check(std::string_view from, std::string_view to) const {
  if (!IsKnown(to)) {
    return InvalidArgument("unknown_state", "unknown state '" + std::string(to) + "'", "state");
  }
  auto it = next_.find(from);
  if (it == next_.end() || !it->second.contains(std::string(to))) {
    return Conflict("invalid_transition", "a message in state '" + std::string(from) +
                                              "' cannot move to '" + std::string(to) + "'");
  }
  return Ok();
}

const Lifecycle& GenericLifecycle() {
  static const Lifecycle generic({
      {"sent", {"delivered", "undeliverable"}},
      {"undeliverable", {}},
      {"delivered", {"received", "accepted", "declined", "needs_info", "assessed", "closed"}},
      {"received", {"accepted", "declined", "needs_info", "assessed", "forwarded", "closed"}},
      {"needs_info", {"received", "accepted", "declined", "closed"}},
      {"accepted", {"intake_planned", "closed"}},
      {"intake_planned", {"closed"}},
      {"assessed", {"forwarded", "closed"}},
      {"forwarded", {"closed"}},
      {"declined", {"closed"}},
      {"closed", {}},
  });
  return generic;
}

}  // namespace ketenpoort
