#include "gateway/store/group_commit.h"

#include <utility>

namespace ketenpoort::store {

namespace {
// Runs one statement that returns no rows, compiled once per connection.
Status RunSql(Database& db, std::string_view sql) {
  KP_ASSIGN_OR_RETURN(StatementLease s, db.PrepareCached(sql));
  KP_RETURN_IF_ERROR(s->Step());
  return Ok();
}
}  // namespace

struct GroupCommit::Writer {
  const Job* job = nullptr;
  Status result;
  bool done = false;
  std::condition_variable cv;
};

Status GroupCommit::Run(const Job& job) {
  Writer w;
  w.job = &job;
  std::unique_lock lock(mu_);
  writers_.push_back(&w);
  while (!w.done && &w != writers_.front())
    w.cv.wait(lock);
  if (w.done)
    return std::move(w.result);

  // This writer leads: it commits itself and everyone queued behind it so far.
  std::deque<Writer*> batch;
  for (Writer* x : writers_) {
    batch.push_back(x);
    if (batch.size() == kMaxBatch)
      break;
  }
  lock.unlock();
  Commit(batch);
  lock.lock();
  for (Writer* x : batch) {
    writers_.pop_front();
    x->done = true;
    if (x != &w)
      x->cv.notify_one();
  }
  if (!writers_.empty())
    writers_.front()->cv.notify_one();
  return std::move(w.result);
}

void GroupCommit::Commit(const std::deque<Writer*>& batch) {
  std::lock_guard db_lock(db_mutex_);
  auto tx = Transaction::Begin(db_);
  if (!tx) {
    for (Writer* x : batch)
      x->result = tx.error();
    return;
  }
  bool any_ok = false;
  for (Writer* x : batch) {
    if (auto s = RunSql(db_, "SAVEPOINT job"); !s) {
      x->result = std::move(s).error();
      continue;
    }
    Status s = (*x->job)(db_);
    if (s) {
      s = RunSql(db_, "RELEASE job");
    } else {
      // Undo this job only; a failure to do so poisons the whole batch.
      Status undo = RunSql(db_, "ROLLBACK TO job");
      if (undo)
        undo = RunSql(db_, "RELEASE job");
      if (!undo) {
        for (Writer* y : batch)
          y->result = undo.error();
        return;  // ~Transaction rolls everything back
      }
    }
    any_ok = any_ok || s.ok();
    x->result = std::move(s);
  }
  if (!any_ok)
    return;  // nothing to keep; ~Transaction rolls back
  if (auto c = tx->Commit(); !c) {
    for (Writer* x : batch) {
      if (x->result)
        x->result = c.error();
    }
  }
}

}  // namespace ketenpoort::store
