#include "gateway/store/database.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sqlcipher/sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <climits>

#include "gateway/store/posix_file.h"

namespace ketenpoort::store {

namespace {

constexpr int kBusyTimeoutMs = 5000;

// Serialized mode; see the thread contract in database.h.
constexpr int kThreadingFlag = SQLITE_OPEN_FULLMUTEX;

struct ConnectionCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Connection = std::unique_ptr<sqlite3, ConnectionCloser>;

struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using RawStatement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

std::string Quoted(const std::string& path) {
  return "'" + path + "'";
}

Error KeyMismatch(const std::string& path) {
  return InvalidArgument("database_key_mismatch", "cannot decrypt database " + Quoted(path) +
                                                      ": wrong key, or not a Ketenpoort database");
}

Error Closed() {
  return Internal("database_closed", "the database connection was closed by a failed rekey");
}

// Maps a SQLite result code to an Error. SQLite's messages name tables, columns and
// constraints, never a bound value.
Error SqliteError(sqlite3* db, int rc) {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return Unavailable("storage_full",
                         "the disk that holds the database is full (" + detail + ")");
    case SQLITE_IOERR:
      return Unavailable("storage_io_error", "input/output error on the database (" + detail + ")");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable("database_busy",
                         "the database is locked by another connection (" + detail + ")");
    case SQLITE_CONSTRAINT:
      return Conflict("constraint_violation", detail);
    default:
      return Internal("database_error", "database error: " + detail);
  }
}

// SQLCipher's raw-key form x'<64 hex digits>': the 256 bits are the AES key as they are, with
// no passphrase derivation. Wiped on destruction.
class KeyMaterial {
 public:
  explicit KeyMaterial(const std::array<std::uint8_t, DbKey::kSize>& key) {
    static constexpr char kDigits[] = "0123456789abcdef";
    text_[0] = 'x';
    text_[1] = '\'';
    for (std::size_t i = 0; i < key.size(); ++i) {
      text_[2 + 2 * i] = kDigits[key[i] >> 4];
      text_[3 + 2 * i] = kDigits[key[i] & 0x0f];
    }
    text_[text_.size() - 1] = '\'';
  }
  KeyMaterial(const KeyMaterial&) = delete;
  KeyMaterial& operator=(const KeyMaterial&) = delete;
  ~KeyMaterial() { OPENSSL_cleanse(text_.data(), text_.size()); }

  const char* data() const { return text_.data(); }
  int size() const { return static_cast<int>(text_.size()); }

 private:
  std::array<char, 3 + 2 * DbKey::kSize> text_{};
};

int ApplyKey(sqlite3* db, const std::array<std::uint8_t, DbKey::kSize>& key) {
  KeyMaterial material(key);
  return sqlite3_key_v2(db, "main", material.data(), material.size());
}

// The first read decrypts page 1, so this is where a wrong key shows (as SQLITE_NOTADB).
int ReadSchema(sqlite3* db) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &raw, nullptr);
  RawStatement stmt(raw);
  if (rc != SQLITE_OK) {
    return rc;
  }
  rc = sqlite3_step(raw);
  return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

// Runs a one-row PRAGMA and returns its first column as text.
Result<std::string> PragmaText(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  RawStatement stmt(raw);
  if (rc != SQLITE_OK) {
    return SqliteError(db, rc);
  }
  rc = sqlite3_step(raw);
  if (rc != SQLITE_ROW) {
    return SqliteError(db, rc);
  }
  const unsigned char* text = sqlite3_column_text(raw, 0);
  std::string out = text != nullptr ? reinterpret_cast<const char*>(text) : "";
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

Status ExecRaw(sqlite3* db, const char* sql) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteError(db, rc);
  }
  return Ok();
}

// The read-only key probe that runs before a read-write connection exists. A read-write
// connection that fails to decrypt can still leave traces: on close, the last connection
// checkpoints a leftover -wal file into the database file and deletes it. A read-only
// connection never checkpoints, never rolls back a journal and never writes the database;
// when the database was closed cleanly it creates no file either, because the journal-mode
// flag that would make it open a WAL lies inside the encrypted page 1 it cannot read.
// Returns true only when the key certainly does not fit; anything inconclusive (a hot
// journal that only a writer may roll back, a WAL that a reader may not open) is left to the
// read-write connection, which checks again.
bool ProbeShowsKeyMismatch(const std::string& path,
                           const std::array<std::uint8_t, DbKey::kSize>& key) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | kThreadingFlag, nullptr);
  Connection db(raw);
  if (rc != SQLITE_OK) {
    return false;
  }
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  if (ApplyKey(raw, key) != SQLITE_OK) {
    return false;
  }
  return (ReadSchema(raw) & 0xff) == SQLITE_NOTADB;
}

// Creates `path` as an empty file of mode 0600 (SQLite gives the -wal, -shm and -journal files
// the mode of the database file), and makes the new folder entry durable.
Status CreateEmptyFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.ok()) {
    int err = errno;
    if (err == EEXIST) {
      return Conflict("file_exists",
                      "database " + Quoted(path) + " already exists; it is never overwritten");
    }
    if (err == ENOSPC || err == EDQUOT) {
      return Unavailable("storage_full",
                         "cannot create database " + Quoted(path) + ": " + ErrnoText(err));
    }
    return InvalidArgument("database_create_failed",
                           "cannot create database " + Quoted(path) + ": " + ErrnoText(err));
  }
  // The umask can only take permission bits away; fchmod makes the mode exactly 0600.
  bool ok = ::fchmod(fd.get(), 0600) == 0 && ::fsync(fd.get()) == 0;
  ok = fd.Close() && ok && SyncFolderOf(path);
  if (!ok) {
    ::unlink(path.c_str());
    return Unavailable("storage_io_error", "cannot create database " + Quoted(path));
  }
  return Ok();
}

// Removes what a failed kCreate left behind; all of it was created by this Open.
void RemoveNewDatabase(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    ::unlink((path + suffix).c_str());
  }
}

// Opens read-write (never creating), keys, verifies the key and configures the connection.
Result<Connection> OpenVerified(const std::string& path,
                                const std::array<std::uint8_t, DbKey::kSize>& key) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | kThreadingFlag, nullptr);
  Connection db(raw);
  if (rc != SQLITE_OK) {
    return InvalidArgument("database_unreadable",
                           "cannot open database " + Quoted(path) + ": " + sqlite3_errstr(rc));
  }
  sqlite3_extended_result_codes(raw, 1);
  // SQLITE_OPEN_READWRITE quietly falls back to read-only for a write-protected file.
  if (sqlite3_db_readonly(raw, "main") == 1) {
    return InvalidArgument("database_read_only",
                           "database " + Quoted(path) + " is not writable by this process");
  }
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  rc = ApplyKey(raw, key);
  if (rc != SQLITE_OK) {
    return SqliteError(raw, rc);
  }
  rc = ReadSchema(raw);
  if ((rc & 0xff) == SQLITE_NOTADB) {
    return KeyMismatch(path);
  }
  if (rc != SQLITE_OK) {
    return SqliteError(raw, rc);
  }

  // temp_store=MEMORY: sorts and temporary tables never spill plaintext to disk.
  // cache_size: up to 32 MiB of decrypted pages per connection (SQLite's default is 2 MiB).
  // Every page read past the cache is decrypted again, so with the default an insert into a
  // large database re-decrypts index pages it touched a moment ago, and the time a commit
  // takes grows with the database. The cache fills only as pages are read.
  KP_RETURN_IF_ERROR(ExecRaw(raw,
                             "PRAGMA foreign_keys = ON;"
                             "PRAGMA temp_store = MEMORY;"
                             "PRAGMA cache_size = -32768;"
                             "PRAGMA synchronous = FULL;"));
  // On a new, empty file this also writes page 1 (the WAL flag in the header), so a created
  // database is never a zero-byte file that any key would open.
  KP_ASSIGN_OR_RETURN(std::string mode, PragmaText(raw, "PRAGMA journal_mode = WAL"));
  if (mode != "wal") {
    return Internal("database_error",
                    "database " + Quoted(path) + " cannot switch to WAL mode (it is " + mode + ")");
  }
  return db;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Statement

void Statement::Finalizer::operator()(sqlite3_stmt* stmt) const {
  sqlite3_finalize(stmt);
}

Statement::Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}

void Statement::NoteBindResult(int rc, int index) {
  if (rc == SQLITE_OK || bind_error_ != SQLITE_OK) {
    return;
  }
  bind_error_ = rc;
  bind_error_index_ = index;
}

Statement& Statement::Bind(int index, std::int64_t value) {
  NoteBindResult(sqlite3_bind_int64(stmt_.get(), index, value), index);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  // A null data pointer would bind NULL; an empty string_view must bind ''.
  const char* data = text.data() != nullptr ? text.data() : "";
  NoteBindResult(
      sqlite3_bind_text64(stmt_.get(), index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
      index);
  return *this;
}

Statement& Statement::BindBlob(int index, ByteView blob) {
  int rc = blob.empty() ? sqlite3_bind_zeroblob(stmt_.get(), index, 0)
                        : sqlite3_bind_blob64(stmt_.get(), index, blob.data(), blob.size(),
                                              SQLITE_TRANSIENT);
  NoteBindResult(rc, index);
  return *this;
}

Statement& Statement::BindNull(int index) {
  NoteBindResult(sqlite3_bind_null(stmt_.get(), index), index);
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<std::int64_t>& value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Result<bool> Statement::Step() {
  if (bind_error_ != SQLITE_OK) {
    return Internal("database_error", "cannot bind SQL parameter " +
                                          std::to_string(bind_error_index_) + ": " +
                                          sqlite3_errstr(bind_error_));
  }
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  Error error = SqliteError(sqlite3_db_handle(stmt_.get()), rc);
  sqlite3_reset(stmt_.get());
  return error;
}

std::int64_t Statement::ColumnInt64(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

std::optional<std::int64_t> Statement::ColumnOptionalInt64(int column) const {
  if (IsNull(column))
    return std::nullopt;
  return ColumnInt64(column);
}

std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_.get(), column);
  if (text == nullptr) {
    return {};
  }
  int size = sqlite3_column_bytes(stmt_.get(), column);
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

Bytes Statement::ColumnBlob(int column) const {
  const void* blob = sqlite3_column_blob(stmt_.get(), column);
  if (blob == nullptr) {
    return {};
  }
  int size = sqlite3_column_bytes(stmt_.get(), column);
  const auto* begin = static_cast<const std::uint8_t*>(blob);
  return Bytes(begin, begin + size);
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

void Statement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_error_ = SQLITE_OK;
  bind_error_index_ = 0;
}

// ---------------------------------------------------------------------------------------------
// Database

void Database::Closer::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

Database::Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

Result<Database> Database::Open(const std::string& path, const DbKey& key, OpenMode mode) {
  if (mode == OpenMode::kCreate) {
    KP_RETURN_IF_ERROR(CreateEmptyFile(path));
    auto db = OpenVerified(path, key.bytes_);
    if (!db) {
      RemoveNewDatabase(path);
      return std::move(db).error();
    }
    return Database(db->release(), path);
  }

  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT) {
      return NotFound("database_missing", "database " + Quoted(path) + " does not exist");
    }
    return InvalidArgument("database_unreadable",
                           "cannot open database " + Quoted(path) + ": " + ErrnoText(err));
  }
  if (!S_ISREG(st.st_mode)) {
    return InvalidArgument("database_unreadable",
                           "cannot open database " + Quoted(path) + ": not a regular file");
  }
  if (st.st_size == 0) {
    return InvalidArgument("database_empty", "database " + Quoted(path) +
                                                 " is an empty file, not a Ketenpoort database");
  }
  if (ProbeShowsKeyMismatch(path, key.bytes_)) {
    return KeyMismatch(path);
  }
  KP_ASSIGN_OR_RETURN(Connection db, OpenVerified(path, key.bytes_));
  return Database(db.release(), path);
}

Status Database::Exec(std::string_view sql) {
  if (!db_) {
    return Closed();
  }
  const std::string text(sql);
  return ExecRaw(db_.get(), text.c_str());
}

Result<Statement> Database::Prepare(std::string_view sql) {
  if (!db_) {
    return Closed();
  }
  if (sql.size() > INT_MAX) {
    return Internal("database_error", "SQL text is too long");
  }
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, &tail);
  Statement stmt(raw);
  if (rc != SQLITE_OK) {
    return SqliteError(db_.get(), rc);
  }
  if (raw == nullptr) {
    return Internal("database_error", "there is no SQL statement to prepare");
  }
  std::string_view rest(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail));
  for (char c : rest) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      return Internal("database_error", "Prepare takes exactly one SQL statement");
    }
  }
  return stmt;
}

// Rekey, and why it is done this way.
//
// SQLCipher rewrites every page under the new key inside one write transaction
// (sqlite3_rekey_v2). In WAL mode the re-encrypted pages land in the -wal file next to frames
// under the old key while the main file stays under the old key until a checkpoint, other
// connections go on reading with the old key, and a rewrite that fails half-way leaves the
// WAL mixed (SQLite3MultipleCiphers refuses to rekey in WAL mode for such reasons). In rollback
// journal mode it is atomic: the journal keeps the original pages, encrypted under the old
// key, and hot-journal rollback after a crash copies them back byte for byte (it needs no
// key), so a crash at any point leaves a file that opens under exactly one of the two keys.
// Hence: leave WAL mode (journal_mode=DELETE checkpoints the WAL and deletes it; it needs an
// exclusive lock, and in WAL mode every open connection holds a shared lock for as long as it
// is open, so this also proves that no other connection exists), rekey, then reopen.
//
// We do not trust sqlite3_rekey_v2's return value: SQLCipher 3.4 returns SQLITE_OK even when
// the rewrite or the commit failed, and on failure leaves the connection with the new key for
// writing but the old one for reading. So the connection is always closed afterwards (which
// rolls back anything left open), and success is decided by reopening the file from disk with
// the new key through Open (which also switches back to WAL mode) and reading every page with
// PRAGMA quick_check.
//
// The alternative, sqlcipher_export into a new file and rename(2) over the old one, needs
// twice the disk space, must deal with stale -wal/-shm files of the old inode, and would leave
// any other open connection writing into an unlinked file; the in-place rekey has none of
// these problems.
Result<StatementLease> Database::PrepareCached(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    KP_ASSIGN_OR_RETURN(Statement fresh, Prepare(sql));
    it = cache_
             .emplace(std::string(sql),
                      CachedStatement{std::move(fresh), std::make_unique<bool>(false)})
             .first;
  }
  if (*it->second.in_use) {
    KP_ASSIGN_OR_RETURN(Statement fresh, Prepare(sql));
    return StatementLease(std::move(fresh));
  }
  *it->second.in_use = true;
  return StatementLease(&it->second.stmt, it->second.in_use.get());
}

StatementLease::StatementLease(StatementLease&& other) noexcept
    : own_(std::move(other.own_)), stmt_(own_ ? &*own_ : other.stmt_), in_use_(other.in_use_) {
  other.stmt_ = nullptr;
  other.in_use_ = nullptr;
}

StatementLease::~StatementLease() {
  if (stmt_ != nullptr)
    stmt_->Reset();
  if (in_use_ != nullptr)
    *in_use_ = false;
}

Status Database::Rekey(const DbKey& new_key) {
  if (!db_) {
    return Closed();
  }
  cache_.clear();  // cached statements belong to the connection being replaced
  sqlite3* db = db_.get();
  if (!sqlite3_get_autocommit(db)) {
    return Internal("database_error", "cannot rekey inside a transaction");
  }
  if (sqlite3_next_stmt(db, nullptr) != nullptr) {
    return Internal("database_error", "destroy every Statement of the database before rekeying");
  }
  const Error in_use = Unavailable("database_in_use",
                                   "cannot rekey database " + Quoted(path_) +
                                       ": another connection has it open (stop the gateway first)");
  auto mode = PragmaText(db, "PRAGMA journal_mode = DELETE");
  if (!mode) {
    return mode.error().code == "database_busy" ? in_use : std::move(mode).error();
  }
  if (*mode != "delete") {
    return in_use;
  }

  {
    KeyMaterial material(new_key.bytes_);
    sqlite3_rekey_v2(db, "main", material.data(), material.size());  // result unreliable, above
  }
  db_.reset();

  auto reopened = Open(path_, new_key, OpenMode::kExisting);
  if (!reopened) {
    if (reopened.error().code == "database_key_mismatch") {
      return Internal("rekey_failed",
                      "re-encrypting database " + Quoted(path_) + " failed; it keeps its old key");
    }
    return Internal("rekey_failed", "cannot reopen database " + Quoted(path_) +
                                        " after re-encrypting it (" + reopened.error().message +
                                        "); it opens with either the new or the old key");
  }
  auto check = PragmaText(reopened->db_.get(), "PRAGMA quick_check");
  if (!check || *check != "ok") {
    return Internal("rekey_failed",
                    "database " + Quoted(path_) + " fails its integrity check after re-encryption");
  }
  db_ = std::move(reopened->db_);
  return Ok();
}

std::int64_t Database::LastInsertRowId() const {
  return db_ ? sqlite3_last_insert_rowid(db_.get()) : 0;
}

int Database::Changes() const {
  return db_ ? sqlite3_changes(db_.get()) : 0;
}

bool Database::InTransaction() const {
  return db_ && sqlite3_get_autocommit(db_.get()) == 0;
}

// ---------------------------------------------------------------------------------------------
// Transaction

Result<Transaction> Transaction::Begin(Database& db) {
  KP_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(other.db_) {
  other.db_ = nullptr;
}

Transaction::~Transaction() {
  // SQLite itself rolls back on some errors (SQLITE_FULL, SQLITE_IOERR); only roll back what
  // is still open.
  if (db_ != nullptr && db_->InTransaction()) {
    (void)db_->Exec("ROLLBACK");
  }
}

Status Transaction::Commit() {
  if (db_ == nullptr) {
    return Internal("database_error", "the transaction has already ended");
  }
  KP_RETURN_IF_ERROR(db_->Exec("COMMIT"));
  db_ = nullptr;
  return Ok();
}

}  // namespace ketenpoort::store
