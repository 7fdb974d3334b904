#include "gateway/workspace/message_actions.h"

#include <algorithm>
#include <set>

namespace ketenpoort::workspace {

namespace {

// States nobody sets with a button: the gateway's own, and the one a question's arrival sets.
bool SetElsewhere(const std::string& state) {
  static const std::set<std::string> kElsewhere = {"sent", "delivered", "undeliverable", "received",
                                                   "needs_info"};
  return kElsewhere.contains(state);
}

bool IsCaseMessageKind(const KindRegistry& kinds, const std::string& kind) {
  const MessageKind* k = kinds.Find(kind);
  return k != nullptr && k->spec().audience == KindAudience::kOrganisations;
}

}  // namespace

MessageActions ActionsFor(const KindRegistry& kinds, const MessageSituation& s) {
  MessageActions a;
  if (!s.may_act)
    return a;
  const Lifecycle& lc = kinds.LifecycleFor(s.kind);
  const MessageKind* kind = kinds.Find(s.kind);
  a.per_recipient = lc.scope() == LifecycleScope::kDelivery;
  auto note_code_list = [&](const std::string& state) {
    if (const StateRule* rule = lc.RuleFor(state); rule && !rule->code_list.empty())
      a.code_lists[state] = rule->code_list;
  };
  if (s.is_sender) {
    a.recall = !s.recalled;
    if (!s.recalled) {
      for (const auto& [org, state] : s.states) {
        for (const std::string& next : lc.Next(state)) {
          if (SetElsewhere(next) ||
              !lc.CheckSetter(next, s.org_kind, /*is_sender=*/true, s.is_recipient).ok()) {
            continue;
          }
          a.sender_targets[next].push_back(org);
          note_code_list(next);
        }
      }
      bool declined = false;
      for (const auto& [org, state] : s.states)
        declined = declined || state == "declined";
      a.re_refer = s.kind == "referral" && declined;
    }
  }
  if (s.is_recipient && !s.recalled && !s.state.empty()) {
    for (const std::string& next : lc.Next(s.state)) {
      if (SetElsewhere(next) || a.sender_targets.contains(next) ||
          !lc.CheckSetter(next, s.org_kind, s.is_sender, /*is_recipient=*/true).ok()) {
        continue;
      }
      a.states.push_back(next);
      note_code_list(next);
    }
    // Closing ends the delivery: offered after the answers that keep it going.
    std::stable_partition(a.states.begin(), a.states.end(),
                          [](const std::string& st) { return st != "closed"; });
    a.ask_question = IsCaseMessageKind(kinds, s.kind) && !lc.IsFinal(s.state) &&
                     kinds.Find("question") != nullptr;
    a.answer = kind != nullptr && kind->spec().conversation &&
               kind->spec().conversation->role == ConversationTurn::Role::kQuestion &&
               !lc.IsFinal(s.state);
  }
  return a;
}

}  // namespace ketenpoort::workspace
