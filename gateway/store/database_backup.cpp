#include "gateway/store/database_backup.h"

#include <sqlcipher/sqlite3.h>
#include <unistd.h>

#include <memory>

namespace ketenpoort::store {

namespace {

// How often a step that found the source locked is tried again. In WAL mode a reader is locked
// out only while another connection recovers the WAL, which is brief.
constexpr int kBusyAttempts = 50;
constexpr int kBusyWaitMs = 100;

struct BackupFinisher {
  void operator()(sqlite3_backup* backup) const { sqlite3_backup_finish(backup); }
};
using BackupHandle = std::unique_ptr<sqlite3_backup, BackupFinisher>;

std::string Quoted(const std::string& path) {
  return "'" + path + "'";
}

Error StepError(sqlite3* dest, int rc, const std::string& source_path,
                const std::string& dest_path) {
  const std::string detail = sqlite3_errmsg(dest);
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return Unavailable("storage_full",
                         "the disk that holds " + Quoted(dest_path) + " is full (" + detail + ")");
    case SQLITE_IOERR:
      return Unavailable("storage_io_error", "input/output error while copying " +
                                                 Quoted(source_path) + " (" + detail + ")");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable("database_busy",
                         "database " + Quoted(source_path) + " stayed locked (" + detail + ")");
    default:
      return Internal("database_error", "cannot copy database " + Quoted(source_path) + " to " +
                                            Quoted(dest_path) + ": " + detail);
  }
}

}  // namespace

DatabaseFilesGuard::~DatabaseFilesGuard() {
  if (armed_) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      ::unlink((path_ + suffix).c_str());
  }
}

Status WriteSnapshot(Database& source, const DbKey& key, const std::string& dest_path) {
  if (!source.db_)
    return Internal("database_closed", "the source database connection is closed");
  if (source.InTransaction())
    return Internal("database_error", "cannot back up a database inside a transaction");
  const std::string& source_path = source.path();
  // The backup API would encrypt the copy under any key it is given (SQLCipher decrypts each
  // source page in memory and encrypts it for the destination): insist on the source's own.
  {
    auto probe = Database::Open(source_path, key, OpenMode::kExisting);
    if (!probe) {
      if (probe.error().code == "database_key_mismatch") {
        return InvalidArgument("backup_key_mismatch",
                               "the key given for the copy does not open database " +
                                   Quoted(source_path) + "; a backup is keyed like its database");
      }
      return std::move(probe).error();
    }
  }
  // Declared before the connection, so that the files go only after it is closed; armed only
  // once the file is ours.
  DatabaseFilesGuard guard(dest_path, /*armed=*/false);
  // kCreate refuses an existing file, makes it 0600 and keys it before anything is written.
  KP_ASSIGN_OR_RETURN(Database dest, Database::Open(dest_path, key, OpenMode::kCreate));
  guard.Arm();
  sqlite3* dest_db = dest.db_.get();

  BackupHandle backup(sqlite3_backup_init(dest_db, "main", source.db_.get(), "main"));
  if (!backup) {
    return Internal("database_error", "cannot start copying database " + Quoted(source_path) +
                                          " into " + Quoted(dest_path) + ": " +
                                          sqlite3_errmsg(dest_db));
  }
  // -1: every page in one step, so in one read transaction on the source: a snapshot. Copied in
  // several steps, a write by another connection between them would restart the copy, and under
  // steady load it might never finish.
  int rc = SQLITE_OK;
  for (int attempt = 0; attempt < kBusyAttempts; ++attempt) {
    rc = sqlite3_backup_step(backup.get(), -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
      break;
    sqlite3_sleep(kBusyWaitMs);
  }
  if (rc != SQLITE_DONE)
    return StepError(dest_db, rc, source_path, dest_path);
  rc = sqlite3_backup_finish(backup.release());
  if (rc != SQLITE_OK)
    return StepError(dest_db, rc, source_path, dest_path);

  // The copied header says WAL, like the source's; back to a rollback journal, which folds any
  // -wal into the file and deletes it, so that the copy is one self-contained file.
  KP_RETURN_IF_ERROR(dest.Exec("PRAGMA journal_mode = DELETE"));
  KP_ASSIGN_OR_RETURN(Statement check, dest.Prepare("PRAGMA quick_check"));
  KP_ASSIGN_OR_RETURN(bool row, check.Step());
  if (!row || check.ColumnText(0) != "ok") {
    return Internal("backup_damaged", "the copy " + Quoted(dest_path) + " of " +
                                          Quoted(source_path) + " fails its integrity check");
  }
  guard.Keep();
  return Ok();
}

}  // namespace ketenpoort::store
