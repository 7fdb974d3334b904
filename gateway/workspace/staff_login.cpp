#include "gateway/workspace/staff_login.h"

#include <optional>

#include "gateway/crypto/totp.h"
#include "gateway/log/log.h"
#include "gateway/workspace/staff_repository.h"

namespace ketenpoort::workspace {

namespace {

Error LoginFailed() {
  Error e = Unauthenticated(
      "the username, password or code is not right, or the account cannot log in now");
  e.code = "login_failed";
  return e;
}

}  // namespace

StaffLogin::StaffLogin(store::GuardedDatabase& db, LockoutPolicy lockout, crypto::PasswordCost cost)
    : db_(db), lockout_(lockout) {
  // A password nobody knows, hashed at the configured cost, so that a name without an
  // account costs the same check as one with.
  auto hash = crypto::HashPassword(crypto::NewPassword(), cost);
  if (hash)
    unknown_user_hash_ = std::move(*hash);
}

Result<NewSession> StaffLogin::LogIn(const LoginAttempt& attempt, std::int64_t now_ms) {
  KP_ASSIGN_OR_RETURN(std::optional<StaffAccount> account, db_.Read([&](store::Database& db) {
    return StaffRepository(db).FindByUsername(attempt.username);
  }));
  const bool password_ok = crypto::VerifyPassword(
      account ? account->password_hash : unknown_user_hash_, attempt.password);
  if (!account) {
    log::Info("login_failed", {{"staff_id", "unknown"}});
    return LoginFailed();
  }
  const std::string staff_id = std::to_string(account->id);
  if (account->disabled || account->LockedAt(now_ms)) {
    log::Info("login_failed", {{"staff_id", staff_id}});
    return LoginFailed();
  }
  const std::optional<std::int64_t> step =
      crypto::MatchTotp(account->totp_secret, attempt.code, now_ms / 1000, account->totp_last_step);
  if (!password_ok || !step) {
    KP_ASSIGN_OR_RETURN(bool locked, db_.Write([&](store::Database& db) -> Result<bool> {
      StaffRepository staff(db);
      KP_RETURN_IF_ERROR(
          staff.RecordFailure(account->id, now_ms, lockout_.max_failures, lockout_.lock_ms));
      KP_ASSIGN_OR_RETURN(std::optional<StaffAccount> now, staff.FindById(account->id));
      return now && now->LockedAt(now_ms);
    }));
    log::Info("login_failed", {{"staff_id", staff_id}});
    if (locked)
      log::Warn("account_locked", {{"staff_id", staff_id}});
    return LoginFailed();
  }
  KP_ASSIGN_OR_RETURN(
      std::optional<NewSession> session,
      db_.Write([&](store::Database& db) -> Result<std::optional<NewSession>> {
        KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
        KP_ASSIGN_OR_RETURN(bool fresh,
                            StaffRepository(db).RecordSuccess(account->id, *step, now_ms));
        if (!fresh)
          return std::optional<NewSession>();
        KP_ASSIGN_OR_RETURN(NewSession s, StaffSessions(db).Create(account->id, now_ms));
        KP_RETURN_IF_ERROR(tx.Commit());
        return std::optional<NewSession>(std::move(s));
      }));
  if (!session) {
    log::Info("login_failed", {{"staff_id", staff_id}});
    return LoginFailed();
  }
  log::Info("login_succeeded", {{"staff_id", staff_id}});
  return std::move(*session);
}

}  // namespace ketenpoort::workspace
