#include "gateway/audit/compact_range.h"

#include <gtest/gtest.h>

#include <bit>
#include <string>
#include <tuple>
#include <vector>

#include "gateway/audit/merkle_tree.h"

namespace ketenpoort::audit {
namespace {

using crypto::Digest;

std::vector<Digest> Leaves(std::size_t n) {
  std::vector<Digest> leaves;
  for (std::size_t i = 0; i < n; ++i) {
    std::string data = "entry " + std::to_string(i);
    leaves.push_back(HashLeaf(AsBytes(data)));
  }
  return leaves;
}

TEST(CompactRangeTest, EmptyRangeHasTheEmptyRoot) {
  CompactRange range;
  EXPECT_EQ(range.size(), 0u);
  EXPECT_EQ(range.Root(), EmptyRoot());
  EXPECT_EQ(range.Serialize().size(), 28u + 8u);
}

TEST(CompactRangeTest, RootEqualsRootHashForEverySizeUpTo300AndAfterARoundTrip) {
  const auto leaves = Leaves(300);
  CompactRange range;
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    range.Append(leaves[n - 1]);
    SCOPED_TRACE(n);
    const Digest expected = RootHash(std::span<const Digest>(leaves).first(n));
    ASSERT_EQ(range.size(), n);
    ASSERT_EQ(range.hashes().size(), static_cast<std::size_t>(std::popcount(n)));
    ASSERT_EQ(range.Root(), expected);

    const Bytes saved = range.Serialize();
    ASSERT_EQ(saved.size(), 36u + 32u * range.hashes().size());
    auto restored = CompactRange::Deserialize(saved);
    ASSERT_TRUE(restored.ok());
    ASSERT_EQ(*restored, range);
    ASSERT_EQ(restored->Root(), expected);
    // A restored range goes on exactly like the original.
    if (n < leaves.size()) {
      restored->Append(leaves[n]);
      ASSERT_EQ(restored->Root(), RootHash(std::span<const Digest>(leaves).first(n + 1)));
    }
  }
}

TEST(CompactRangeTest, ReportsEveryPerfectSubtreeItCompletes) {
  const auto leaves = Leaves(100);
  std::vector<std::tuple<unsigned, std::uint64_t, Digest>> nodes;
  CompactRange range;
  for (const auto& leaf : leaves) {
    range.Append(leaf, [&](unsigned level, std::uint64_t index, const Digest& hash) {
      nodes.emplace_back(level, index, hash);
    });
  }
  // Every complete, aligned subtree of two or more leaves, once.
  std::size_t expected = 0;
  for (unsigned level = 1; (1u << level) <= leaves.size(); ++level)
    expected += leaves.size() >> level;
  EXPECT_EQ(nodes.size(), expected);
  for (const auto& [level, index, hash] : nodes) {
    const std::size_t width = std::size_t{1} << level;
    EXPECT_EQ(hash, RootHash(std::span<const Digest>(leaves).subspan(index * width, width)))
        << level << "/" << index;
  }
}

TEST(CompactRangeTest, SerializedLayoutIsVersionedAndBigEndian) {
  const auto leaves = Leaves(3);
  CompactRange range;
  for (const auto& leaf : leaves)
    range.Append(leaf);
  const Bytes saved = range.Serialize();
  ASSERT_EQ(saved.size(), 28u + 8u + 64u);
  EXPECT_EQ(AsString(ByteView(saved).first(28)), "ketenpoort-compact-range-v1\n");
  EXPECT_EQ(Bytes(saved.begin() + 28, saved.begin() + 36), (Bytes{0, 0, 0, 0, 0, 0, 0, 3}));
  EXPECT_EQ(Bytes(saved.begin() + 36, saved.begin() + 68),
            Bytes(range.hashes()[0].begin(), range.hashes()[0].end()));
  EXPECT_EQ(range.hashes()[0], HashChildren(leaves[0], leaves[1]));
  EXPECT_EQ(range.hashes()[1], leaves[2]);
}

TEST(CompactRangeTest, DeserializeRejectsDamagedBytes) {
  CompactRange range;
  for (const auto& leaf : Leaves(5))
    range.Append(leaf);
  const Bytes good = range.Serialize();

  auto expect_bad = [](const Bytes& bytes) {
    auto r = CompactRange::Deserialize(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "invalid_compact_range");
  };
  expect_bad({});
  expect_bad(Bytes(good.begin(), good.end() - 1));  // truncated hash
  Bytes extra = good;
  extra.push_back(0);
  expect_bad(extra);
  Bytes tag = good;
  tag[26] = '2';  // "v2"
  expect_bad(tag);
  Bytes size = good;
  size[35] = 7;  // size 7 has three perfect subtrees, not two
  expect_bad(size);
}

}  // namespace
}  // namespace ketenpoort::audit
