#include "gateway/workspace/staff_repository.h"

namespace ketenpoort::workspace {

namespace {

constexpr std::string_view kColumns =
    "id, org, username, display_name, roles, password_hash, totp_secret, totp_last_step, "
    "failed_attempts, locked_until_ms, disabled, created_ms";

StaffAccount ReadAccount(const store::Statement& s) {
  StaffAccount a;
  a.id = s.ColumnInt64(0);
  a.org = s.ColumnText(1);
  a.username = s.ColumnText(2);
  a.display_name = s.ColumnText(3);
  auto roles = ParseStaffRoles(s.ColumnText(4));
  if (roles)
    a.roles = std::move(*roles);  // written by Insert from a parsed list; never unknown
  a.password_hash = s.ColumnText(5);
  a.totp_secret = s.ColumnBlob(6);
  a.totp_last_step = s.ColumnInt64(7);
  a.failed_attempts = s.ColumnInt64(8);
  a.locked_until_ms = s.ColumnInt64(9);
  a.disabled = s.ColumnInt64(10) != 0;
  a.created_ms = s.ColumnInt64(11);
  return a;
}

}  // namespace

Result<std::int64_t> StaffRepository::Insert(const StaffAccount& a) {
  KP_ASSIGN_OR_RETURN(auto found, FindByUsername(a.username));
  if (found)
    return Conflict("username_taken", "the username '" + a.username + "' is taken");
  KP_ASSIGN_OR_RETURN(store::Statement s,
                      db_.Prepare("INSERT INTO staff(org, username, display_name, roles, "
                                  "password_hash, totp_secret, disabled, created_ms) "
                                  "VALUES(?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, a.org)
      .Bind(2, a.username)
      .Bind(3, a.display_name)
      .Bind(4, StaffRolesText(a.roles))
      .Bind(5, a.password_hash)
      .BindBlob(6, a.totp_secret)
      .Bind(7, std::int64_t{a.disabled ? 1 : 0})
      .Bind(8, a.created_ms);
  KP_RETURN_IF_ERROR(s.Step());
  return db_.LastInsertRowId();
}

Result<std::optional<StaffAccount>> StaffRepository::FindWhere(std::string_view where,
                                                               std::string_view text,
                                                               std::int64_t number) {
  KP_ASSIGN_OR_RETURN(store::Statement s, db_.Prepare("SELECT " + std::string(kColumns) +
                                                      " FROM staff WHERE " + std::string(where)));
  if (text.empty())
    s.Bind(1, number);
  else
    s.Bind(1, text);
  KP_ASSIGN_OR_RETURN(auto rows, store::ReadRows(s, ReadAccount));
  if (rows.empty())
    return std::optional<StaffAccount>();
  return std::optional<StaffAccount>(std::move(rows.front()));
}

Result<std::optional<StaffAccount>> StaffRepository::FindByUsername(std::string_view username) {
  if (username.empty())
    return std::optional<StaffAccount>();
  return FindWhere("username = ?", username, 0);
}

Result<std::optional<StaffAccount>> StaffRepository::FindById(std::int64_t id) {
  return FindWhere("id = ?", "", id);
}

Result<std::vector<StaffAccount>> StaffRepository::List() {
  KP_ASSIGN_OR_RETURN(store::Statement s, db_.Prepare("SELECT " + std::string(kColumns) +
                                                      " FROM staff ORDER BY org, username"));
  return store::ReadRows(s, ReadAccount);
}

Status StaffRepository::EndSessions(std::string_view username) {
  KP_ASSIGN_OR_RETURN(store::Statement s, db_.Prepare("DELETE FROM staff_sessions WHERE staff_id = "
                                                      "(SELECT id FROM staff WHERE username = ?)"));
  s.Bind(1, username);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Result<bool> StaffRepository::SetDisabled(std::string_view username, bool disabled) {
  KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db_));
  KP_ASSIGN_OR_RETURN(store::Statement s,
                      db_.Prepare("UPDATE staff SET disabled = ? WHERE username = ?"));
  s.Bind(1, std::int64_t{disabled ? 1 : 0}).Bind(2, username);
  KP_RETURN_IF_ERROR(s.Step());
  const bool changed = db_.Changes() > 0;
  if (disabled)
    KP_RETURN_IF_ERROR(EndSessions(username));
  KP_RETURN_IF_ERROR(tx.Commit());
  return changed;
}

Result<bool> StaffRepository::ReplaceCredentials(std::string_view username,
                                                 std::string_view password_hash,
                                                 ByteView totp_secret) {
  KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db_));
  KP_ASSIGN_OR_RETURN(store::Statement s,
                      db_.Prepare("UPDATE staff SET password_hash = ?, totp_secret = ?, "
                                  "totp_last_step = 0, failed_attempts = 0, "
                                  "locked_until_ms = 0 WHERE username = ?"));
  s.Bind(1, password_hash).BindBlob(2, totp_secret).Bind(3, username);
  KP_RETURN_IF_ERROR(s.Step());
  const bool changed = db_.Changes() > 0;
  KP_RETURN_IF_ERROR(EndSessions(username));
  KP_RETURN_IF_ERROR(tx.Commit());
  return changed;
}

Status StaffRepository::RecordFailure(std::int64_t id, std::int64_t now_ms,
                                      std::int64_t max_failures, std::int64_t lock_ms) {
  KP_ASSIGN_OR_RETURN(store::Statement s,
                      db_.Prepare("UPDATE staff SET "
                                  "locked_until_ms = CASE WHEN failed_attempts + 1 >= ?1 THEN ?2 "
                                  "ELSE locked_until_ms END, "
                                  "failed_attempts = CASE WHEN failed_attempts + 1 >= ?1 THEN 0 "
                                  "ELSE failed_attempts + 1 END "
                                  "WHERE id = ?3"));
  s.Bind(1, max_failures).Bind(2, now_ms + lock_ms).Bind(3, id);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Result<bool> StaffRepository::RecordSuccess(std::int64_t id, std::int64_t step,
                                            std::int64_t now_ms) {
  KP_ASSIGN_OR_RETURN(store::Statement s,
                      db_.Prepare("UPDATE staff SET failed_attempts = 0, totp_last_step = ?1 "
                                  "WHERE id = ?2 AND disabled = 0 AND locked_until_ms <= ?3 "
                                  "AND totp_last_step < ?1"));
  s.Bind(1, step).Bind(2, id).Bind(3, now_ms);
  KP_RETURN_IF_ERROR(s.Step());
  return db_.Changes() > 0;
}

}  // namespace ketenpoort::workspace
