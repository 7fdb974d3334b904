// For the workspace's tests: a fresh workspace database in a temporary folder (its key file
// beside it), and the TOTP code an authenticator app would show for an account at a time.
#pragma once

#include <liboath/oath.h>

#include <cstdint>
#include <optional>
#include <string>

#include "gateway/core/bytes.h"
#include "gateway/store/db_key.h"
#include "gateway/store/test_support.h"
#include "gateway/workspace/staff_repository.h"
#include "gateway/workspace/workspace_database.h"

namespace ketenpoort::workspace::test {

// A migrated workspace database under dir/ws.db, keyed by dir/ws.key.
inline Result<store::Database> FreshWorkspaceDatabase(const store::test::TempDir& dir,
                                                      WorkspaceDatabase* paths = nullptr) {
  WorkspaceDatabase d{dir.File("ws.db"), dir.File("ws.key")};
  KP_RETURN_IF_ERROR(store::DbKey::Generate().WriteNewFile(d.key_file));
  if (paths != nullptr)
    *paths = d;
  return OpenWorkspaceDatabase(d);
}

// The 6-digit code of `secret` at `unix_seconds` (RFC 6238, as liboath computes it).
inline std::string TotpCode(ByteView secret, std::int64_t unix_seconds) {
  oath_init();
  char code[7] = {};
  oath_totp_generate(reinterpret_cast<const char*>(secret.data()), secret.size(),
                     static_cast<time_t>(unix_seconds), 30, 0, 6, code);
  return code;
}

// The stored TOTP secret of `username`.
inline Bytes SecretOf(store::Database& db, const std::string& username) {
  auto a = StaffRepository(db).FindByUsername(username);
  return a && *a ? (*a)->totp_secret : Bytes();
}

}  // namespace ketenpoort::workspace::test
