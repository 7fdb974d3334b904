// The staff table of the workspace database (workspace_database.h): accounts, their
// credentials and their lock-out state. It stores and reads; the decisions (is this login
// good, when does an account lock) are StaffLogin's (staff_login.h).
//
//   // (compiled in examples_test.cpp)
//   StaffRepository staff(db);
//   KP_ASSIGN_OR_RETURN(std::int64_t id, staff.Insert(account));   // kConflict username_taken
//   KP_ASSIGN_OR_RETURN(std::optional<StaffAccount> a, staff.FindByUsername("j.devries"));
//   KP_ASSIGN_OR_RETURN(bool ok, staff.RecordSuccess(a->id, step, now_ms));
//
// Contract:
// - RecordFailure counts one wrong login; the failure that reaches `max_failures` locks the
//   account until now + lock_ms and starts the count again at 0, in one UPDATE, so concurrent
//   failures are all counted.
// - RecordSuccess clears the count and raises totp_last_step to `step` only if, at that
//   moment, the account is enabled, not locked at `now_ms`, and `step` is greater than the
//   stored step: true. Otherwise it changes nothing and is false, so a login that raced a
//   lock-out, a disable or another login with the same code fails.
// - ReplaceCredentials (staff reset) sets a new hash and TOTP secret, clears the count, the
//   lock and the used step, and ends the account's sessions; SetDisabled(true) ends them too.
//   Both are false when no account has that username.
// Not thread-safe beyond store::Database; construct one per use, it is cheap.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/error.h"
#include "gateway/store/database.h"
#include "gateway/workspace/staff_account.h"

namespace ketenpoort::workspace {

class StaffRepository {
 public:
  explicit StaffRepository(store::Database& db) : db_(db) {}

  // Adds `account` (its id is ignored) and returns the new id.
  Result<std::int64_t> Insert(const StaffAccount& account);

  Result<std::optional<StaffAccount>> FindByUsername(std::string_view username);
  Result<std::optional<StaffAccount>> FindById(std::int64_t id);

  // Every account, by organisation, then username.
  Result<std::vector<StaffAccount>> List();

  Result<bool> SetDisabled(std::string_view username, bool disabled);
  Result<bool> ReplaceCredentials(std::string_view username, std::string_view password_hash,
                                  ByteView totp_secret);

  Status RecordFailure(std::int64_t id, std::int64_t now_ms, std::int64_t max_failures,
                       std::int64_t lock_ms);
  Result<bool> RecordSuccess(std::int64_t id, std::int64_t step, std::int64_t now_ms);

 private:
  Result<std::optional<StaffAccount>> FindWhere(std::string_view where, std::string_view text,
                                                std::int64_t number);
  Status EndSessions(std::string_view username);

  store::Database& db_;
};

}  // namespace ketenpoort::workspace
