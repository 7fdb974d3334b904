// Schema migrations: one ordered list in migrations.cpp, the only place the schema is defined.
// A feature that needs a table appends a Migration with the next version; a released
// migration is never edited.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(Database db, Database::Open(path, key, OpenMode::kExisting));
//   KP_RETURN_IF_ERROR(Migrate(db));                  // no-op when already up to date
//
// Contract: Migrate applies each pending migration in its own BEGIN IMMEDIATE transaction:
// its SQL, a row in schema_migrations(version, name, applied_at) for humans, and PRAGMA
// user_version = version, which is the authoritative schema version. A migration that fails
// leaves the database at the previous version. Two processes migrating at once are safe: each
// re-reads the version once it holds the write lock. A database whose version is newer than
// this binary's latest gives kConflict `schema_too_new` and is left untouched.
//
// Migration SQL runs inside a transaction, so it must not contain BEGIN/COMMIT, VACUUM or
// PRAGMA foreign_keys (a no-op there).
#pragma once

#include <span>
#include <string_view>

#include "gateway/core/error.h"
#include "gateway/store/database.h"

namespace ketenpoort::store {

struct Migration {
  int version;            // 1, 2, 3, ...: consecutive, in list order
  std::string_view name;  // short snake_case description, e.g. "tokens"
  std::string_view sql;   // one or more statements
};

// Every migration this binary knows, oldest first.
std::span<const Migration> Migrations();

// The version of the newest migration this binary knows.
int LatestSchemaVersion();

// PRAGMA user_version: 0 for a new database.
Result<int> SchemaVersion(Database& db);

// Brings `db` up to LatestSchemaVersion().
Status Migrate(Database& db);

// The same with an explicit list (versions must be 1..N in order); for tests.
Status Migrate(Database& db, std::span<const Migration> migrations);

}  // namespace ketenpoort::store
