// The workflow of one delivery: which state may follow the state it is in, and which
// organisation may set it (docs/DESIGN.md, message kinds and their lifecycles).
//
//   // (compiled in examples_test.cpp)
//   const Lifecycle& lc = kinds.LifecycleFor("b8");   // KindRegistry (kind_registry.h)
//   lc.Check("received", "reported")                  // Ok
//   lc.Check("reported", "granted")                   // kConflict "invalid_transition"
//   lc.Check("received", "shredded")                  // kInvalidArgument "unknown_state"
//   lc.CheckSetter("granted", OrgKind::kPolice, /*is_sender=*/true, /*is_recipient=*/false)
//                                                     // kPermissionDenied "state_not_permitted"
//
// States every kind shares, set by the gateway itself:
//   sent           accepted by the sender's gateway, on its way to a peer gateway
//   undeliverable  the peer gateway refused it, or did not take it in before the outbox gave
//                  up (a dead letter, gateway/federation/outbox_worker.h); final
//   delivered      in the recipient organisation's inbox
//   received       the recipient fetched it (the first GET of the message does this)
// The rest are set through POST /v1/messages/{id}/status, by whom each state's StateRule says
// (default: any recipient organisation). The kinds of adapters/kinds/ bring their own machines;
// kinds without one (status, securemail until its issue lands) use the generic one:
//
//   sent           -> delivered | undeliverable       (set by the gateway)
//   undeliverable  (final)
//   delivered      -> received | accepted | declined | needs_info | assessed | closed
//   received       -> accepted | declined | needs_info | assessed | forwarded | closed
//   needs_info     -> received | accepted | declined | closed
//   accepted       -> intake_planned | closed
//   intake_planned -> closed
//   assessed       -> forwarded | closed
//   forwarded      -> closed
//   declined       -> closed
//   closed         (final)
//
// A Lifecycle is immutable and safe to share between threads.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/error.h"
#include "gateway/core/organisation.h"

namespace ketenpoort {

namespace state {
inline constexpr std::string_view kSent = "sent";
inline constexpr std::string_view kDelivered = "delivered";
inline constexpr std::string_view kUndeliverable = "undeliverable";
inline constexpr std::string_view kReceived = "received";
inline constexpr std::string_view kClosed = "closed";
// Not a state of any lifecycle: what a status report between gateways carries for the sender's
// recall, so that the recipient's gateway deletes its copy too (federation/status_report.h).
inline constexpr std::string_view kRecalled = "recalled";
}  // namespace state

// Who may set a state through the API.
struct StateRule {
  enum class By { kRecipient, kSender, kSenderOrRecipient };
  By by = By::kRecipient;
  std::vector<OrgKind> org_kinds{};  // empty: an organisation of any kind
  // A state set with a coded reason (a referral's decline): the name of the code list whose
  // code the change must carry (at the version the message records), with text in `reason`
  // when the code is "other". Empty: no code, and none accepted.
  std::string code_list{};
};

// What one status change moves: the caller's own delivery (referral, signal: each recipient
// answers for itself), or every delivery of the message at once (b8: one procedure that the
// IND, CoMensha and the care coordinator all follow).
enum class LifecycleScope { kDelivery, kMessage };

class Lifecycle {
 public:
  // `transitions`: state -> the states that may follow it. Every state that appears anywhere
  // is a known state. `rules`: who may set a state; states without a rule may be set by any
  // recipient. The gateway's own states (sent, delivered, undeliverable) are never settable.
  explicit Lifecycle(std::map<std::string, std::set<std::string>, std::less<>> transitions,
                     std::map<std::string, StateRule, std::less<>> rules = {},
                     LifecycleScope scope = LifecycleScope::kDelivery);

  bool IsKnown(std::string_view state) const;
  const std::set<std::string, std::less<>>& states() const { return known_; }
  // The states that may follow `from` (empty when final or unknown).
  std::set<std::string> Next(std::string_view from) const;
  bool IsFinal(std::string_view state) const { return Next(state).empty(); }
  LifecycleScope scope() const { return scope_; }
  const StateRule* RuleFor(std::string_view state) const;

  // Ok when a delivery may move from `from` to `to`. Errors:
  //   unknown `to`        -> kInvalidArgument "unknown_state" (field "state")
  //   not allowed         -> kConflict "invalid_transition", naming both states
  Status Check(std::string_view from, std::string_view to) const;
  // Ok when an organisation of kind `org_kind` (the message's sender and/or a recipient) may
  // set `to`; else kPermissionDenied "state_not_permitted", naming the kinds that may.
  Status CheckSetter(std::string_view to, OrgKind org_kind, bool is_sender,
                     bool is_recipient) const;

 private:
  std::map<std::string, std::set<std::string>, std::less<>> next_;
  std::set<std::string, std::less<>> known_;
  std::map<std::string, StateRule, std::less<>> rules_;
  LifecycleScope scope_ = LifecycleScope::kDelivery;
};

// The generic machine above.
const Lifecycle& GenericLifecycle();

}  // namespace ketenpoort
