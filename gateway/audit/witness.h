// Witnessing a peer gateway's audit trail (docs/DESIGN.md, the audit trail and federation):
// keep the signed tree heads a peer publishes and decide whether each new one is consistent
// with what was seen before, so that not even a peer's operator can rewrite its history unseen.
//
//   // (compiled in examples_test.cpp)
//   WitnessVerdict v = CheckPeerHead(known, incoming, proof);
//   //   known      the latest head kept for this peer (nullptr: none yet)
//   //   incoming   the head just fetched, its signature already checked
//   //   proof      RFC 6962 consistency proof from known->size to incoming.size (from the peer)
//
// Verdicts:
//   kFirst     nothing known yet: keep it
//   kSame      same size and root as known: nothing new
//   kExtends   larger, and the proof shows the known tree is a prefix of it: keep it
//   kFork      same size with another root, a smaller size than known (a rollback), or a
//              larger one whose proof does not verify. `problem` says which, with sizes.
// Pure: no I/O, no clock.
#pragma once

#include <span>
#include <string>

#include "gateway/audit/tree_head.h"
#include "gateway/crypto/hash.h"

namespace ketenpoort::audit {

struct WitnessVerdict {
  enum class Kind { kFirst, kSame, kExtends, kFork };
  Kind kind = Kind::kFirst;
  std::string problem;  // set for kFork only
};

WitnessVerdict CheckPeerHead(const TreeHead* known, const TreeHead& incoming,
                             std::span<const crypto::Digest> proof);

}  // namespace ketenpoort::audit
