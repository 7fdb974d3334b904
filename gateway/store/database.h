// The one SQLCipher database (docs/DESIGN.md, security model: at rest): a connection, prepared
// statements and transactions, all owned by RAII, all failures as Error values.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(Database db, Database::Open(path, key, OpenMode::kExisting));
//   KP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
//   KP_ASSIGN_OR_RETURN(Statement insert, db.Prepare("INSERT INTO meta(key, value) VALUES(?, ?)"));
//   insert.Bind(1, "site").Bind(2, "den-haag");
//   KP_RETURN_IF_ERROR(insert.Step());
//   KP_RETURN_IF_ERROR(tx.Commit());                   // without this, ~Transaction rolls back
//
// Open keys the connection with the raw 256-bit key (no passphrase KDF), then proves the key by
// reading the schema. A wrong key, a plain SQLite file or any other non-Ketenpoort file gives
// kInvalidArgument `database_key_mismatch`, and such a failed open writes nothing: no byte of
// the database changes and no -wal, -shm or -journal file appears (the key is first tried on a
// read-only connection; see ProbeShowsKeyMismatch in database.cpp). After a crash, a wrong key
// leaves the database and its -wal byte for byte as they were (only the -shm index of the WAL
// may be rebuilt), while a hot rollback journal, which needs no key, is rolled back by any
// opener.
//
// A verified connection runs in WAL mode with synchronous=FULL, so a committed transaction
// survives kill -9 and power loss; foreign_keys=ON; temp_store=MEMORY (no plaintext temporary
// files); busy_timeout 5 s. Cipher settings are the linked SQLCipher's defaults.
//
// Errors: `database_error` (kInternal) carries SQLite's message, which names tables and
// columns but never a bound value; SQLITE_FULL is kUnavailable `storage_full`, SQLITE_IOERR
// kUnavailable `storage_io_error`, SQLITE_BUSY/LOCKED (after the busy timeout) kUnavailable
// `database_busy`, SQLITE_CONSTRAINT kConflict `constraint_violation`.
//
// Threads: one Database per thread, or external locking around every use of a Database and
// of its Statements and Transactions. The connection is opened SQLITE_OPEN_FULLMUTEX
// (serialized) on purpose: a contract violation then yields wrong results or errors, never
// memory corruption; the cost is one uncontended mutex per call. A Statement may outlive its
// Database (sqlite3_close_v2 closes the connection when the last statement is finalized).
// Debian's SQLCipher is built with SQLITE_THREADSAFE=1, which this relies on.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/store/db_key.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ketenpoort::store {

enum class OpenMode {
  kCreate,    // the file must not exist yet: it is created empty with mode 0600, then keyed
  kExisting,  // the file must exist; it is never created
};

// A prepared statement. Bind* calls chain; a bind error is kept and returned by the next Step,
// so that a statement is bound in one expression and checked once. Parameters are 1-based,
// columns 0-based. Text and blobs are copied at bind time.
class Statement {
 public:
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() = default;

  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, std::string_view text);  // TEXT (UTF-8); "" is '', not NULL
  Statement& BindBlob(int index, ByteView blob);      // BLOB; empty is x'', not NULL
  Statement& BindNull(int index);
  Statement& Bind(int index, const std::optional<std::int64_t>& value);  // empty is NULL

  // Runs to the next row: true when a row is available, false when the statement is done.
  // On error the statement is reset, so it may be stepped again after re-binding.
  Result<bool> Step();

  // Columns of the current row. NULL reads as 0, "" and an empty blob; use IsNull to tell.
  std::int64_t ColumnInt64(int column) const;
  std::optional<std::int64_t> ColumnOptionalInt64(int column) const;  // NULL is nullopt
  std::string ColumnText(int column) const;
  Bytes ColumnBlob(int column) const;
  bool IsNull(int column) const;

  // Ready to run again: resets the statement, clears bindings and any pending bind error.
  // Reset (or destroy) a SELECT that was not stepped to the end: it holds a read snapshot.
  void Reset();

 private:
  friend class Database;
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const;
  };
  explicit Statement(sqlite3_stmt* stmt);
  void NoteBindResult(int rc, int index);

  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  int bind_error_ = 0;        // SQLite result code of the first failed bind; 0 (SQLITE_OK): none
  int bind_error_index_ = 0;  // its parameter index
};

class Database;

// A statement from Database::PrepareCached, lent for one use: it is reset (bindings cleared,
// read snapshot released) when the lease ends. Use it like a Statement: lease->Bind(...).
class StatementLease {
 public:
  StatementLease(StatementLease&& other) noexcept;
  StatementLease& operator=(StatementLease&&) = delete;
  StatementLease(const StatementLease&) = delete;
  StatementLease& operator=(const StatementLease&) = delete;
  ~StatementLease();

  Statement& operator*() { return *stmt_; }
  Statement* operator->() { return stmt_; }

 private:
  friend class Database;
  StatementLease(Statement* cached, bool* in_use) : stmt_(cached), in_use_(in_use) {}
  explicit StatementLease(Statement own) : own_(std::move(own)), stmt_(&*own_) {}

  std::optional<Statement> own_;  // a fresh statement when the cached one was already lent
  Statement* stmt_ = nullptr;
  bool* in_use_ = nullptr;
};

class Database {
 public:
  // Opens (kExisting) or creates (kCreate) the database at `path` under `key`. Errors:
  //   database_missing        (kNotFound)        kExisting and there is no file at `path`
  //   file_exists             (kConflict)        kCreate and something exists at `path`
  //   database_key_mismatch   (kInvalidArgument) wrong key, plain SQLite, or not a database
  //   database_empty          (kInvalidArgument) kExisting and the file has zero bytes
  //   database_read_only      (kInvalidArgument) the file cannot be opened for writing
  // plus the SQLite errors listed above. Messages name the path, never the key.
  static Result<Database> Open(const std::string& path, const DbKey& key, OpenMode mode);

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database() = default;

  // Runs one or more SQL statements that return no rows of interest.
  Status Exec(std::string_view sql);

  // Compiles exactly one SQL statement; trailing text other than whitespace is an error.
  Result<Statement> Prepare(std::string_view sql);

  // The same, but compiled once per connection and kept for reuse: for statements on hot
  // paths with fixed SQL text (the cache is never evicted, so never build `sql` from values).
  // If the statement of the same text is already lent, a fresh one is compiled for this lease.
  Result<StatementLease> PrepareCached(std::string_view sql);

  // Re-encrypts every page under `new_key`, atomically: after a crash at any point the file
  // opens under exactly one of the two keys, with all committed data. Keep the old key until
  // this returns Ok. Preconditions: no open transaction and no live Statement of this
  // Database; no other connection to the file (another thread or process, e.g. a running
  // gateway) or it fails with kUnavailable `database_in_use` and nothing changes. Success is
  // proven by reopening the file with the new key and reading every page; the connection is
  // replaced by that new one. If re-encryption fails, kInternal `rekey_failed`: the file keeps
  // the old key and this Database is closed (later calls return `database_closed`).
  Status Rekey(const DbKey& new_key);

  std::int64_t LastInsertRowId() const;  // rowid of the latest successful INSERT
  int Changes() const;                   // rows changed by the latest INSERT/UPDATE/DELETE
  bool InTransaction() const;            // an explicit transaction is open
  const std::string& path() const { return path_; }

 private:
  // The online backup (database_backup.h) drives SQLite's backup API on two connections.
  friend Status WriteSnapshot(Database& source, const DbKey& key, const std::string& dest_path);
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  Database(sqlite3* db, std::string path);

  struct CachedStatement {
    Statement stmt;
    std::unique_ptr<bool> in_use;  // stable address for the lease
  };

  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;
  // Declared after db_, so destroyed first: statements are finalized before the connection.
  std::map<std::string, CachedStatement, std::less<>> cache_;
};

// Steps `stmt` to its end and returns `read(stmt)` for every row, in order; the first Step
// error instead.
//
//   KP_ASSIGN_OR_RETURN(std::vector<std::string> ids,
//                       ReadRows(stmt, [](const Statement& s) { return s.ColumnText(0); }));
template <typename Read>
auto ReadRows(Statement& stmt, Read read)
    -> Result<std::vector<std::invoke_result_t<Read, const Statement&>>> {
  std::vector<std::invoke_result_t<Read, const Statement&>> out;
  for (;;) {
    auto row = stmt.Step();
    if (!row)
      return std::move(row).error();
    if (!*row)
      return out;
    out.push_back(read(static_cast<const Statement&>(stmt)));
  }
}

// BEGIN IMMEDIATE ... COMMIT. Begin takes the write lock at once (waiting up to the busy
// timeout), so a transaction never fails half-way because another writer came first. The
// destructor rolls back unless Commit succeeded. Transactions do not nest. The Database must
// stay where it is (not be moved or destroyed) while a Transaction on it is alive.
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // Commits; on error the transaction stays open and the destructor rolls it back.
  Status Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}

  Database* db_;  // null once committed or moved from
};

}  // namespace ketenpoort::store
