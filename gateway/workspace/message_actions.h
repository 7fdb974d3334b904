// Which actions the lifecycle of a message allows the person looking at it, from the message's
// kind, the organisation's place (sender, recipient) and kind, the delivery states and the
// person's staff roles. The message page shows exactly these; the gateway checks again.
//
//   // (compiled in examples_test.cpp)
//   MessageActions a = ActionsFor(kinds::BuiltinKinds(),
//                                 {.kind = "referral", .state = "received", .is_recipient = true,
//                                  .org_kind = OrgKind::kShelter, .may_act = true});
//   a.states          // {"accepted", "declined", "closed"}: a question goes by /compose/question
//   a.ask_question    // true
//
// Contract:
// - may_act false (an auditor, an administrator): nothing at all.
// - A recipient: the states that may follow its delivery's state that its organisation's kind
//   may set (closing last), without the gateway's own (sent, delivered, undeliverable,
//   received) and without needs_info, which a question sets when it arrives (ask_question
//   links to the question form).
// - The sender: the states that may follow some recipient's state and that a sender may set
//   (closing a referral or a signal), with the recipients each may be set for
//   (`sender_targets`); recall while not recalled; re-referral (`re_refer`) of a referral a
//   recipient declined; answering (`answer`) a question it received.
// - A recalled, expired or unreadable message: nothing but what the sender may still do (no
//   recall twice).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "gateway/core/kind_registry.h"
#include "gateway/core/organisation.h"

namespace ketenpoort::workspace {

struct MessageSituation {
  std::string kind{};
  std::string state{};                          // the recipient's own delivery; "" for none
  std::map<std::string, std::string> states{};  // the sender's view: each recipient's state
  bool is_sender = false;
  bool is_recipient = false;
  OrgKind org_kind = OrgKind::kCare;
  bool may_act = false;  // the person's staff roles allow acting (coordinator, caseworker)
  bool recalled = false;
};

struct MessageActions {
  std::vector<std::string> states{};  // as a recipient, for its own delivery
  // As the sender: state -> the recipients it may be set for (all of them: no `recipient`).
  std::map<std::string, std::vector<std::string>> sender_targets{};
  bool recall = false;
  bool ask_question = false;
  bool answer = false;
  bool re_refer = false;
  // Whether the sender names the recipient a state is for (a referral, a signal); false when a
  // state moves the whole message (a b8: LifecycleScope::kMessage).
  bool per_recipient = true;
  // The code list a state's reason is coded with (a referral's decline: decline_reason).
  std::map<std::string, std::string> code_lists{};

  bool Any() const {
    return !states.empty() || !sender_targets.empty() || recall || ask_question || answer ||
           re_refer;
  }
};

MessageActions ActionsFor(const KindRegistry& kinds, const MessageSituation& s);

}  // namespace ketenpoort::workspace
