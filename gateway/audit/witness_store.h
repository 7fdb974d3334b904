// The signed tree heads this gateway has witnessed from its peers (store migration 6), and the
// verdict of each peer's latest check.
//
//   // (compiled in examples_test.cpp)
//   WitnessStore w(db);
//   KP_ASSIGN_OR_RETURN(auto known, w.Latest("https://gw-b.example.org:8443"));
//   WitnessVerdict v = CheckPeerHead(known ? &*known : nullptr, incoming, proof);
//   if (v.kind == kFirst || v.kind == kExtends) w.Keep(peer, incoming, now);
//   w.SetState(peer, v.kind == kFork ? "fork" : "consistent", v.problem, now);
//
// A fork is sticky: once a peer's state is "fork", later consistent heads do not clear it;
// an operator investigates and clears it (`ketenpoort audit fork clear`, ClearFork). The caller
// serialises use of `db`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/audit/tree_head.h"
#include "gateway/core/error.h"
#include "gateway/store/database.h"

namespace ketenpoort::audit {

struct WitnessState {
  std::string peer;
  std::string status;   // "consistent", "fork", or "cleared" (an archive: ClearFork)
  std::string problem;  // why, for a fork
  std::int64_t checked_ms = 0;
  std::optional<TreeHead> latest;  // the largest head kept
};

class WitnessStore {
 public:
  explicit WitnessStore(store::Database& db) : db_(db) {}

  Result<std::optional<TreeHead>> Latest(std::string_view peer);
  Status Keep(std::string_view peer, const TreeHead& head, std::int64_t now_ms);
  // Records the verdict; a "fork" stays even when a later call says "consistent".
  Status SetState(std::string_view peer, std::string_view status, std::string_view problem,
                  std::int64_t now_ms);
  Result<std::vector<WitnessState>> All();
  // An operator's decision after investigating a peer's fork: the evidence stays, moved to the
  // peer name "PEER#fork-cleared-TIME" (its kept heads, and its state as status "cleared" with
  // the problem and `reason`), and the peer starts anew: its next head is trusted as a first
  // one. Returns the archive's name. A peer without a fork: 404 no_fork. The caller audits it
  // in the same transaction.
  Result<std::string> ClearFork(std::string_view peer, std::string_view reason,
                                std::int64_t now_ms);

 private:
  store::Database& db_;
};

}  // namespace ketenpoort::audit
