// The workflow of one delivery: which state a recipient organisation may move a message to
// from the state it is in (DESIGN.md section 3, clear-text states).
//
//   const Lifecycle& lc = LifecycleFor("signal");
//   lc.Check("received", "assessed")      // Ok
//   lc.Check("closed", "accepted")        // kConflict "invalid_transition"
//   lc.Check("received", "shredded")      // kInvalidArgument "unknown_state", field "state"
//
// States every kind shares, set by the gateway itself:
//   sent           accepted by the sender's gateway, on its way to a peer gateway
//   undeliverable  the peer gateway refused it, or did not take it in before the outbox gave
//                  up (a dead letter, gateway/delivery/outbox_worker.h); final
//   delivered      in the recipient organisation's inbox
//   received       the recipient fetched it (the first GET of the message does this)
// The rest are set by the recipient through POST /v1/messages/{id}/status. Until the kinds
// define their own machines (adapters/kinds/), every kind uses the generic one:
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

#include "gateway/core/error.h"

namespace ketenpoort {

namespace state {
inline constexpr std::string_view kSent = "sent";
inline constexpr std::string_view kDelivered = "delivered";
inline constexpr std::string_view kUndeliverable = "undeliverable";
inline constexpr std::string_view kReceived = "received";
inline constexpr std::string_view kClosed = "closed";
}  // namespace state

class Lifecycle {
 public:
  // `transitions`: state -> the states that may follow it. Every state that appears anywhere
  // is a known state.
  explicit Lifecycle(std::map<std::string, std::set<std::string>, std::less<>> transitions);

  bool IsKnown(std::string_view state) const;
  // Ok when a recipient may move a delivery from `from` to `to`. Errors:
  //   unknown `to`        -> kInvalidArgument "unknown_state" (field "state")
  //   not allowed         -> kConflict "invalid_transition", naming both states
  Status Check(std::string_view from, std::string_view to) const;

 private:
  std::map<std::string, std::set<std::string>, std::less<>> next_;
  std::set<std::string, std::less<>> known_;
};

// The generic machine above.
const Lifecycle& GenericLifecycle();

// The machine of message kind `kind`; the generic one for kinds without their own.
const Lifecycle& LifecycleFor(std::string_view kind);

}  // namespace ketenpoort
