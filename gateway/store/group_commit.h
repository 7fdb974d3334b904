// Group commit: concurrent writers share one transaction, and so one fsync. Jobs are queued; a
// committer thread owned by the GroupCommit takes everything queued (up to kMaxBatch), runs it
// in one transaction and commits, while the next jobs queue behind it.
//
//   // (compiled in examples_test.cpp)
//   GroupCommit commits(db);               // db: a GuardedDatabase; starts the committer
//   commits.Submit(
//       [m](Database& db) -> Status {                      // runs inside BEGIN IMMEDIATE
//         KP_RETURN_IF_ERROR(MessageRepository(db).Insert(m, ...));
//         return AuditLog().Append(db, entry);
//       },
//       [complete](Status s) { complete(s ? Accepted() : FromError(s.error())); });
//   // Nothing waits: `done` runs on the committer thread once the batch committed.
//
//   Status s = commits.Run([&](Database& db) { return ...; });  // the same, waiting for it
//   // s.ok(): the job's writes are committed and on disk (synchronous=FULL)
//
// Contract:
// - `done` is called exactly once per Submit: with Ok only after the transaction holding the
//   job committed; else with the job's own error, or with the error that failed the batch
//   (BEGIN, COMMIT, a broken savepoint), and then nothing of the job was written.
// - Each job runs in a SAVEPOINT of its own: a job that returns an error, or throws (kInternal
//   `job_failed`), has none of its writes kept, and the other jobs of the batch are not
//   affected. A COMMIT that fails, or anything that throws outside a job, fails every job of
//   the batch and rolls it back. The queue never stalls: the next batch starts afresh (an
//   open transaction left behind is rolled back first).
// - Jobs run one after another on the committer thread inside `db.Write`; they see the writes
//   of the jobs before them in the same batch. A job must not call `db.Write` or `db.Read`, must
//   not open or end a transaction, and must not wait for this GroupCommit (Run).
// - `done` runs on the committer thread after the commit, outside `db.Write`: keep it short
//   (hand the result on), and never wait there for this GroupCommit. It may Submit. An
//   exception from `done` is logged and swallowed.
// - Lifetime: the committer thread starts in the constructor. Stop (also run by the
//   destructor) refuses new jobs, commits those already queued, calls their `done`, and joins.
//   After Stop, Submit calls `done` at once, on the caller's thread, with kUnavailable
//   `group_commit_stopped`. `db` must stay open until Stop returned.
// - With `commit_seconds` (optional, must outlive the GroupCommit), each transaction that
//   committed is observed there: BEGIN to the end of COMMIT (its jobs and the fsync), in seconds.
//   The daemon passes ketenpoort_db_commit_duration_seconds (GET /metrics).
// - At most kMaxBatch jobs share a transaction. With a single writer there is no waiting: the
//   cost is a plain transaction plus one hand-off to the committer thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "gateway/core/error.h"
#include "gateway/metrics/instruments.h"
#include "gateway/store/database.h"
#include "gateway/store/guarded_database.h"

namespace ketenpoort::store {

class GroupCommit {
 public:
  static constexpr std::size_t kMaxBatch = 256;
  using Job = std::function<Status(Database&)>;
  using Done = std::function<void(Status)>;

  explicit GroupCommit(GuardedDatabase& db, metrics::Histogram* commit_seconds = nullptr);
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;
  ~GroupCommit();

  // Queues `job`; `done` gets its result once its batch committed (see the contract).
  void Submit(Job job, Done done);

  // Submit, then wait for the result on this thread. From the committer thread (a job or a
  // `done`) it would wait for itself: kInternal `group_commit_reentered` instead.
  Status Run(Job job);

  // Refuses new jobs, finishes the queued ones and joins the committer. Idempotent; safe from
  // any thread but the committer's own.
  void Stop();

  // Transactions committed so far (one per batch that kept anything): for tests and logs.
  std::uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }

 private:
  struct Pending {
    Job job;
    Done done;
    Status result = Ok();
  };

  void Loop();
  // Runs `batch` in one transaction and stores each job's result, inside `db_.Write`.
  void CommitBatch(std::vector<Pending>& batch);
  void CommitLocked(Database& db, std::vector<Pending>& batch);
  static void FailAll(std::vector<Pending>& batch, const Error& error);
  // Calls every `done` of `batch`, in order, with its result.
  static void Complete(std::vector<Pending>& batch);

  GuardedDatabase& db_;
  metrics::Histogram* commit_seconds_;  // may be null
  std::mutex mu_;                       // guards queue_ and stopping_
  std::condition_variable wake_;        // the committer waits here for jobs or Stop
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> commits_{0};
  std::mutex stop_mu_;     // one Stop joins at a time
  std::thread committer_;  // last but one: started once everything it uses exists
  std::thread::id committer_id_;
};

}  // namespace ketenpoort::store
