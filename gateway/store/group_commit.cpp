#include "gateway/store/group_commit.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>
#include <typeinfo>
#include <utility>

#include "gateway/log/log.h"

namespace ketenpoort::store {

namespace {

// Runs one statement that returns no rows, compiled once per connection.
Status RunSql(Database& db, std::string_view sql) {
  KP_ASSIGN_OR_RETURN(StatementLease s, db.PrepareCached(sql));
  KP_RETURN_IF_ERROR(s->Step());
  return Ok();
}

// The exception in flight as a log field: its type only, since a message may carry data.
std::string ExceptionType() {
  try {
    throw;
  } catch (const std::exception& e) {
    return typeid(e).name();
  } catch (...) {
    return "unknown";
  }
}

// A job's result; an exception is that job's error, so the others carry on.
Status RunJob(const GroupCommit::Job& job, Database& db) {
  try {
    return job(db);
  } catch (...) {
    log::Error("group_commit_job_exception", {{"exception", ExceptionType()}});
    return Internal("job_failed", "the write failed unexpectedly; nothing of it was stored");
  }
}
}  // namespace

GroupCommit::GroupCommit(GuardedDatabase& db, metrics::Histogram* commit_seconds)
    : db_(db), commit_seconds_(commit_seconds), committer_([this] { Loop(); }) {
  committer_id_ = committer_.get_id();  // kept apart: join() resets committer_'s id
}

GroupCommit::~GroupCommit() {
  Stop();
}

void GroupCommit::Submit(Job job, Done done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(Pending{std::move(job), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(Unavailable("group_commit_stopped", "the gateway is shutting down; nothing was stored"));
}

Status GroupCommit::Run(Job job) {
  if (std::this_thread::get_id() == committer_id_) {
    return Internal("group_commit_reentered",
                    "a group-commit job or completion waited for its own group commit");
  }
  struct Wait {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Status> result;
  } wait;
  Submit(std::move(job), [&wait](Status s) {
    std::lock_guard lock(wait.mu);
    wait.result = std::move(s);
    wait.cv.notify_one();  // under the lock: `wait` dies as soon as Run sees the result
  });
  std::unique_lock lock(wait.mu);
  wait.cv.wait(lock, [&] { return wait.result.has_value(); });
  return std::move(*wait.result);
}

void GroupCommit::Stop() {
  if (std::this_thread::get_id() == committer_id_) {
    // From a `done`: joining here would wait for itself. Refuse new jobs; the destructor joins.
    std::lock_guard lock(mu_);
    stopping_ = true;
    return;
  }
  std::lock_guard stop_lock(stop_mu_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (committer_.joinable())
    committer_.join();
}

void GroupCommit::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty())
      return;  // stopping, and every queued job is done
    std::vector<Pending> batch;
    batch.reserve(std::min(queue_.size(), kMaxBatch));
    while (!queue_.empty() && batch.size() < kMaxBatch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    CommitBatch(batch);
    Complete(batch);
    lock.lock();
  }
}

void GroupCommit::FailAll(std::vector<Pending>& batch, const Error& error) {
  for (Pending& p : batch)
    p.result = error;
}

void GroupCommit::CommitBatch(std::vector<Pending>& batch) {
  db_.Write([&](Database& db) {
    try {
      CommitLocked(db, batch);
    } catch (...) {
      // Thrown outside a job (a bad_alloc in SQLite's glue, say): the Transaction's destructor
      // has rolled the batch back during unwinding, so no job of it was stored.
      log::Error("group_commit_exception", {{"exception", ExceptionType()}});
      FailAll(batch, Internal("group_commit_failed",
                              "the transaction failed unexpectedly; nothing of it was stored"));
    }
  });
}

void GroupCommit::CommitLocked(Database& db, std::vector<Pending>& batch) {
  if (db.InTransaction()) {
    // A transaction some earlier failure left open (a ROLLBACK that failed) would make every
    // later BEGIN fail; end it so that this batch starts clean.
    log::Warn("group_commit_stale_transaction");
    (void)db.Exec("ROLLBACK");
  }
  const auto began = std::chrono::steady_clock::now();
  auto tx = Transaction::Begin(db);
  if (!tx) {
    FailAll(batch, tx.error());
    return;
  }
  bool any_ok = false;
  for (Pending& p : batch) {
    if (auto s = RunSql(db, "SAVEPOINT job"); !s) {
      p.result = std::move(s).error();
      continue;
    }
    Status s = RunJob(p.job, db);
    // Keep this job's writes, or undo them only; a savepoint that cannot be released or rolled
    // back leaves the batch in an unknown state: it all goes.
    Status end = s ? RunSql(db, "RELEASE job") : RunSql(db, "ROLLBACK TO job");
    if (end && !s)
      end = RunSql(db, "RELEASE job");
    if (!end) {
      FailAll(batch, end.error());
      return;  // ~Transaction rolls everything back
    }
    any_ok = any_ok || s.ok();
    p.result = std::move(s);
  }
  if (!any_ok)
    return;  // nothing to keep; ~Transaction rolls back
  if (auto c = tx->Commit(); !c) {
    for (Pending& p : batch) {
      if (p.result)  // a job that failed on its own keeps its own error
        p.result = c.error();
    }
    return;
  }
  commits_.fetch_add(1, std::memory_order_relaxed);
  if (commit_seconds_ != nullptr) {
    commit_seconds_->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
  }
}

void GroupCommit::Complete(std::vector<Pending>& batch) {
  for (Pending& p : batch) {
    try {
      p.done(std::move(p.result));
    } catch (...) {
      log::Error("group_commit_done_exception", {{"exception", ExceptionType()}});
    }
  }
}

}  // namespace ketenpoort::store
