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
// an operator investigates and clears it by hand. The caller serialises use of `db`.
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
  std::string status;   // "consistent" or "fork"
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

 private:
  store::Database& db_;
};

}  // namespace ketenpoort::audit
