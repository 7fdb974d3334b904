#include "gateway/core/lifecycle.h"

#include <utility>

namespace ketenpoort {

Lifecycle::Lifecycle(std::map<std::string, std::set<std::string>, std::less<>> transitions)
    : next_(std::move(transitions)) {
  for (const auto& [from, tos] : next_) {
    known_.insert(from);
    known_.insert(tos.begin(), tos.end());
  }
}

bool Lifecycle::IsKnown(std::string_view state) const {
  return known_.contains(state);
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

const Lifecycle& LifecycleFor(std::string_view /*kind*/) {
  return GenericLifecycle();
}

}  // namespace ketenpoort
