// The Merkle frontier of an append-only log: everything needed to append a leaf and compute
// the current RFC 6962 root without the earlier leaves. Persist it beside the trail.
//
//   // (compiled in examples_test.cpp)
//   CompactRange range;                       // or CompactRange::Deserialize(saved)
//   range.Append(LeafHash(entry));            // O(log n) time, never reads old leaves
//   crypto::Digest root = range.Root();       // == RootHash(all leaves so far)
//   Bytes saved = range.Serialize();
//
// Contract:
// - Holds one hash per set bit of size(): the roots of the perfect subtrees that make up the
//   tree, largest (leftmost) first. Memory is at most 64 hashes.
// - Append is amortised O(1) and at most 64 hash computations; Root() folds the hashes right to
//   left (at most 63 hash computations); an empty range's root is EmptyRoot().
// - Append can report every perfect subtree it completes (level >= 1, covering leaves
//   [index << level, (index + 1) << level)); a store that keeps those hashes can answer
//   NodeSource::PerfectSubtree (merkle_tree.h) and make proofs logarithmic.
// - Serialized form, version 1: the 28 ASCII bytes "ketenpoort-compact-range-v1\n", size() as
//   8 bytes big-endian, then the hashes in order (32 bytes each). Deserialize rejects any
//   other tag or length with InvalidArgument "invalid_compact_range".
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/crypto/hash.h"

namespace ketenpoort::audit {

class CompactRange {
 public:
  using NodeSink = std::function<void(unsigned level, std::uint64_t index, const crypto::Digest&)>;

  CompactRange() = default;

  void Append(const crypto::Digest& leaf_hash, const NodeSink& on_subtree = {});
  crypto::Digest Root() const;
  std::uint64_t size() const { return size_; }
  const std::vector<crypto::Digest>& hashes() const { return hashes_; }

  Bytes Serialize() const;
  static Result<CompactRange> Deserialize(ByteView bytes);

  bool operator==(const CompactRange&) const = default;

 private:
  std::uint64_t size_ = 0;
  std::vector<crypto::Digest> hashes_;
};

}  // namespace ketenpoort::audit
