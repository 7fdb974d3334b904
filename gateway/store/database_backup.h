// An online backup of the database: a consistent snapshot of a live database (other
// connections and processes go on writing) copied into a new file, encrypted under the same key.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(Database live, Database::Open(path, key, OpenMode::kExisting));
//   KP_RETURN_IF_ERROR(WriteSnapshot(live, key, "/backups/snapshot.db"));
//   KP_ASSIGN_OR_RETURN(Database copy,
//                       Database::Open("/backups/snapshot.db", key, OpenMode::kExisting));
//
// Contract:
// - The copy is made with SQLite's online backup API (sqlite3_backup_init/step/finish, the
//   handle owned by RAII) in one step, i.e. inside one read transaction on `source`: it holds
//   exactly the transactions committed before the step began, whatever is committed meanwhile.
//   In WAL mode that read transaction blocks no writer (checkpoints stop short of it until it
//   ends).
// - `dest_path` must not exist (kConflict `file_exists`); it is created with mode 0600 and
//   keyed with `key` before any page is copied, so no decrypted page reaches the disk. The
//   result is one self-contained file in rollback-journal mode (no -wal beside it), proven by
//   PRAGMA quick_check; opening it with Database::Open switches it back to WAL.
// - The copy is under the source's key. SQLCipher's backup decrypts each page in memory and
//   encrypts it with the destination's key, whatever that is, so WriteSnapshot first proves
//   that `key` opens the source file (a second, short-lived connection); a `key` that does not
//   gives kInvalidArgument `backup_key_mismatch` and no file is created. A backup is thus
//   restored with the deployment's key file and nothing else.
// - `source` must have no open transaction (else kInternal `database_error`).
// - On any error the new file (and any -wal, -shm, -journal beside it) is removed.
// Errors name the paths, never the key.
#pragma once

#include <string>
#include <utility>

#include "gateway/core/error.h"
#include "gateway/store/database.h"
#include "gateway/store/db_key.h"

namespace ketenpoort::store {

Status WriteSnapshot(Database& source, const DbKey& key, const std::string& dest_path);

// Deletes, when it goes out of scope, a database file this process made and what SQLite may
// have put beside it (-wal, -shm, -journal): a snapshot once archived, a restore's staged copy.
// Armed from construction unless told otherwise; Keep() disarms it.
class DatabaseFilesGuard {
 public:
  explicit DatabaseFilesGuard(std::string path, bool armed = true)
      : path_(std::move(path)), armed_(armed) {}
  DatabaseFilesGuard(const DatabaseFilesGuard&) = delete;
  DatabaseFilesGuard& operator=(const DatabaseFilesGuard&) = delete;
  ~DatabaseFilesGuard();

  void Arm() { armed_ = true; }
  void Keep() { armed_ = false; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool armed_;
};

}  // namespace ketenpoort::store
