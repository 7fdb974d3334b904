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

}  // namespace
}  // namespace ketenpoort::audit
