// The RFC 6962 / RFC 9162 Merkle tree over audit leaf hashes: root hashes, inclusion and
// consistency proofs, and their verification.
//
//   // (compiled in examples_test.cpp)
//   std::vector<crypto::Digest> leaves = ...;              // LeafHash(entry) per entry
//   crypto::Digest root = RootHash(leaves);
//   auto proof = InclusionProof(leaves, 5);                 // Result<std::vector<Digest>>
//   VerifyInclusion(5, leaves.size(), leaves[5], *proof, root)           // true
//   auto cproof = ConsistencyProof(leaves, 3);
//   VerifyConsistency(3, leaves.size(), RootHash(first_three), root, *cproof)  // true
//
// Contract (RFC 6962 section 2.1, RFC 9162 section 2.1; same hashes, same proofs):
// - HashLeaf(d) = SHA-256(0x00 || d); HashChildren(l, r) = SHA-256(0x01 || l || r).
// - The root of an empty tree is SHA-256 of the empty string; of one leaf, its leaf hash; of
//   n > 1 leaves, HashChildren(root of the first k, root of the rest), where k is the largest
//   power of two smaller than n.
// - InclusionProof = RFC 6962 PATH(m, D[n]); ConsistencyProof = PROOF(m, D[n]) built with
//   SUBPROOF. Both list hashes from the bottom of the tree up. A consistency proof from size 0
//   or to the same size is empty. Asking for an index >= size or an old size > new size is
//   InvalidArgument "invalid_proof_request".
// - VerifyInclusion and VerifyConsistency are the algorithms of RFC 9162 sections 2.1.3.2 and
//   2.1.4.2, returning false on any mismatch (also a proof that is too long or too short).
//   VerifyConsistency(m, m, a, b, {}) is a == b; from size 0 it needs an empty proof and
//   old_root == EmptyRoot().
// - Cost: proofs read every leaf through a NodeSource, O(n) hashing and O(log n) memory. A
//   source that also stores perfect-subtree hashes (CompactRange::Append reports each one as
//   it completes) overrides PerfectSubtree and makes a proof O(log^2 n) reads.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/crypto/hash.h"

namespace ketenpoort::audit {

crypto::Digest HashLeaf(ByteView data);  // for an audit entry: LeafHash(entry), audit_entry.h
crypto::Digest HashChildren(const crypto::Digest& left, const crypto::Digest& right);
crypto::Digest EmptyRoot();

// Where the proof functions read a tree from: leaf hashes in order, and optionally stored
// perfect-subtree hashes. A store implements it over its table; SpanNodeSource over memory.
class NodeSource {
 public:
  virtual ~NodeSource() = default;

  // Calls `sink` with the leaf hashes at positions [begin, end) (0-based), in order.
  virtual Status ReadLeaves(std::uint64_t begin, std::uint64_t end,
                            const std::function<void(const crypto::Digest&)>& sink) = 0;

  // The root of the perfect subtree of 2^level leaves that starts at leaf (index << level).
  // The default reads those leaves; override it when such hashes are stored.
  virtual Result<crypto::Digest> PerfectSubtree(unsigned level, std::uint64_t index);
};

// A NodeSource over leaf hashes in memory. Borrows `leaves`: keep them alive.
class SpanNodeSource : public NodeSource {
 public:
  explicit SpanNodeSource(std::span<const crypto::Digest> leaves) : leaves_(leaves) {}
  Status ReadLeaves(std::uint64_t begin, std::uint64_t end,
                    const std::function<void(const crypto::Digest&)>& sink) override;
  Result<crypto::Digest> PerfectSubtree(unsigned level, std::uint64_t index) override;

 private:
  std::span<const crypto::Digest> leaves_;
};

// Over a NodeSource holding at least `tree_size` leaves.
Result<crypto::Digest> RootHash(NodeSource& source, std::uint64_t tree_size);
Result<std::vector<crypto::Digest>> InclusionProof(NodeSource& source, std::uint64_t tree_size,
                                                   std::uint64_t index);
Result<std::vector<crypto::Digest>> ConsistencyProof(NodeSource& source, std::uint64_t old_size,
                                                     std::uint64_t new_size);

// Over all of `leaf_hashes` (tree size = leaf_hashes.size()).
crypto::Digest RootHash(std::span<const crypto::Digest> leaf_hashes);
Result<std::vector<crypto::Digest>> InclusionProof(std::span<const crypto::Digest> leaf_hashes,
                                                   std::uint64_t index);
Result<std::vector<crypto::Digest>> ConsistencyProof(std::span<const crypto::Digest> leaf_hashes,
                                                     std::uint64_t old_size);

bool VerifyInclusion(std::uint64_t index, std::uint64_t tree_size, const crypto::Digest& leaf_hash,
                     std::span<const crypto::Digest> proof, const crypto::Digest& root);
bool VerifyConsistency(std::uint64_t old_size, std::uint64_t new_size,
                       const crypto::Digest& old_root, const crypto::Digest& new_root,
                       std::span<const crypto::Digest> proof);

}  // namespace ketenpoort::audit
