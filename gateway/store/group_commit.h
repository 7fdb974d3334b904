// Group commit: concurrent writers share one transaction, and so one fsync, the way LevelDB's
// write path lets the first waiting writer commit the batch queued behind it.
//
//   GroupCommit commits(db, db_mutex);
//   std::string id;
//   Status s = commits.Run([&](Database& db) -> Status {   // runs inside BEGIN IMMEDIATE
//     KP_RETURN_IF_ERROR(MessageRepository(db).Insert(...));
//     KP_RETURN_IF_ERROR(AuditLog().Append(db, entry));
//     return Ok();
//   });
//   // s.ok(): the job's writes are committed and on disk (synchronous=FULL)
//
// Contract:
// - Run returns only after the transaction holding the job committed, or with the job's own
//   error, or with the COMMIT's error (then nothing of the batch was written).
// - Each job runs in a SAVEPOINT of its own: a job that returns an error has none of its
//   writes kept, and the other jobs of the batch are not affected.
// - Jobs run one after another on the thread of whichever caller leads the batch, with
//   `db_mutex` held; they see the writes of the jobs before them in the same batch. A job must
//   not lock `db_mutex` or call Run itself, and must not open or end a transaction.
// - At most kMaxBatch jobs share a transaction. With a single writer there is no waiting: the
//   cost is that of a plain transaction.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "gateway/core/error.h"
#include "gateway/store/database.h"

namespace ketenpoort::store {

class GroupCommit {
 public:
  static constexpr std::size_t kMaxBatch = 256;
  using Job = std::function<Status(Database&)>;

  GroupCommit(Database& db, std::mutex& db_mutex) : db_(db), db_mutex_(db_mutex) {}
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  Status Run(const Job& job);

 private:
  struct Writer;
  // Runs `batch` in one transaction and stores each writer's result.
  void Commit(const std::deque<Writer*>& batch);

  Database& db_;
  std::mutex& db_mutex_;
  std::mutex mu_;                // guards writers_ and every Writer's result/done
  std::deque<Writer*> writers_;  // front: the current leader
};

}  // namespace ketenpoort::store
