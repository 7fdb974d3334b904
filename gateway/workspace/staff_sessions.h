// Logged-in sessions of staff, kept server-side in the workspace database (staff_sessions):
// the browser holds a random token in an HttpOnly cookie; the table holds only its SHA-256,
// the CSRF token of the session's forms, and when it was last used.
//
//   // (compiled in examples_test.cpp)
//   StaffSessions sessions(db);
//   KP_ASSIGN_OR_RETURN(NewSession s, sessions.Create(staff_id, now_ms));  // s.token -> cookie
//   KP_ASSIGN_OR_RETURN(std::optional<ActiveSession> a,
//                       sessions.Touch(cookie, now_ms, config.session_idle_timeout_ms));
//   if (!a) return RedirectToLogin();                   // unknown, idle too long, or disabled
//   KP_RETURN_IF_ERROR(sessions.End(cookie));           // logout
//
// Contract: a token is 256 random bits, base64url (crypto::RandomToken); only its hash is
// stored, so the database alone does not let anyone in. Touch finds the session of `token`
// and, when it was last used no more than `idle_ms` before `now_ms` and its account is not
// disabled, records `now_ms` as its last use and returns it with its account; a session idle
// for longer is deleted and nullopt returned (so is an unknown or empty token). End deletes
// the session (none: no error). EndIdle deletes every session idle for longer than `idle_ms`
// at `now_ms` (the routes run it at each login, so that sessions nobody came back to do not
// stay in the table) and returns how many. Disabling or resetting an account ends its
// sessions (StaffRepository).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/error.h"
#include "gateway/store/database.h"
#include "gateway/workspace/staff_account.h"

namespace ketenpoort::workspace {

struct NewSession {
  std::string token{};  // for the cookie; never stored, never logged
  std::string csrf{};   // for the forms of this session
};

struct ActiveSession {
  std::string csrf{};
  StaffAccount account{};
};

class StaffSessions {
 public:
  explicit StaffSessions(store::Database& db) : db_(db) {}

  Result<NewSession> Create(std::int64_t staff_id, std::int64_t now_ms);
  Result<std::optional<ActiveSession>> Touch(std::string_view token, std::int64_t now_ms,
                                             std::int64_t idle_ms);
  Status End(std::string_view token);
  Result<int> EndIdle(std::int64_t now_ms, std::int64_t idle_ms);

 private:
  store::Database& db_;
};

}  // namespace ketenpoort::workspace
