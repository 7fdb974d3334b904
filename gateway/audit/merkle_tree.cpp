#include "gateway/audit/merkle_tree.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <string>
#include <utility>

#include "gateway/audit/compact_range.h"

namespace ketenpoort::audit {

namespace {

using crypto::Digest;

// The largest power of two smaller than n; n >= 2.
std::uint64_t SplitPoint(std::uint64_t n) {
  return std::bit_floor(n - 1);
}

Error BadRequest(std::string message, std::string field) {
  return InvalidArgument("invalid_proof_request", std::move(message), std::move(field));
}

// MTH(D[begin:end]) for a non-empty range that RFC 6962's recursion produces: `begin` is a
// multiple of the smallest power of two >= end - begin, so the range is a run of aligned
// perfect subtrees whose sizes are the set bits of end - begin, largest first.
Result<Digest> SubtreeHash(NodeSource& source, std::uint64_t begin, std::uint64_t end) {
  const std::uint64_t n = end - begin;
  assert(n > 0);
  Digest parts[64];
  int count = 0;
  std::uint64_t at = begin;
  for (int level = 63; level >= 0; --level) {
    const std::uint64_t width = std::uint64_t{1} << level;
    if ((n & width) == 0)
      continue;
    assert((at & (width - 1)) == 0);
    KP_ASSIGN_OR_RETURN(parts[count],
                        source.PerfectSubtree(static_cast<unsigned>(level), at >> level));
    ++count;
    at += width;
  }
  Digest root = parts[count - 1];
  for (int i = count - 2; i >= 0; --i)
    root = HashChildren(parts[i], root);
  return root;
}

// MTH over a span, straight from the definition (RFC 6962 section 2.1).
Digest Mth(std::span<const Digest> d) {
  if (d.empty())
    return EmptyRoot();
  if (d.size() == 1)
    return d[0];
  const std::uint64_t k = SplitPoint(d.size());
  return HashChildren(Mth(d.first(k)), Mth(d.subspan(k)));
}

}  // namespace

Digest HashLeaf(ByteView data) {
  static constexpr std::uint8_t kPrefix[1] = {0x00};
  return crypto::Sha256({ByteView(kPrefix), data});
}

Digest HashChildren(const Digest& left, const Digest& right) {
  static constexpr std::uint8_t kPrefix[1] = {0x01};
  return crypto::Sha256({ByteView(kPrefix), ByteView(left), ByteView(right)});
}

Digest EmptyRoot() {
  static const Digest kEmpty = crypto::Sha256(ByteView());
  return kEmpty;
}

Result<Digest> NodeSource::PerfectSubtree(unsigned level, std::uint64_t index) {
  if (level > 63 || index > (UINT64_MAX >> level)) {
    return BadRequest("perfect subtree out of range", "level");
  }
  const std::uint64_t begin = index << level;
  CompactRange range;
  KP_RETURN_IF_ERROR(ReadLeaves(begin, begin + (std::uint64_t{1} << level),
                                [&range](const Digest& leaf) { range.Append(leaf); }));
  if (range.size() != (std::uint64_t{1} << level)) {
    return Internal("audit_leaves_missing", "the node source returned too few leaves");
  }
  return range.Root();
}

Status SpanNodeSource::ReadLeaves(std::uint64_t begin, std::uint64_t end,
                                  const std::function<void(const Digest&)>& sink) {
  if (begin > end || end > leaves_.size()) {
    return BadRequest("leaf range beyond the tree", "size");
  }
  for (std::uint64_t i = begin; i < end; ++i)
    sink(leaves_[i]);
  return Ok();
}

Result<Digest> SpanNodeSource::PerfectSubtree(unsigned level, std::uint64_t index) {
  if (level > 63 || index >= (leaves_.size() >> level)) {
    return BadRequest("perfect subtree beyond the tree", "size");
  }
  const std::uint64_t width = std::uint64_t{1} << level;
  return Mth(leaves_.subspan(index * width, width));
}

Result<Digest> RootHash(NodeSource& source, std::uint64_t tree_size) {
  if (tree_size == 0)
    return EmptyRoot();
  return SubtreeHash(source, 0, tree_size);
}

Result<std::vector<Digest>> InclusionProof(NodeSource& source, std::uint64_t tree_size,
                                           std::uint64_t index) {
  if (index >= tree_size) {
    return BadRequest("leaf index " + std::to_string(index) + " is not below the tree size " +
                          std::to_string(tree_size),
                      "index");
  }
  // Walk from the root down to the leaf, collecting each sibling (RFC 6962 PATH).
  std::vector<Digest> path;
  std::uint64_t begin = 0, end = tree_size;
  while (end - begin > 1) {
    const std::uint64_t k = SplitPoint(end - begin);
    if (index < begin + k) {
      KP_ASSIGN_OR_RETURN(Digest sibling, SubtreeHash(source, begin + k, end));
      path.push_back(sibling);
      end = begin + k;
    } else {
      KP_ASSIGN_OR_RETURN(Digest sibling, SubtreeHash(source, begin, begin + k));
      path.push_back(sibling);
      begin += k;
    }
  }
  std::reverse(path.begin(), path.end());
  return path;
}

Result<std::vector<Digest>> ConsistencyProof(NodeSource& source, std::uint64_t old_size,
                                             std::uint64_t new_size) {
  if (old_size > new_size) {
    return BadRequest("old size " + std::to_string(old_size) + " is larger than new size " +
                          std::to_string(new_size),
                      "old_size");
  }
  std::vector<Digest> path;
  if (old_size == 0 || old_size == new_size)
    return path;
  // RFC 6962 SUBPROOF(m, D[begin:end], whole_old_tree), top down.
  std::uint64_t begin = 0, end = new_size, m = old_size;
  bool whole_old_tree = true;
  while (m != end - begin) {
    const std::uint64_t k = SplitPoint(end - begin);
    if (m <= k) {
      KP_ASSIGN_OR_RETURN(Digest right, SubtreeHash(source, begin + k, end));
      path.push_back(right);
      end = begin + k;
    } else {
      KP_ASSIGN_OR_RETURN(Digest left, SubtreeHash(source, begin, begin + k));
      path.push_back(left);
      begin += k;
      m -= k;
      whole_old_tree = false;
    }
  }
  if (!whole_old_tree) {
    KP_ASSIGN_OR_RETURN(Digest node, SubtreeHash(source, begin, end));
    path.push_back(node);
  }
  std::reverse(path.begin(), path.end());
  return path;
}

Digest RootHash(std::span<const Digest> leaf_hashes) {
  return Mth(leaf_hashes);
}

Result<std::vector<Digest>> InclusionProof(std::span<const Digest> leaf_hashes,
                                           std::uint64_t index) {
  SpanNodeSource source(leaf_hashes);
  return InclusionProof(source, leaf_hashes.size(), index);
}

Result<std::vector<Digest>> ConsistencyProof(std::span<const Digest> leaf_hashes,
                                             std::uint64_t old_size) {
  SpanNodeSource source(leaf_hashes);
  return ConsistencyProof(source, old_size, leaf_hashes.size());
}

bool VerifyInclusion(std::uint64_t index, std::uint64_t tree_size, const Digest& leaf_hash,
                     std::span<const Digest> proof, const Digest& root) {
  // RFC 9162 section 2.1.3.2.
  if (index >= tree_size)
    return false;
  std::uint64_t fn = index, sn = tree_size - 1;
  Digest r = leaf_hash;
  for (const Digest& p : proof) {
    if (sn == 0)
      return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = HashChildren(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool VerifyConsistency(std::uint64_t old_size, std::uint64_t new_size, const Digest& old_root,
                       const Digest& new_root, std::span<const Digest> proof) {
  if (old_size > new_size)
    return false;
  if (old_size == new_size)
    return proof.empty() && old_root == new_root;
  if (old_size == 0)
    return proof.empty() && old_root == EmptyRoot();
  // RFC 9162 section 2.1.4.2.
  if (proof.empty())
    return false;
  // Step 2: when the old tree is a perfect subtree, its root is the path's (implicit) first
  // element.
  const bool prepend = std::has_single_bit(old_size);
  const std::size_t length = proof.size() + (prepend ? 1 : 0);
  auto at = [&](std::size_t i) -> const Digest& {
    if (prepend)
      return i == 0 ? old_root : proof[i - 1];
    return proof[i];
  };
  std::uint64_t fn = old_size - 1, sn = new_size - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Digest fr = at(0), sr = at(0);
  for (std::size_t i = 1; i < length; ++i) {
    const Digest& c = at(i);
    if (sn == 0)
      return false;
    if ((fn & 1) != 0 || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == old_root && sr == new_root && sn == 0;
}

}  // namespace ketenpoort::audit
