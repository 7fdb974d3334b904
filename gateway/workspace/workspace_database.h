// The workspace's own SQLCipher database (never the gateway's): its schema, a list of
// migrations of its own applied with store::Migrate, and opening it under the key in
// database.key_file.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(store::Database db, OpenWorkspaceDatabase(config->database));
//   StaffRepository staff(db);                        // tables: staff, staff_sessions
//
// Contract: OpenWorkspaceDatabase opens the database at `path` with the key from `key_file`
// (store::DbKey::LoadFile: 64 hex digits, mode 0600; KETENPOORT_DB_KEY is not consulted, it
// keys the gateway's database) and brings it to the newest schema. A database that does not
// exist yet is created (mode 0600), so the first `ketenpoort staff add` of a new workspace
// makes it; the key file must exist. Errors are store's (database_key_mismatch, key_file_*,
// schema_too_new), naming the file.
//
// Schema (migration 1, "staff"):
//   staff(id, org, username UNIQUE, display_name, roles, password_hash, totp_secret,
//         totp_last_step, failed_attempts, locked_until_ms, disabled, created_ms)
//   staff_sessions(token_hash PRIMARY KEY, staff_id -> staff ON DELETE CASCADE, csrf,
//         created_ms, last_seen_ms)
#pragma once

#include <span>

#include "gateway/core/error.h"
#include "gateway/store/database.h"
#include "gateway/store/migrations.h"
#include "gateway/workspace/workspace_config.h"

namespace ketenpoort::workspace {

// The workspace database's migrations, oldest first.
std::span<const store::Migration> WorkspaceMigrations();

Result<store::Database> OpenWorkspaceDatabase(const WorkspaceDatabase& database);

}  // namespace ketenpoort::workspace
