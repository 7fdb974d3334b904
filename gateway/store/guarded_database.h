// One database connection and the lock that guards it, in one object: the connection is reachable
// only inside Write(fn) or Read(fn), which hold the lock for fn's run. Code that does not hold
// the lock cannot name the connection, so forgetting to lock does not compile.
//
//   // (compiled in examples_test.cpp)
//   GuardedDatabase db(std::move(opened));               // takes the connection over
//   Status s = db.Write([&](Database& conn) -> Status {  // the lock is held for this call
//     KP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
//     KP_RETURN_IF_ERROR(MessageRepository(conn).SetState(id, org, state, now, org, ""));
//     return tx.Commit();
//   });
//   auto found = db.Read([&](Database& conn) { return MessageRepository(conn).Find(id, false); });
//
// Contract:
// - Write and Read return what fn returns. They take the same lock: an SQLite connection is not
//   for concurrent use, so a reader waits for a writer on the same connection. Read says that fn
//   only reads; give a reader that must not wait for writers a GuardedDatabase of its own (WAL
//   mode lets a second connection read beside the writer).
// - fn must not call Write or Read of the same GuardedDatabase (the lock is not recursive: that
//   deadlocks), nor wait for anything that does (GroupCommit::Run from inside Write).
// - The connection must not leave fn: a fn that returns the Database (reference, pointer,
//   std::reference_wrapper), or a Statement, StatementLease or Transaction of it, does not
//   compile (KeepsConnectionInside). A repository built inside fn is used inside fn only.
// - Neither copyable nor movable, so the lock and the connection never part. The connection
//   closes in the destructor; nothing may be inside Write or Read then.
#pragma once

#include <concepts>
#include <functional>
#include <mutex>
#include <type_traits>
#include <utility>

#include "gateway/store/database.h"

namespace ketenpoort::store {

namespace internal {

template <typename T>
struct UnwrapReference {
  using type = T;
};
template <typename T>
struct UnwrapReference<std::reference_wrapper<T>> {
  using type = T;
};

// T, stripped of reference, pointer and reference_wrapper, then of const.
template <typename T>
using Bare = std::remove_cv_t<typename UnwrapReference<
    std::remove_cv_t<std::remove_pointer_t<std::remove_cvref_t<T>>>>::type>;

template <typename T>
concept ConnectionHandle = std::same_as<Bare<T>, Database> || std::same_as<Bare<T>, Statement> ||
    std::same_as<Bare<T>, StatementLease> || std::same_as<Bare<T>, Transaction>;

}  // namespace internal

// fn can be run on the connection, and what it returns does not carry the connection out.
template <typename Fn>
concept KeepsConnectionInside = std::invocable<Fn&, Database&> &&
    !internal::ConnectionHandle<std::invoke_result_t<Fn&, Database&>>;

class GuardedDatabase {
 public:
  explicit GuardedDatabase(Database db) : db_(std::move(db)) {}
  GuardedDatabase(const GuardedDatabase&) = delete;
  GuardedDatabase& operator=(const GuardedDatabase&) = delete;

  // Runs fn(connection) with the lock held and returns its result.
  template <typename Fn>
  requires KeepsConnectionInside<Fn> std::invoke_result_t<Fn&, Database&> Write(Fn&& fn) {
    std::lock_guard lock(mu_);
    return std::invoke(fn, db_);
  }

  // The same lock as Write; fn only reads. Kept apart so that readers say so.
  template <typename Fn>
  requires KeepsConnectionInside<Fn> std::invoke_result_t<Fn&, Database&> Read(Fn&& fn) {
    std::lock_guard lock(mu_);
    return std::invoke(fn, db_);
  }

 private:
  std::mutex mu_;
  Database db_;
};

}  // namespace ketenpoort::store
