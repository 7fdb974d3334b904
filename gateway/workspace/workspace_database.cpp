#include "gateway/workspace/workspace_database.h"

#include <array>
#include <filesystem>

#include "gateway/store/db_key.h"

namespace ketenpoort::workspace {

namespace {

// Append only: a released migration is never edited (as store/migrations.cpp).
constexpr std::array<store::Migration, 1> kMigrations{{
    {1, "staff", R"sql(
CREATE TABLE staff (
  id INTEGER PRIMARY KEY,
  org TEXT NOT NULL,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  roles TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  totp_secret BLOB NOT NULL,
  totp_last_step INTEGER NOT NULL DEFAULT 0,
  failed_attempts INTEGER NOT NULL DEFAULT 0,
  locked_until_ms INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL
);
CREATE TABLE staff_sessions (
  token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
  staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  csrf TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL
);
CREATE INDEX staff_sessions_by_staff ON staff_sessions(staff_id);
)sql"},
}};

}  // namespace

std::span<const store::Migration> WorkspaceMigrations() {
  return kMigrations;
}

Result<store::Database> OpenWorkspaceDatabase(const WorkspaceDatabase& database) {
  KP_ASSIGN_OR_RETURN(store::DbKey key, store::DbKey::LoadFile(database.key_file));
  std::error_code ec;
  const bool exists = std::filesystem::exists(database.path, ec);
  KP_ASSIGN_OR_RETURN(store::Database db, store::Database::Open(database.path, key,
                                                                exists ? store::OpenMode::kExisting
                                                                       : store::OpenMode::kCreate));
  KP_RETURN_IF_ERROR(store::Migrate(db, kMigrations));
  return db;
}

}  // namespace ketenpoort::workspace
