#include "gateway/store/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <optional>
#include <stdexcept>
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
    ASSERT_TRUE(db_->Write([](Database& d) {
                     return d.Exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT)");
                   })
                    .ok());
  }
  std::int64_t Count(const std::string& where = "1") {
    return db_->Read([&](Database& d) {
      auto s = d.Prepare("SELECT count(*) FROM t WHERE " + where);
      EXPECT_TRUE(s->Step().ok());
      return s->ColumnInt64(0);
    });
  }
  static Status Insert(Database& db, std::int64_t k) {
    KP_ASSIGN_OR_RETURN(Statement s, db.Prepare("INSERT INTO t(k, v) VALUES(?, 'x')"));
    s.Bind(1, k);
    KP_RETURN_IF_ERROR(s.Step());
    return Ok();
  }

  // A job that holds the committer until Release(): jobs submitted meanwhile queue up and go
  // into the next batch together.
  class Blocker {
   public:
    GroupCommit::Job Job() {
      return [this](Database& db) {
        running_.set_value();
        release_.get_future().wait();
        return Insert(db, -1);
      };
    }
    void WaitUntilRunning() { running_.get_future().wait(); }
    void Release() { release_.set_value(); }

   private:
    std::promise<void> running_;
    std::promise<void> release_;
  };

  // The result a Submit's `done` delivers, waited for with Get().
  struct Outcome {
    std::promise<Status> promise;
    std::future<Status> future = promise.get_future();
    GroupCommit::Done Done() {
      return [this](Status s) { promise.set_value(std::move(s)); };
    }
    Status Get() { return future.get(); }
  };

  test::TempDir dir_;
  std::optional<GuardedDatabase> db_;
};

TEST_F(GroupCommitTest, AJobRunsInATransactionAndIsCommitted) {
  GroupCommit commits(*db_);
  bool in_tx = false;
  Status s = commits.Run([&](Database& db) {
    in_tx = db.InTransaction();
    return Insert(db, 1);
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(in_tx);
  EXPECT_FALSE(db_->Read([](Database& d) { return d.InTransaction(); }));
  EXPECT_EQ(Count(), 1);
}

TEST_F(GroupCommitTest, AFailingJobLeavesNothingAndTheOthersAreKeptUnderConcurrency) {
  GroupCommit commits(*db_);
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
  GroupCommit commits(*db_);
  ASSERT_TRUE(commits.Run([](Database& db) { return Insert(db, 7); }).ok());
  Status dup = commits.Run([](Database& db) { return Insert(db, 7); });
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "constraint_violation");
  EXPECT_EQ(Count(), 1);
}

TEST_F(GroupCommitTest, AThrowingJobFailsAloneAndTheRestOfItsBatchIsCommitted) {
  GroupCommit commits(*db_);
  Blocker blocker;
  Outcome first, thrower, last;
  const std::uint64_t before = commits.commits();
  commits.Submit(blocker.Job(), [](Status) {});
  blocker.WaitUntilRunning();
  commits.Submit([](Database& db) { return Insert(db, 1); }, first.Done());
  commits.Submit(
      [](Database& db) -> Status {
        KP_RETURN_IF_ERROR(Insert(db, 2));  // written, then the job throws: must be undone
        throw std::runtime_error("job bug");
      },
      thrower.Done());
  commits.Submit([](Database& db) { return Insert(db, 3); }, last.Done());
  blocker.Release();

  EXPECT_TRUE(first.Get().ok());
  Status thrown = thrower.Get();
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().code, "job_failed");
  EXPECT_EQ(thrown.error().kind, ErrorKind::kInternal);
  EXPECT_TRUE(last.Get().ok());
  EXPECT_EQ(commits.commits(), before + 2);  // the blocker's batch, then the three together
  EXPECT_EQ(Count("k IN (1, 3)"), 2);
  EXPECT_EQ(Count("k = 2"), 0);
  // And the queue goes on.
  EXPECT_TRUE(commits.Run([](Database& db) { return Insert(db, 4); }).ok());
  EXPECT_FALSE(db_->Read([](Database& d) { return d.InTransaction(); }));
}

TEST_F(GroupCommitTest, AFailingCommitFailsItsWholeBatchAndLaterJobsStillCommit) {
  // A deferred foreign key is checked at COMMIT, not at the statement or the savepoint's
  // RELEASE: a job that breaks one lets the batch run to COMMIT, which then really fails.
  ASSERT_TRUE(db_->Write([](Database& d) {
                   return d.Exec(
                       "CREATE TABLE parent(id INTEGER PRIMARY KEY);"
                       "CREATE TABLE child(id INTEGER PRIMARY KEY, parent INTEGER REFERENCES "
                       "parent(id) DEFERRABLE INITIALLY DEFERRED)");
                 })
                  .ok());
  GroupCommit commits(*db_);
  Blocker blocker;
  Outcome good, orphan, refused;
  const std::uint64_t before = commits.commits();
  commits.Submit(blocker.Job(), [](Status) {});
  blocker.WaitUntilRunning();
  commits.Submit([](Database& db) { return Insert(db, 1); }, good.Done());
  commits.Submit([](Database& db) { return db.Exec("INSERT INTO child VALUES(1, 42)"); },
                 orphan.Done());
  commits.Submit([](Database&) -> Status { return Refused("refused", "a refusal of its own"); },
                 refused.Done());
  blocker.Release();

  Status g = good.Get();
  ASSERT_FALSE(g.ok()) << "a job of a batch whose COMMIT failed must not report success";
  EXPECT_EQ(g.error().code, "constraint_violation");
  Status o = orphan.Get();
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().code, "constraint_violation");
  Status r = refused.Get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "refused");      // its own error, not the COMMIT's
  EXPECT_EQ(commits.commits(), before + 1);  // the blocker's batch only
  EXPECT_EQ(Count("k = 1"), 0);
  EXPECT_FALSE(db_->Read([](Database& d) { return d.InTransaction(); }));

  // The queue is not stuck, and the next batch commits.
  EXPECT_TRUE(commits.Run([](Database& db) { return Insert(db, 2); }).ok());
  EXPECT_EQ(Count("k = 2"), 1);
  EXPECT_EQ(commits.commits(), before + 2);
}

TEST_F(GroupCommitTest, ConcurrentSubmissionsFromManyThreadsShareOneCommit) {
  constexpr int kThreads = 16;
  GroupCommit commits(*db_);
  Blocker blocker;
  const std::uint64_t before = commits.commits();
  commits.Submit(blocker.Job(), [](Status) {});
  blocker.WaitUntilRunning();
  std::vector<Outcome> outcomes(kThreads);
  std::latch queued(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      commits.Submit([t](Database& db) { return Insert(db, t); }, outcomes[t].Done());
      queued.count_down();  // Submit returned: the job is in the queue
    });
  }
  queued.wait();
  blocker.Release();
  for (auto& th : threads)
    th.join();
  for (Outcome& o : outcomes)
    EXPECT_TRUE(o.Get().ok());
  EXPECT_EQ(Count("k >= 0"), kThreads);
  EXPECT_EQ(commits.commits(), before + 2);  // the blocker's, then all sixteen in one
  EXPECT_LT(commits.commits() - before, static_cast<std::uint64_t>(kThreads));
}

TEST_F(GroupCommitTest, StopCommitsWhatIsQueuedAndThenRefusesNewJobs) {
  GroupCommit commits(*db_);
  Blocker blocker;
  Outcome queued, late;
  commits.Submit(blocker.Job(), [](Status) {});
  blocker.WaitUntilRunning();
  commits.Submit([](Database& db) { return Insert(db, 1); }, queued.Done());
  std::thread stopper([&] { commits.Stop(); });
  blocker.Release();
  stopper.join();  // Stop returned: the committer has joined
  EXPECT_TRUE(queued.Get().ok());
  EXPECT_EQ(Count("k = 1"), 1);

  commits.Submit([](Database& db) { return Insert(db, 2); }, late.Done());
  Status s = late.Get();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "group_commit_stopped");
  EXPECT_EQ(s.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(Count("k = 2"), 0);
  commits.Stop();  // idempotent
}

TEST_F(GroupCommitTest, WaitingForItselfIsAnErrorNotADeadlock) {
  GroupCommit commits(*db_);
  std::optional<Status> inner;
  Status outer = commits.Run([&](Database& db) {
    inner = commits.Run([](Database& d) { return Insert(d, 1); });
    return Insert(db, 2);
  });
  EXPECT_TRUE(outer.ok());
  ASSERT_TRUE(inner.has_value());
  ASSERT_FALSE(inner->ok());
  EXPECT_EQ(inner->error().code, "group_commit_reentered");
  EXPECT_EQ(Count(), 1);
}

TEST_F(GroupCommitTest, AThrowingCompletionDoesNotStopTheOthers) {
  GroupCommit commits(*db_);
  Blocker blocker;
  Outcome after;
  commits.Submit(blocker.Job(), [](Status) {});
  blocker.WaitUntilRunning();
  commits.Submit([](Database& db) { return Insert(db, 1); },
                 [](Status) { throw std::runtime_error("completion bug"); });
  commits.Submit([](Database& db) { return Insert(db, 2); }, after.Done());
  blocker.Release();
  EXPECT_TRUE(after.Get().ok());
  EXPECT_TRUE(commits.Run([](Database& db) { return Insert(db, 3); }).ok());
  EXPECT_EQ(Count("k > 0"), 3);
}

// Each committed transaction is one observation of the commit latency; a batch whose jobs all
// failed commits nothing and is not observed.
TEST_F(GroupCommitTest, ObservesEachCommittedTransactionInTheCommitLatencyHistogram) {
  metrics::Histogram latency(metrics::LatencyBuckets());
  GroupCommit commits(*db_, &latency);
  ASSERT_TRUE(commits.Run([](Database& db) { return Insert(db, 1); }).ok());
  ASSERT_TRUE(commits.Run([](Database& db) { return Insert(db, 2); }).ok());
  EXPECT_FALSE(commits.Run([](Database&) -> Status { return Internal("no", "refused"); }).ok());
  commits.Stop();
  const metrics::Histogram::Snapshot s = latency.Read();
  EXPECT_EQ(s.count, commits.commits());
  EXPECT_EQ(s.count, 2u);
  EXPECT_GT(s.sum, 0);
}

}  // namespace
}  // namespace ketenpoort::store
