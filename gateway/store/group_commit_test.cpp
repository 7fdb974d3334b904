#include "gateway/store/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "gateway/store/test_support.h"

namespace ketenpoort::store {
namespace {

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_.File("kp.db"), DbKey::Generate(), OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_.emplace(std::move(*db));
    ASSERT_TRUE(db_->Exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT)").ok());
  }
  std::int64_t Count(const std::string& where = "1") {
    std::lock_guard lock(mu_);
    auto s = db_->Prepare("SELECT count(*) FROM t WHERE " + where);
    EXPECT_TRUE(s->Step().ok());
    return s->ColumnInt64(0);
  }
  static Status Insert(Database& db, std::int64_t k) {
    KP_ASSIGN_OR_RETURN(Statement s, db.Prepare("INSERT INTO t(k, v) VALUES(?, 'x')"));
    s.Bind(1, k);
    KP_RETURN_IF_ERROR(s.Step());
    return Ok();
  }

  test::TempDir dir_;
  std::optional<Database> db_;
  std::mutex mu_;
};

TEST_F(GroupCommitTest, AJobRunsInATransactionAndIsCommitted) {
  GroupCommit commits(*db_, mu_);
  bool in_tx = false;
  Status s = commits.Run([&](Database& db) {
    in_tx = db.InTransaction();
    return Insert(db, 1);
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(in_tx);
  EXPECT_FALSE(db_->InTransaction());
  EXPECT_EQ(Count(), 1);
}

TEST_F(GroupCommitTest, AFailingJobLeavesNothingAndTheOthersAreKeptUnderConcurrency) {
  GroupCommit commits(*db_, mu_);
  constexpr int kThreads = 8;
  constexpr int kJobs = 60;
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int j = 0; j < kJobs; ++j) {
        const std::int64_t k = t * 1000 + j;
        Status s = commits.Run([&](Database& db) -> Status {
          KP_RETURN_IF_ERROR(Insert(db, k));
          if (k % 3 == 0)  // written, then refused: must be undone
            return Refused("refused", "every third job is refused");
          return Ok();
        });
        (s.ok() ? ok : refused)++;
        if (!s.ok()) {
          EXPECT_EQ(s.error().code, "refused");
        }
      }
    });
  }
  for (auto& th : threads)
    th.join();
  int expected_refused = 0;
  for (int t = 0; t < kThreads; ++t)
    for (int j = 0; j < kJobs; ++j)
      expected_refused += (t * 1000 + j) % 3 == 0;
  EXPECT_EQ(refused, expected_refused);
  EXPECT_EQ(ok, kThreads * kJobs - expected_refused);
  EXPECT_EQ(Count(), ok);
  EXPECT_EQ(Count("k % 3 = 0"), 0);
}

TEST_F(GroupCommitTest, AJobSeesTheWritesOfTheJobsBeforeIt) {
  GroupCommit commits(*db_, mu_);
  ASSERT_TRUE(commits.Run([](Database& db) { return Insert(db, 7); }).ok());
  Status dup = commits.Run([](Database& db) { return Insert(db, 7); });
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "constraint_violation");
  EXPECT_EQ(Count(), 1);
}

}  // namespace
}  // namespace ketenpoort::store
