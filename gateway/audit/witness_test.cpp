#include "gateway/audit/witness.h"

#include <gtest/gtest.h>

#include <vector>

#include "gateway/audit/merkle_tree.h"

namespace ketenpoort::audit {
namespace {

crypto::Digest Leaf(int i) {
  return HashLeaf(AsBytes("entry " + std::to_string(i)));
}

// A head over leaves 0 .. n-1 of `leaves`.
TreeHead HeadOf(const std::vector<crypto::Digest>& leaves, std::size_t n) {
  return TreeHead{n, RootHash(std::span(leaves).first(n)), 1, {}};
}

class WitnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 20; ++i)
      leaves_.push_back(Leaf(i));
  }
  std::vector<crypto::Digest> leaves_;
};

TEST_F(WitnessTest, TheFirstHeadIsKeptAndTheSameHeadIsNothingNew) {
  TreeHead h = HeadOf(leaves_, 7);
  EXPECT_EQ(CheckPeerHead(nullptr, h, {}).kind, WitnessVerdict::Kind::kFirst);
  EXPECT_EQ(CheckPeerHead(&h, h, {}).kind, WitnessVerdict::Kind::kSame);
}

TEST_F(WitnessTest, AGrowingTrailWithAValidProofExtends) {
  TreeHead old_head = HeadOf(leaves_, 7);
  TreeHead new_head = HeadOf(leaves_, 20);
  auto proof = ConsistencyProof(leaves_, 7);
  ASSERT_TRUE(proof.ok());
  EXPECT_EQ(CheckPeerHead(&old_head, new_head, *proof).kind, WitnessVerdict::Kind::kExtends);
}

TEST_F(WitnessTest, ARewrittenHistoryIsAFork) {
  TreeHead old_head = HeadOf(leaves_, 7);
  std::vector<crypto::Digest> rewritten = leaves_;
  rewritten[3] = Leaf(99);  // entry 4 changed after the peer signed size 7
  TreeHead new_head = HeadOf(rewritten, 20);
  auto proof = ConsistencyProof(rewritten, 7);
  ASSERT_TRUE(proof.ok());
  WitnessVerdict v = CheckPeerHead(&old_head, new_head, *proof);
  EXPECT_EQ(v.kind, WitnessVerdict::Kind::kFork);
  EXPECT_NE(v.problem.find("size 7 -> 20"), std::string::npos) << v.problem;
}

TEST_F(WitnessTest, TwoHeadsOfOneSizeOrARollbackAreForks) {
  TreeHead a = HeadOf(leaves_, 7);
  std::vector<crypto::Digest> other = leaves_;
  other[6] = Leaf(77);
  TreeHead b = HeadOf(other, 7);
  WitnessVerdict same_size = CheckPeerHead(&a, b, {});
  EXPECT_EQ(same_size.kind, WitnessVerdict::Kind::kFork);
  EXPECT_NE(same_size.problem.find("two different signed heads of size 7"), std::string::npos);
  TreeHead bigger = HeadOf(leaves_, 12);
  WitnessVerdict back = CheckPeerHead(&bigger, a, {});
  EXPECT_EQ(back.kind, WitnessVerdict::Kind::kFork);
  EXPECT_NE(back.problem.find("went back"), std::string::npos);
}

}  // namespace
}  // namespace ketenpoort::audit
