// Logging in to the workspace: a username, a password and a TOTP code from the person's
// authenticator app, all three right, or no session. Wrong passwords and wrong codes count
// towards a lock-out.
//
//   // (compiled in examples_test.cpp)
//   StaffLogin login(guarded_db, config.lockout, config.password_cost);
//   auto session = login.LogIn({.username = u, .password = p, .code = c}, now_ms);
//   if (!session) return ShowLoginAgain();        // always kUnauthenticated login_failed
//   SetCookie(session->token);
//
// Contract:
// - One answer for every refusal: kUnauthenticated `login_failed` with one message, whether
//   the username is unknown, the account disabled or locked, the password wrong, the code
//   wrong, malformed or used before. The password is checked in each of these cases (against
//   a hash made at construction for an unknown name), so the time taken does not tell them
//   apart either.
// - A wrong password or a wrong code (or both) of an enabled account that is not locked counts
//   one failure; the failure that reaches lockout.max_failures locks the account for
//   lockout.lock_ms (StaffRepository::RecordFailure). While locked, even the right password
//   and code are refused, and attempts are not counted.
// - A good login clears the count, records the code's time step (a code works once,
//   crypto/totp.h) and creates a session (staff_sessions.h). A login that races a lock-out,
//   a disable or another use of the same code is refused (StaffRepository::RecordSuccess).
// - The Argon2id check (about 130 ms at the default cost) runs outside the database lock.
// - Log lines: `login_succeeded staff_id=N`, `login_failed staff_id=N|unknown`,
//   `account_locked staff_id=N`; never a username, a password or a code.
// Thread-safe: the database is reached through its GuardedDatabase.
#pragma once

#include <cstdint>
#include <string>

#include "gateway/core/error.h"
#include "gateway/crypto/password_hash.h"
#include "gateway/store/guarded_database.h"
#include "gateway/workspace/staff_sessions.h"
#include "gateway/workspace/workspace_config.h"

namespace ketenpoort::workspace {

struct LoginAttempt {
  std::string username{};
  std::string password{};
  std::string code{};
};

class StaffLogin {
 public:
  StaffLogin(store::GuardedDatabase& db, LockoutPolicy lockout, crypto::PasswordCost cost);

  Result<NewSession> LogIn(const LoginAttempt& attempt, std::int64_t now_ms);

 private:
  store::GuardedDatabase& db_;
  LockoutPolicy lockout_;
  std::string unknown_user_hash_{};  // checked for a name without an account
};

}  // namespace ketenpoort::workspace
