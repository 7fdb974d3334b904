#include "gateway/audit/audit_log.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "gateway/audit/merkle_tree.h"
#include "gateway/store/migrations.h"
#include "gateway/store/test_support.h"

namespace ketenpoort::audit {
namespace {

AuditEntry Entry(const std::string& object) {
  AuditEntry e;
  e.time_ms = 1795326001123;
  e.event = std::string(event::kTokenIssue);
  e.user = "ketenpoort-cli";
  e.organisation = "comensha";
  e.role = "coordinator";
  e.action = std::string(action::kCreate);
  e.object = object;
  e.outcome = std::string(kOutcomeSuccess);
  return e;
}

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto db = store::Database::Open(dir_.File("kp.db"), store::DbKey::Generate(),
                                    store::OpenMode::kCreate);
    ASSERT_TRUE(db.ok());
    db_.emplace(std::move(*db));
    ASSERT_TRUE(store::Migrate(*db_).ok());
    auto pub = crypto::Keyring::GenerateKeyFile(dir_.File("gateway.key.pem"));
    ASSERT_TRUE(pub.ok());
    ASSERT_TRUE(keyring_.LoadKeyFile("gateway", dir_.File("gateway.key.pem")).ok());
    crypto::CertificateRequest req;
    req.common_name = "gateway";
    req.public_key_pem = *pub;
    req.is_ca = true;
    auto cert = keyring_.IssueCertificate("gateway", nullptr, req);
    ASSERT_TRUE(cert.ok());
    cert_.emplace(std::move(*cert));
  }

  Status AppendCommitted(const AuditEntry& e) {
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(*db_));
    KP_RETURN_IF_ERROR(log_.Append(*db_, e));
    return tx.Commit();
  }

  store::test::TempDir dir_;
  std::optional<store::Database> db_;
  crypto::Keyring keyring_;
  std::optional<crypto::Certificate> cert_;
  AuditLog log_;
};

TEST_F(AuditLogTest, AppendOutsideATransactionIsRefusedAndWritesNothing) {
  auto s = log_.Append(*db_, Entry("a"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "audit_no_transaction");
  auto head = log_.CurrentHead(*db_);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, 0u);
  EXPECT_EQ(head->root, EmptyRoot());
}

TEST_F(AuditLogTest, AppendAssignsSeqAndKeepsTheRootOfAllLeaves) {
  std::vector<crypto::Digest> leaves;
  for (int i = 1; i <= 5; ++i) {
    AuditEntry e = Entry("api_token:" + std::to_string(i));
    e.seq = 99;  // ignored: Append assigns size + 1
    ASSERT_TRUE(AppendCommitted(e).ok());
    e.seq = i;
    leaves.push_back(LeafHash(e));
  }
  auto head = log_.CurrentHead(*db_);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, 5u);
  EXPECT_EQ(head->root, RootHash(leaves));
}

TEST_F(AuditLogTest, ARolledBackTransactionLeavesNoEntry) {
  {
    auto tx = store::Transaction::Begin(*db_);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(log_.Append(*db_, Entry("a")).ok());
  }  // rolled back
  EXPECT_EQ(log_.CurrentHead(*db_)->size, 0u);
}

TEST_F(AuditLogTest, AnInvalidEntryIsRefused) {
  AuditEntry e = Entry("a");
  e.event = "no_such_event";
  auto tx = store::Transaction::Begin(*db_);
  ASSERT_TRUE(tx.ok());
  EXPECT_FALSE(log_.Append(*db_, e).ok());
}

TEST_F(AuditLogTest, SignedHeadsVerifyAndTheTrailIsIntact) {
  ASSERT_TRUE(AppendCommitted(Entry("a")).ok());
  ASSERT_TRUE(AppendCommitted(Entry("b")).ok());
  auto head = log_.SignHead(*db_, keyring_, "gateway", 1795326001123);
  ASSERT_TRUE(head.ok()) << head.error().ToString();
  EXPECT_EQ(head->size, 2u);
  EXPECT_TRUE(crypto::VerifySignature(*cert_, SignedBytes(*head), head->signature));
  ASSERT_TRUE(AppendCommitted(Entry("c")).ok());

  auto report = log_.Verify(*db_, *cert_);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->entries, 3u);
  EXPECT_EQ(report->signed_size, 2u);
}

TEST_F(AuditLogTest, StoringADifferentHeadOfTheSameSizeIsAConflict) {
  ASSERT_TRUE(AppendCommitted(Entry("a")).ok());
  auto head = log_.SignHead(*db_, keyring_, "gateway", 1);
  ASSERT_TRUE(head.ok());
  EXPECT_TRUE(log_.StoreSignedHead(*db_, *head).ok());  // the same again: no-op
  TreeHead other = *head;
  other.root[0] ^= 1;
  auto s = log_.StoreSignedHead(*db_, other);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "tree_head_conflict");
  TreeHead unsigned_head = *head;
  unsigned_head.signature.clear();
  EXPECT_FALSE(log_.StoreSignedHead(*db_, unsigned_head).ok());
}

TEST_F(AuditLogTest, AHeadSignedByAnotherKeyFailsVerification) {
  ASSERT_TRUE(AppendCommitted(Entry("a")).ok());
  ASSERT_TRUE(crypto::Keyring::GenerateKeyFile(dir_.File("other.key.pem")).ok());
  ASSERT_TRUE(keyring_.LoadKeyFile("other", dir_.File("other.key.pem")).ok());
  ASSERT_TRUE(log_.SignHead(*db_, keyring_, "other", 1).ok());
  auto report = log_.Verify(*db_, *cert_);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->finding, Finding::kHeadMismatch);
  EXPECT_NE(report->problem.find("signature does not verify"), std::string::npos);
}

TEST_F(AuditLogTest, StoredProofsEqualTheProofsOverAllLeavesAndReadStoredSubtrees) {
  constexpr int kEntries = 300;
  {
    auto tx = store::Transaction::Begin(*db_);
    ASSERT_TRUE(tx.ok());
    for (int i = 0; i < kEntries; ++i)
      ASSERT_TRUE(log_.Append(*db_, Entry("m-" + std::to_string(i))).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  std::vector<crypto::Digest> leaves;
  for (int seq = 1; seq <= kEntries; ++seq) {
    auto leaf = log_.LeafHashOf(*db_, seq);
    ASSERT_TRUE(leaf.ok());
    leaves.push_back(*leaf);
  }
  // Perfect subtrees of 16 leaves and up were kept as the appends completed them.
  auto count = db_->Prepare("SELECT count(*) FROM audit_subtrees");
  ASSERT_TRUE(count.ok() && *count->Step());
  EXPECT_EQ(count->ColumnInt64(0), 18 + 9 + 4 + 2 + 1);  // 300/16, /32, /64, /128, /256
  for (std::uint64_t size : {1u, 15u, 16u, 17u, 64u, 100u, 255u, 256u, 257u, 300u}) {
    std::span<const crypto::Digest> tree(leaves.data(), size);
    auto root = log_.RootAt(*db_, size);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(*root, RootHash(tree)) << size;
    for (std::uint64_t seq : {std::uint64_t{1}, (size + 1) / 2, size}) {
      auto stored = log_.InclusionProof(*db_, seq, size);
      auto direct = audit::InclusionProof(tree, seq - 1);
      ASSERT_TRUE(stored.ok() && direct.ok());
      EXPECT_EQ(*stored, *direct) << seq << " in " << size;
    }
    for (std::uint64_t old_size : {std::uint64_t{1}, size / 3, size}) {
      auto stored = log_.ConsistencyProof(*db_, old_size, size);
      auto direct = audit::ConsistencyProof(tree, old_size);
      ASSERT_TRUE(stored.ok() && direct.ok());
      EXPECT_EQ(*stored, *direct) << old_size << " to " << size;
    }
  }
  // A changed stored subtree changes the proofs that use it: they then fail to verify.
  ASSERT_TRUE(db_->Exec("UPDATE audit_subtrees SET hash = zeroblob(32) WHERE level = 8").ok());
  auto bent = log_.InclusionProof(*db_, 300, 300);
  ASSERT_TRUE(bent.ok());
  EXPECT_FALSE(VerifyInclusion(299, 300, leaves[299], *bent, RootHash(leaves)));
}

}  // namespace
}  // namespace ketenpoort::audit
