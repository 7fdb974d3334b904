#include "gateway/securemail/securemail_account_repository.h"

#include <utility>

namespace ketenpoort::store {

Result<std::optional<SecureMailAccount>> SecureMailAccountRepository::Find(std::string_view email) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("SELECT email, secret, enrolled_ms, last_step, created_ms FROM "
                                  "securemail_accounts WHERE email = ?"));
  s.Bind(1, email);
  KP_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row)
    return std::optional<SecureMailAccount>();
  SecureMailAccount a;
  a.email = s.ColumnText(0);
  a.secret = s.ColumnBlob(1);
  a.enrolled_ms = s.ColumnOptionalInt64(2);
  a.last_step = s.ColumnInt64(3);
  a.created_ms = s.ColumnInt64(4);
  return std::optional<SecureMailAccount>(std::move(a));
}

Status SecureMailAccountRepository::Insert(const SecureMailAccount& a) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("INSERT INTO securemail_accounts(email, secret, enrolled_ms, "
                                  "last_step, created_ms) VALUES(?, ?, ?, ?, ?)"));
  s.Bind(1, a.email).BindBlob(2, a.secret).Bind(3, a.enrolled_ms);
  s.Bind(4, a.last_step).Bind(5, a.created_ms);
  auto done = s.Step();
  if (!done) {
    // The only constraint a bound row can break is the primary key (secret is never NULL).
    if (done.error().kind == ErrorKind::kConflict)
      return Conflict("account_exists", "the address already has a secure-mail account");
    return std::move(done).error();
  }
  return Ok();
}

Result<bool> SecureMailAccountRepository::MarkEnrolled(std::string_view email, std::int64_t time_ms,
                                                       std::int64_t step) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("UPDATE securemail_accounts SET enrolled_ms = "
                                               "coalesce(enrolled_ms, ?), last_step = ? WHERE "
                                               "email = ? AND last_step < ?"));
  s.Bind(1, time_ms).Bind(2, step).Bind(3, email).Bind(4, step);
  KP_RETURN_IF_ERROR(s.Step());
  if (db_.Changes() == 1)
    return true;
  return NotRaised(email);
}

Result<bool> SecureMailAccountRepository::SetLastStep(std::string_view email, std::int64_t step) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("UPDATE securemail_accounts SET last_step = ? "
                                               "WHERE email = ? AND last_step < ?"));
  s.Bind(1, step).Bind(2, email).Bind(3, step);
  KP_RETURN_IF_ERROR(s.Step());
  if (db_.Changes() == 1)
    return true;
  return NotRaised(email);
}

Result<bool> SecureMailAccountRepository::Delete(std::string_view email) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("DELETE FROM securemail_accounts WHERE email = ?"));
  s.Bind(1, email);
  KP_RETURN_IF_ERROR(s.Step());
  return db_.Changes() == 1;
}

Result<bool> SecureMailAccountRepository::NotRaised(std::string_view email) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("SELECT 1 FROM securemail_accounts WHERE email = ?"));
  s.Bind(1, email);
  KP_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row)
    return NotFound("account_not_found", "no secure-mail account for this address");
  return false;
}

}  // namespace ketenpoort::store
