#include "gateway/audit/tree_head.h"

#include <gtest/gtest.h>

#include <string>

#include "gateway/audit/merkle_tree.h"
#include "gateway/crypto/encoding.h"

namespace ketenpoort::audit {
namespace {

using json = nlohmann::json;

TreeHead Sample() {
  TreeHead head;
  head.size = 0x0102030405060708;
  head.root = HashLeaf(AsBytes("root"));
  head.time_ms = 1795326001123;
  head.signature = Bytes{0x30, 0x45, 0x02, 0x21, 0x00, 0xaa};
  return head;
}

TEST(TreeHeadTest, SignedBytesHaveTheDocumentedFixedLayout) {
  const TreeHead head = Sample();
  const Bytes b = SignedBytes(head);
  ASSERT_EQ(b.size(), kSignedTreeHeadBytes);
  EXPECT_EQ(AsString(ByteView(b).first(24)), "ketenpoort-tree-head-v1\n");
  EXPECT_EQ(Bytes(b.begin() + 24, b.begin() + 32), (Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(crypto::HexEncode(ByteView(b).subspan(32, 8)), "000001a201c4bfe3");
  EXPECT_EQ(Bytes(b.begin() + 40, b.end()), Bytes(head.root.begin(), head.root.end()));
}

TEST(TreeHeadTest, SignedBytesCoverSizeTimeAndRootButNotTheSignature) {
  const TreeHead head = Sample();
  TreeHead other = head;
  other.signature = {1, 2, 3};
  EXPECT_EQ(SignedBytes(other), SignedBytes(head));
  other = head;
  other.size += 1;
  EXPECT_NE(SignedBytes(other), SignedBytes(head));
  other = head;
  other.time_ms += 1;
  EXPECT_NE(SignedBytes(other), SignedBytes(head));
  other = head;
  other.root[31] ^= 1;
  EXPECT_NE(SignedBytes(other), SignedBytes(head));
}

TEST(TreeHeadTest, JsonIsTheCheckpointShapeAndRoundTrips) {
  TreeHead head = Sample();
  head.size = 42;
  const json j = ToJson(head);
  EXPECT_EQ(j.size(), 4u);
  EXPECT_EQ(j.at("size"), 42);
  EXPECT_EQ(j.at("root"), crypto::Base64Encode(head.root));
  EXPECT_EQ(j.at("signature"), "MEUCIQCq");
  EXPECT_EQ(j.at("time"), "2026-11-22T05:40:01.123Z");
  auto back = TreeHeadFromJson(json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, head);

  head.size = 0x0102030405060708;  // beyond 2^53 still exact
  auto big = TreeHeadFromJson(json::parse(ToJson(head).dump()));
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->size, head.size);
}

TEST(TreeHeadTest, FromJsonNamesTheBadField) {
  const json good = ToJson(Sample());
  struct Case {
    const char* key;
    json value;  // null: remove the key
  };
  const std::vector<Case> cases = {
      {"size", nullptr},       {"size", -1},
      {"size", 1.5},           {"size", "42"},
      {"root", nullptr},       {"root", "not base64!"},
      {"root", "AAAA"},        {"root", 7},
      {"signature", nullptr},  {"signature", ""},
      {"signature", "@@"},     {"time", nullptr},
      {"time", 1795326001123}, {"time", "2026-11-22T05:40:01Z"},
      {"tree_size", 3},
  };
  for (const auto& c : cases) {
    json j = good;
    if (c.value.is_null()) {
      j.erase(c.key);
    } else {
      j[c.key] = c.value;
    }
    auto r = TreeHeadFromJson(j);
    ASSERT_FALSE(r.ok()) << c.key << " = " << c.value.dump();
    EXPECT_EQ(r.error().code, "invalid_tree_head");
    EXPECT_EQ(r.error().field, c.key) << c.value.dump();
  }
  EXPECT_FALSE(TreeHeadFromJson(json::array()).ok());
}

}  // namespace
}  // namespace ketenpoort::audit
