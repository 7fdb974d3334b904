#include "gateway/audit/merkle_tree.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "gateway/crypto/encoding.h"

namespace ketenpoort::audit {
namespace {

using crypto::Digest;

// ---------------------------------------------------------------------------------------------
// An independent reference: RFC 6962 section 2.1 written down directly, hashing with OpenSSL's
// SHA256() and sharing no code with merkle_tree.cpp. Proofs are checked by recursion over the
// tree's shape, a different algorithm from the RFC 9162 bit walk the production verifier uses.
namespace ref {

Digest Sha(std::initializer_list<ByteView> parts) {
  Bytes all;
  for (ByteView p : parts)
    all.insert(all.end(), p.begin(), p.end());
  Digest d;
  SHA256(all.data(), all.size(), d.data());
  return d;
}
const std::uint8_t kZero[1] = {0x00};
const std::uint8_t kOne[1] = {0x01};
Digest Leaf(ByteView data) {
  return Sha({kZero, data});
}
Digest Node(const Digest& l, const Digest& r) {
  return Sha({kOne, l, r});
}

std::uint64_t Split(std::uint64_t n) {  // largest power of two < n
  std::uint64_t k = 1;
  while (k * 2 < n)
    k *= 2;
  return k;
}

Digest Mth(std::span<const Digest> d) {
  if (d.empty())
    return Sha({});
  if (d.size() == 1)
    return d[0];
  std::uint64_t k = Split(d.size());
  return Node(Mth(d.first(k)), Mth(d.subspan(k)));
}

// PATH(m, D[n])
std::vector<Digest> Path(std::uint64_t m, std::span<const Digest> d) {
  if (d.size() <= 1)
    return {};
  std::uint64_t k = Split(d.size());
  std::vector<Digest> p;
  if (m < k) {
    p = Path(m, d.first(k));
    p.push_back(Mth(d.subspan(k)));
  } else {
    p = Path(m - k, d.subspan(k));
    p.push_back(Mth(d.first(k)));
  }
  return p;
}

// SUBPROOF(m, D[n], b)
std::vector<Digest> SubProof(std::uint64_t m, std::span<const Digest> d, bool b) {
  if (m == d.size())
    return b ? std::vector<Digest>{} : std::vector<Digest>{Mth(d)};
  std::uint64_t k = Split(d.size());
  std::vector<Digest> p;
  if (m <= k) {
    p = SubProof(m, d.first(k), b);
    p.push_back(Mth(d.subspan(k)));
  } else {
    p = SubProof(m - k, d.subspan(k), false);
    p.push_back(Mth(d.first(k)));
  }
  return p;
}

// The root an inclusion proof implies, consuming the proof from its top (last) element.
std::optional<Digest> InclusionRoot(std::uint64_t m, std::uint64_t n, const Digest& leaf,
                                    std::span<const Digest> proof) {
  if (n == 1)
    return proof.empty() ? std::optional<Digest>(leaf) : std::nullopt;
  if (proof.empty())
    return std::nullopt;
  std::uint64_t k = Split(n);
  const Digest& sibling = proof.back();
  auto rest = proof.first(proof.size() - 1);
  if (m < k) {
    auto r = InclusionRoot(m, k, leaf, rest);
    return r ? std::optional<Digest>(Node(*r, sibling)) : std::nullopt;
  }
  auto r = InclusionRoot(m - k, n - k, leaf, rest);
  return r ? std::optional<Digest>(Node(sibling, *r)) : std::nullopt;
}

bool CheckInclusion(std::uint64_t m, std::uint64_t n, const Digest& leaf,
                    std::span<const Digest> proof, const Digest& root) {
  if (m >= n)
    return false;
  auto r = InclusionRoot(m, n, leaf, proof);
  return r && *r == root;
}

// The (old subtree, new subtree) hashes a consistency proof implies for D[n] with m old leaves;
// `b` as in SUBPROOF: the subtree is the whole old tree, whose root the verifier knows.
std::optional<std::pair<Digest, Digest>> ConsistencyRoots(std::uint64_t m, std::uint64_t n, bool b,
                                                          std::span<const Digest> proof,
                                                          const Digest& old_root) {
  if (m == n) {
    if (b) {
      if (!proof.empty())
        return std::nullopt;
      return std::make_pair(old_root, old_root);
    }
    if (proof.size() != 1)
      return std::nullopt;
    return std::make_pair(proof[0], proof[0]);
  }
  if (proof.empty())
    return std::nullopt;
  std::uint64_t k = Split(n);
  const Digest& last = proof.back();
  auto rest = proof.first(proof.size() - 1);
  if (m <= k) {
    auto r = ConsistencyRoots(m, k, b, rest, old_root);
    if (!r)
      return std::nullopt;
    return std::make_pair(r->first, Node(r->second, last));
  }
  auto r = ConsistencyRoots(m - k, n - k, false, rest, old_root);
  if (!r)
    return std::nullopt;
  return std::make_pair(Node(last, r->first), Node(last, r->second));
}

bool CheckConsistency(std::uint64_t m, std::uint64_t n, const Digest& old_root,
                      const Digest& new_root, std::span<const Digest> proof) {
  if (m == 0 || m > n)
    return false;
  auto r = ConsistencyRoots(m, n, true, proof, old_root);
  return r && r->first == old_root && r->second == new_root;
}

}  // namespace ref
// ---------------------------------------------------------------------------------------------

Digest FromHex(std::string_view hex) {
  auto bytes = crypto::HexDecode(hex);
  EXPECT_TRUE(bytes.ok());
  Digest d{};
  if (bytes && bytes->size() == d.size())
    std::copy(bytes->begin(), bytes->end(), d.begin());
  return d;
}

std::string Hex(const Digest& d) {
  return crypto::HexEncode(d);
}

std::vector<std::string> Hex(const std::vector<Digest>& v) {
  std::vector<std::string> out;
  for (const auto& d : v)
    out.push_back(Hex(d));
  return out;
}

// The certificate-transparency test leaves and the roots of their first 0..8 (RFC 6962 trees).
std::vector<Digest> CtLeaves() {
  const std::vector<std::string> data = {"",
                                         "00",
                                         "10",
                                         "2021",
                                         "3031",
                                         "40414243",
                                         "5051525354555657",
                                         "606162636465666768696a6b6c6d6e6f"};
  std::vector<Digest> leaves;
  for (const auto& hex : data) {
    auto bytes = crypto::HexDecode(hex);
    leaves.push_back(HashLeaf(*bytes));
  }
  return leaves;
}

const char* const kCtRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

std::vector<Digest> Leaves(std::size_t n) {
  std::vector<Digest> leaves;
  for (std::size_t i = 0; i < n; ++i) {
    std::string data = "leaf " + std::to_string(i);
    leaves.push_back(ref::Leaf(AsBytes(data)));
  }
  return leaves;
}

std::span<const Digest> First(const std::vector<Digest>& v, std::size_t n) {
  return std::span<const Digest>(v).first(n);
}

TEST(MerkleTreeTest, HashesUseTheRfc6962Prefixes) {
  EXPECT_EQ(Hex(EmptyRoot()), kCtRoots[0]);
  EXPECT_EQ(Hex(HashLeaf({})), kCtRoots[1]);  // SHA-256(0x00)
  Digest a = HashLeaf(AsBytes("a")), b = HashLeaf(AsBytes("b"));
  EXPECT_EQ(HashLeaf(AsBytes("a")), ref::Leaf(AsBytes("a")));
  EXPECT_EQ(HashChildren(a, b), ref::Node(a, b));
  EXPECT_NE(HashChildren(a, b), HashChildren(b, a));
}

TEST(MerkleTreeTest, RootsMatchTheCertificateTransparencyVectors) {
  auto leaves = CtLeaves();
  for (std::size_t n = 0; n <= leaves.size(); ++n) {
    SCOPED_TRACE(n);
    EXPECT_EQ(Hex(RootHash(First(leaves, n))), kCtRoots[n]);
    EXPECT_EQ(Hex(ref::Mth(First(leaves, n))), kCtRoots[n]);  // the reference agrees too
    SpanNodeSource source(leaves);
    auto root = RootHash(source, n);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(Hex(*root), kCtRoots[n]);
  }
}

TEST(MerkleTreeTest, ProofsMatchTheCertificateTransparencyVectors) {
  auto leaves = CtLeaves();
  auto p0 = InclusionProof(leaves, 0);
  ASSERT_TRUE(p0.ok());
  EXPECT_EQ(Hex(*p0), (std::vector<std::string>{
                          "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                          "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}));
  auto p5 = InclusionProof(leaves, 5);
  ASSERT_TRUE(p5.ok());
  EXPECT_EQ(Hex(*p5), (std::vector<std::string>{
                          "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}));

  auto c28 = ConsistencyProof(leaves, 2);
  ASSERT_TRUE(c28.ok());
  EXPECT_EQ(Hex(*c28), (std::vector<std::string>{
                           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}));
  auto c68 = ConsistencyProof(leaves, 6);
  ASSERT_TRUE(c68.ok());
  EXPECT_EQ(Hex(*c68), (std::vector<std::string>{
                           "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}));
  auto c25 = ConsistencyProof(First(leaves, 5), 2);
  ASSERT_TRUE(c25.ok());
  EXPECT_EQ(Hex(*c25), (std::vector<std::string>{
                           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}));

  const Digest root8 = FromHex(kCtRoots[8]);
  EXPECT_TRUE(VerifyInclusion(5, 8, leaves[5], *p5, root8));
  EXPECT_TRUE(ref::CheckInclusion(5, 8, leaves[5], *p5, root8));
  EXPECT_TRUE(VerifyConsistency(6, 8, FromHex(kCtRoots[6]), root8, *c68));
  EXPECT_TRUE(ref::CheckConsistency(6, 8, FromHex(kCtRoots[6]), root8, *c68));
}

constexpr std::size_t kMaxSize = 64;

TEST(MerkleTreeTest, EveryInclusionProofUpTo64VerifiesIndependently) {
  const auto all = Leaves(kMaxSize);
  for (std::uint64_t n = 1; n <= kMaxSize; ++n) {
    const auto leaves = First(all, n);
    const Digest root = ref::Mth(leaves);
    ASSERT_EQ(RootHash(leaves), root) << n;
    for (std::uint64_t i = 0; i < n; ++i) {
      SCOPED_TRACE("index " + std::to_string(i) + " size " + std::to_string(n));
      auto proof = InclusionProof(leaves, i);
      ASSERT_TRUE(proof.ok());
      EXPECT_EQ(*proof, ref::Path(i, leaves));
      EXPECT_TRUE(ref::CheckInclusion(i, n, leaves[i], *proof, root));
      EXPECT_TRUE(VerifyInclusion(i, n, leaves[i], *proof, root));
    }
  }
}

TEST(MerkleTreeTest, TamperedInclusionProofsAreRejected) {
  const auto all = Leaves(kMaxSize);
  const Digest stranger = ref::Leaf(AsBytes("not in the tree"));
  for (std::uint64_t n = 1; n <= kMaxSize; ++n) {
    const auto leaves = First(all, n);
    const Digest root = ref::Mth(leaves);
    for (std::uint64_t i = 0; i < n; ++i) {
      SCOPED_TRACE("index " + std::to_string(i) + " size " + std::to_string(n));
      const std::vector<Digest> proof = *InclusionProof(leaves, i);
      auto both_reject = [&](std::uint64_t index, std::uint64_t size, const Digest& leaf,
                             const std::vector<Digest>& p, const Digest& r) {
        EXPECT_FALSE(VerifyInclusion(index, size, leaf, p, r));
        EXPECT_FALSE(ref::CheckInclusion(index, size, leaf, p, r));
      };
      both_reject(i, n, stranger, proof, root);       // another leaf
      both_reject(i, n, leaves[i], proof, stranger);  // another root
      if (i + 1 < n)
        both_reject(i + 1, n, leaves[i], proof, root);  // another index
      if (i > 0)
        both_reject(i - 1, n, leaves[i], proof, root);
      both_reject(n, n, leaves[i], proof, root);        // index beyond the tree
      for (std::size_t k = 0; k < proof.size(); ++k) {  // any changed bit
        auto bad = proof;
        bad[k][k % 32] ^= 0x01;
        both_reject(i, n, leaves[i], bad, root);
      }
      if (!proof.empty()) {
        both_reject(i, n, leaves[i], std::vector<Digest>(proof.begin(), proof.end() - 1), root);
      }
      auto longer = proof;
      longer.push_back(stranger);
      both_reject(i, n, leaves[i], longer, root);
      if (proof.size() >= 2 && proof[0] != proof[1]) {
        auto swapped = proof;
        std::swap(swapped[0], swapped[1]);
        both_reject(i, n, leaves[i], swapped, root);
      }
    }
  }
}

TEST(MerkleTreeTest, EveryConsistencyProofUpTo64VerifiesIndependently) {
  const auto all = Leaves(kMaxSize);
  for (std::uint64_t n = 1; n <= kMaxSize; ++n) {
    const auto leaves = First(all, n);
    const Digest new_root = ref::Mth(leaves);
    for (std::uint64_t m = 0; m <= n; ++m) {
      SCOPED_TRACE("old " + std::to_string(m) + " new " + std::to_string(n));
      const Digest old_root = ref::Mth(leaves.first(m));
      auto proof = ConsistencyProof(leaves, m);
      ASSERT_TRUE(proof.ok());
      if (m == 0 || m == n) {
        EXPECT_TRUE(proof->empty());
      } else {
        EXPECT_EQ(*proof, ref::SubProof(m, leaves, true));
      }
      if (m > 0) {
        EXPECT_TRUE(ref::CheckConsistency(m, n, old_root, new_root, *proof));
      }
      EXPECT_TRUE(VerifyConsistency(m, n, old_root, new_root, *proof));
    }
  }
}

TEST(MerkleTreeTest, TamperedConsistencyProofsAreRejected) {
  const auto all = Leaves(kMaxSize);
  const Digest stranger = ref::Leaf(AsBytes("not in the tree"));
  for (std::uint64_t n = 2; n <= kMaxSize; ++n) {
    const auto leaves = First(all, n);
    const Digest new_root = ref::Mth(leaves);
    for (std::uint64_t m = 1; m < n; ++m) {
      SCOPED_TRACE("old " + std::to_string(m) + " new " + std::to_string(n));
      const Digest old_root = ref::Mth(leaves.first(m));
      const std::vector<Digest> proof = *ConsistencyProof(leaves, m);
      auto both_reject = [&](std::uint64_t om, std::uint64_t nn, const Digest& o, const Digest& r,
                             const std::vector<Digest>& p) {
        EXPECT_FALSE(VerifyConsistency(om, nn, o, r, p));
        EXPECT_FALSE(ref::CheckConsistency(om, nn, o, r, p));
      };
      both_reject(m, n, stranger, new_root, proof);
      both_reject(m, n, old_root, stranger, proof);
      both_reject(m, n, new_root, old_root, proof);
      for (std::size_t k = 0; k < proof.size(); ++k) {
        auto bad = proof;
        bad[k][31 - k % 32] ^= 0x80;
        both_reject(m, n, old_root, new_root, bad);
      }
      both_reject(m, n, old_root, new_root, std::vector<Digest>(proof.begin(), proof.end() - 1));
      both_reject(m, n, old_root, new_root, {});
      auto longer = proof;
      longer.push_back(stranger);
      both_reject(m, n, old_root, new_root, longer);
      if (proof.size() >= 2 && proof[0] != proof[1]) {
        auto swapped = proof;
        std::swap(swapped[0], swapped[1]);
        both_reject(m, n, old_root, new_root, swapped);
      }
      // A proof between other sizes does not pass for these.
      if (m + 1 < n)
        both_reject(m + 1, n, ref::Mth(leaves.first(m + 1)), new_root, proof);
      both_reject(m, n - 1, old_root, ref::Mth(leaves.first(n - 1)), proof);
    }
  }
}

TEST(MerkleTreeTest, ProofsAtLargerSizesAroundPowersOfTwo) {
  const auto all = Leaves(1100);
  for (std::uint64_t n :
       {127u, 128u, 129u, 255u, 256u, 257u, 511u, 512u, 513u, 1023u, 1024u, 1025u, 1100u}) {
    const auto leaves = First(all, n);
    const Digest root = ref::Mth(leaves);
    for (std::uint64_t i : {std::uint64_t{0}, n / 3, n / 2, n - 2, n - 1}) {
      auto proof = InclusionProof(leaves, i);
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(ref::CheckInclusion(i, n, leaves[i], *proof, root)) << i << "/" << n;
      EXPECT_TRUE(VerifyInclusion(i, n, leaves[i], *proof, root)) << i << "/" << n;
    }
    for (std::uint64_t m : {std::uint64_t{1}, n / 3, n / 2, n - 1}) {
      auto proof = ConsistencyProof(leaves, m);
      ASSERT_TRUE(proof.ok());
      const Digest old_root = ref::Mth(leaves.first(m));
      EXPECT_TRUE(ref::CheckConsistency(m, n, old_root, root, *proof)) << m << "/" << n;
      EXPECT_TRUE(VerifyConsistency(m, n, old_root, root, *proof)) << m << "/" << n;
    }
  }
}

TEST(MerkleTreeTest, DegenerateCases) {
  const auto leaves = Leaves(8);
  const Digest root = RootHash(leaves);
  const Digest root4 = RootHash(First(leaves, 4));
  EXPECT_FALSE(VerifyInclusion(0, 0, leaves[0], {}, EmptyRoot()));
  EXPECT_TRUE(VerifyInclusion(0, 1, leaves[0], {}, leaves[0]));
  EXPECT_TRUE(VerifyConsistency(4, 4, root4, root4, {}));
  EXPECT_FALSE(VerifyConsistency(4, 4, root4, root, {}));
  EXPECT_FALSE(VerifyConsistency(4, 4, root4, root4, std::vector<Digest>{root4}));
  EXPECT_TRUE(VerifyConsistency(0, 8, EmptyRoot(), root, {}));
  EXPECT_FALSE(VerifyConsistency(0, 8, root4, root, {}));
  EXPECT_FALSE(VerifyConsistency(0, 8, EmptyRoot(), root, std::vector<Digest>{root4}));
  EXPECT_FALSE(VerifyConsistency(8, 4, root, root4, {}));

  auto beyond = InclusionProof(leaves, 8);
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.error().code, "invalid_proof_request");
  EXPECT_EQ(beyond.error().field, "index");
  auto backwards = ConsistencyProof(First(leaves, 4), 5);
  ASSERT_FALSE(backwards.ok());
  EXPECT_EQ(backwards.error().field, "old_size");
  EXPECT_FALSE(InclusionProof(std::span<const Digest>(), 0).ok());
}

// A source that keeps every perfect-subtree hash, like a store could, and counts reads.
class StoredNodesSource : public NodeSource {
 public:
  explicit StoredNodesSource(std::span<const Digest> leaves) : leaves_(leaves) {
    for (unsigned level = 1; (std::uint64_t{1} << level) <= leaves.size(); ++level) {
      const std::uint64_t width = std::uint64_t{1} << level;
      for (std::uint64_t i = 0; (i + 1) * width <= leaves.size(); ++i) {
        nodes_[{level, i}] = ref::Mth(leaves.subspan(i * width, width));
      }
    }
  }
  Status ReadLeaves(std::uint64_t begin, std::uint64_t end,
                    const std::function<void(const Digest&)>& sink) override {
    leaf_reads += end - begin;
    for (std::uint64_t i = begin; i < end; ++i)
      sink(leaves_[i]);
    return Ok();
  }
  Result<Digest> PerfectSubtree(unsigned level, std::uint64_t index) override {
    ++node_reads;
    if (level == 0)
      return leaves_[index];
    return nodes_.at({level, index});
  }
  std::uint64_t leaf_reads = 0, node_reads = 0;

 private:
  std::span<const Digest> leaves_;
  std::map<std::pair<unsigned, std::uint64_t>, Digest> nodes_;
};

// A source that only reads leaves (the default PerfectSubtree), and can fail.
class LeavesOnlySource : public NodeSource {
 public:
  explicit LeavesOnlySource(std::span<const Digest> leaves) : leaves_(leaves) {}
  Status ReadLeaves(std::uint64_t begin, std::uint64_t end,
                    const std::function<void(const Digest&)>& sink) override {
    if (fail)
      return Unavailable("db_busy", "the database is busy");
    leaf_reads += end - begin;
    for (std::uint64_t i = begin; i < end; ++i)
      sink(leaves_[i]);
    return Ok();
  }
  bool fail = false;
  std::uint64_t leaf_reads = 0;

 private:
  std::span<const Digest> leaves_;
};

TEST(MerkleTreeTest, NodeSourcesGiveTheSameProofs) {
  const auto leaves = Leaves(300);
  for (std::uint64_t n : {1u, 2u, 3u, 7u, 64u, 100u, 255u, 300u}) {
    const auto tree = First(leaves, n);
    StoredNodesSource stored(tree);
    LeavesOnlySource plain(tree);
    EXPECT_EQ(*RootHash(stored, n), RootHash(tree));
    EXPECT_EQ(*RootHash(plain, n), RootHash(tree));
    for (std::uint64_t i = 0; i < n; i += 7) {
      const auto expected = ref::Path(i, tree);
      EXPECT_EQ(*InclusionProof(stored, n, i), expected);
      EXPECT_EQ(*InclusionProof(plain, n, i), expected);
    }
    for (std::uint64_t m = 1; m < n; m += 5) {
      const auto expected = ref::SubProof(m, tree, true);
      EXPECT_EQ(*ConsistencyProof(stored, m, n), expected);
      EXPECT_EQ(*ConsistencyProof(plain, m, n), expected);
    }
  }
}

TEST(MerkleTreeTest, ProofCostIsLinearInLeavesOrLogarithmicWithStoredNodes) {
  const auto leaves = Leaves(1000);
  LeavesOnlySource plain(leaves);
  ASSERT_TRUE(InclusionProof(plain, 1000, 500).ok());
  EXPECT_EQ(plain.leaf_reads, 999u);  // every leaf but the one proved, once
  StoredNodesSource stored(leaves);
  ASSERT_TRUE(InclusionProof(stored, 1000, 500).ok());
  EXPECT_EQ(stored.leaf_reads, 0u);
  EXPECT_LE(stored.node_reads, 10u * 10u);
}

TEST(MerkleTreeTest, SourceErrorsPropagate) {
  const auto leaves = Leaves(10);
  LeavesOnlySource source(leaves);
  source.fail = true;
  auto proof = InclusionProof(source, 10, 3);
  ASSERT_FALSE(proof.ok());
  EXPECT_EQ(proof.error().code, "db_busy");
  EXPECT_FALSE(ConsistencyProof(source, 3, 10).ok());
  EXPECT_FALSE(RootHash(source, 10).ok());
  SpanNodeSource small(leaves);
  EXPECT_FALSE(RootHash(small, 11).ok());  // more leaves asked than the source holds
}

}  // namespace
}  // namespace ketenpoort::audit
