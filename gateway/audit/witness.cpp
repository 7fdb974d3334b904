#include "gateway/audit/witness.h"

#include "gateway/audit/merkle_tree.h"

namespace ketenpoort::audit {

WitnessVerdict CheckPeerHead(const TreeHead* known, const TreeHead& incoming,
                             std::span<const crypto::Digest> proof) {
  using Kind = WitnessVerdict::Kind;
  if (known == nullptr)
    return {Kind::kFirst, {}};
  const std::string sizes =
      "size " + std::to_string(known->size) + " -> " + std::to_string(incoming.size);
  if (incoming.size == known->size) {
    if (incoming.root == known->root)
      return {Kind::kSame, {}};
    return {Kind::kFork, "two different signed heads of size " + std::to_string(incoming.size)};
  }
  if (incoming.size < known->size)
    return {Kind::kFork, "the peer's signed head went back (" + sizes + ")"};
  if (!VerifyConsistency(known->size, incoming.size, known->root, incoming.root, proof)) {
    return {Kind::kFork,
            "the new signed head is not consistent with the one kept before (" + sizes + ")"};
  }
  return {Kind::kExtends, {}};
}

}  // namespace ketenpoort::audit
