#include "gateway/securemail/securemail_account_repository.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gateway/crypto/random.h"
#include "gateway/store/migrations.h"
#include "gateway/store/test_support.h"

namespace ketenpoort::store {
namespace {

using test::TempDir;

class SecureMailAccountRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto db = Database::Open(path(), key_, OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_.emplace(std::move(*db));
    ASSERT_TRUE(Migrate(*db_).ok());
  }

  std::string path() const { return dir_.File("k.db"); }

  static SecureMailAccount NewAccount(std::string email) {
    return SecureMailAccount{.email = std::move(email),
                             .secret = crypto::RandomBytes(20),
                             .enrolled_ms = std::nullopt,
                             .last_step = 0,
                             .created_ms = 1767225600000};
  }

  SecureMailAccount MustFind(std::string_view email) {
    auto found = SecureMailAccountRepository(*db_).Find(email);
    EXPECT_TRUE(found.ok());
    EXPECT_TRUE(found.ok() && found->has_value());
    return found.ok() && found->has_value() ? **found : SecureMailAccount{};
  }

  TempDir dir_;
  DbKey key_ = DbKey::Generate();
  std::optional<Database> db_;
};

TEST_F(SecureMailAccountRepositoryTest, MigrationTenCreatesTheTable) {
  EXPECT_GE(LatestSchemaVersion(), 10);
  EXPECT_EQ(Migrations()[9].version, 10);
  EXPECT_EQ(Migrations()[9].name, "securemail_accounts");
  auto s = db_->Prepare("SELECT count(*) FROM securemail_accounts");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(*s->Step());
  EXPECT_EQ(s->ColumnInt64(0), 0);
}

TEST_F(SecureMailAccountRepositoryTest, InsertThenFind) {
  SecureMailAccountRepository accounts(*db_);
  const SecureMailAccount a = NewAccount("a@example.org");
  ASSERT_TRUE(accounts.Insert(a).ok());
  SecureMailAccount found = MustFind("a@example.org");
  EXPECT_EQ(found.email, "a@example.org");
  EXPECT_EQ(found.secret, a.secret);
  EXPECT_FALSE(found.enrolled_ms.has_value());
  EXPECT_EQ(found.last_step, 0);
  EXPECT_EQ(found.created_ms, 1767225600000);
}

TEST_F(SecureMailAccountRepositoryTest, UnknownAddressIsNotFound) {
  SecureMailAccountRepository accounts(*db_);
  ASSERT_TRUE(accounts.Insert(NewAccount("a@example.org")).ok());
  auto found = accounts.Find("b@example.org");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST_F(SecureMailAccountRepositoryTest, RefusesASecondAccountForAnAddress) {
  SecureMailAccountRepository accounts(*db_);
  const SecureMailAccount first = NewAccount("a@example.org");
  ASSERT_TRUE(accounts.Insert(first).ok());
  Status second = accounts.Insert(NewAccount("a@example.org"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(second.error().code, "account_exists");
  EXPECT_EQ(MustFind("a@example.org").secret, first.secret);  // the first secret stays
}

TEST_F(SecureMailAccountRepositoryTest, MarkEnrolledSetsTimeAndStepOnce) {
  SecureMailAccountRepository accounts(*db_);
  ASSERT_TRUE(accounts.Insert(NewAccount("a@example.org")).ok());
  auto marked = accounts.MarkEnrolled("a@example.org", 1767225630000, 58907521);
  ASSERT_TRUE(marked.ok());
  EXPECT_TRUE(*marked);
  SecureMailAccount a = MustFind("a@example.org");
  EXPECT_EQ(a.enrolled_ms, 1767225630000);
  EXPECT_EQ(a.last_step, 58907521);

  // The same step again (a concurrent second submission of the first code): refused.
  auto again = accounts.MarkEnrolled("a@example.org", 1767225640000, 58907521);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  // A later step raises the step but keeps the first enrolment time.
  auto later = accounts.MarkEnrolled("a@example.org", 1767225700000, 58907523);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(*later);
  a = MustFind("a@example.org");
  EXPECT_EQ(a.enrolled_ms, 1767225630000);
  EXPECT_EQ(a.last_step, 58907523);
}

TEST_F(SecureMailAccountRepositoryTest, SetLastStepOnlyRaises) {
  SecureMailAccountRepository accounts(*db_);
  ASSERT_TRUE(accounts.Insert(NewAccount("a@example.org")).ok());
  auto raised = accounts.SetLastStep("a@example.org", 100);
  ASSERT_TRUE(raised.ok());
  EXPECT_TRUE(*raised);
  for (std::int64_t step : {100, 99, 0, -5}) {
    auto r = accounts.SetLastStep("a@example.org", step);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(*r) << step;
  }
  EXPECT_EQ(MustFind("a@example.org").last_step, 100);
  auto next = accounts.SetLastStep("a@example.org", 101);
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(*next);
  EXPECT_EQ(MustFind("a@example.org").last_step, 101);
}

TEST_F(SecureMailAccountRepositoryTest, StepChangesOnAMissingAccountAreNotFound) {
  SecureMailAccountRepository accounts(*db_);
  auto set = accounts.SetLastStep("nobody@example.org", 5);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code, "account_not_found");
  EXPECT_EQ(set.error().kind, ErrorKind::kNotFound);
  auto marked = accounts.MarkEnrolled("nobody@example.org", 1, 5);
  ASSERT_FALSE(marked.ok());
  EXPECT_EQ(marked.error().code, "account_not_found");
}

TEST_F(SecureMailAccountRepositoryTest, OfConcurrentUsesOfOneStepExactlyOneWins) {
  ASSERT_TRUE(SecureMailAccountRepository(*db_).Insert(NewAccount("a@example.org")).ok());
  constexpr int kRounds = 20;
  constexpr int kThreads = 4;
  std::vector<Database> connections;
  for (int t = 0; t < kThreads; ++t) {
    auto db = Database::Open(path(), key_, OpenMode::kExisting);
    ASSERT_TRUE(db.ok()) << db.error().message;
    connections.push_back(std::move(*db));
  }
  for (int round = 1; round <= kRounds; ++round) {
    std::atomic<int> winners{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto r = SecureMailAccountRepository(connections[t]).SetLastStep("a@example.org", round);
        if (!r.ok())
          ++errors;
        else if (*r)
          ++winners;
      });
    }
    for (auto& th : threads)
      th.join();
    EXPECT_EQ(errors.load(), 0) << round;
    EXPECT_EQ(winners.load(), 1) << round;
  }
  EXPECT_EQ(MustFind("a@example.org").last_step, kRounds);
}

TEST_F(SecureMailAccountRepositoryTest, DeleteRemovesTheAccount) {
  SecureMailAccountRepository accounts(*db_);
  ASSERT_TRUE(accounts.Insert(NewAccount("a@example.org")).ok());
  ASSERT_TRUE(accounts.Insert(NewAccount("b@example.org")).ok());
  auto deleted = accounts.Delete("a@example.org");
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(*deleted);
  auto gone = accounts.Find("a@example.org");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  EXPECT_EQ(MustFind("b@example.org").email, "b@example.org");
  auto twice = accounts.Delete("a@example.org");
  ASSERT_TRUE(twice.ok());
  EXPECT_FALSE(*twice);
  // A new secret can be issued afterwards.
  EXPECT_TRUE(accounts.Insert(NewAccount("a@example.org")).ok());
}

TEST_F(SecureMailAccountRepositoryTest, TheSecretIsNotOnDiskInTheClear) {
  const SecureMailAccount a = NewAccount("a@example.org");
  ASSERT_TRUE(SecureMailAccountRepository(*db_).Insert(a).ok());
  const std::string secret(a.secret.begin(), a.secret.end());
  for (const std::string& file : {path(), path() + "-wal"}) {
    const std::string bytes = test::ReadFileBytes(file);
    EXPECT_EQ(bytes.find(secret), std::string::npos) << file;
    EXPECT_EQ(bytes.find("a@example.org"), std::string::npos) << file;
  }
  db_.reset();
  const std::string bytes = test::ReadFileBytes(path());
  EXPECT_FALSE(bytes.empty());
  EXPECT_EQ(bytes.find(secret), std::string::npos);
}

}  // namespace
}  // namespace ketenpoort::store
