#include "gateway/workspace/staff_sessions.h"

#include "gateway/crypto/hash.h"
#include "gateway/crypto/random.h"
#include "gateway/workspace/staff_repository.h"

namespace ketenpoort::workspace {

namespace {

constexpr std::size_t kTokenBytes = 32;

crypto::Digest TokenHash(std::string_view token) {
  return crypto::Sha256(AsBytes(token));
}

}  // namespace

Result<NewSession> StaffSessions::Create(std::int64_t staff_id, std::int64_t now_ms) {
  NewSession s{crypto::RandomToken(kTokenBytes), crypto::RandomToken(kTokenBytes)};
  const crypto::Digest hash = TokenHash(s.token);
  KP_ASSIGN_OR_RETURN(store::Statement insert,
                      db_.Prepare("INSERT INTO staff_sessions(token_hash, staff_id, csrf, "
                                  "created_ms, last_seen_ms) VALUES(?, ?, ?, ?, ?)"));
  insert.BindBlob(1, hash).Bind(2, staff_id).Bind(3, s.csrf).Bind(4, now_ms).Bind(5, now_ms);
  KP_RETURN_IF_ERROR(insert.Step());
  return s;
}

Result<std::optional<ActiveSession>> StaffSessions::Touch(std::string_view token,
                                                          std::int64_t now_ms,
                                                          std::int64_t idle_ms) {
  if (token.empty())
    return std::optional<ActiveSession>();
  const crypto::Digest hash = TokenHash(token);
  KP_ASSIGN_OR_RETURN(store::Statement find,
                      db_.Prepare("SELECT staff_id, csrf, last_seen_ms FROM staff_sessions "
                                  "WHERE token_hash = ?"));
  find.BindBlob(1, hash);
  KP_ASSIGN_OR_RETURN(bool found, find.Step());
  if (!found)
    return std::optional<ActiveSession>();
  const std::int64_t staff_id = find.ColumnInt64(0);
  ActiveSession session;
  session.csrf = find.ColumnText(1);
  const std::int64_t last_seen_ms = find.ColumnInt64(2);
  find.Reset();
  KP_ASSIGN_OR_RETURN(std::optional<StaffAccount> account, StaffRepository(db_).FindById(staff_id));
  if (now_ms - last_seen_ms > idle_ms || !account || account->disabled) {
    KP_RETURN_IF_ERROR(End(token));
    return std::optional<ActiveSession>();
  }
  KP_ASSIGN_OR_RETURN(
      store::Statement touch,
      db_.Prepare("UPDATE staff_sessions SET last_seen_ms = ? WHERE token_hash = ?"));
  touch.Bind(1, now_ms).BindBlob(2, hash);
  KP_RETURN_IF_ERROR(touch.Step());
  session.account = std::move(*account);
  return std::optional<ActiveSession>(std::move(session));
}

Status StaffSessions::End(std::string_view token) {
  const crypto::Digest hash = TokenHash(token);
  KP_ASSIGN_OR_RETURN(store::Statement s,
                      db_.Prepare("DELETE FROM staff_sessions WHERE token_hash = ?"));
  s.BindBlob(1, hash);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Result<int> StaffSessions::EndIdle(std::int64_t now_ms, std::int64_t idle_ms) {
  KP_ASSIGN_OR_RETURN(store::Statement s,
                      db_.Prepare("DELETE FROM staff_sessions WHERE last_seen_ms < ?"));
  s.Bind(1, now_ms - idle_ms);
  KP_RETURN_IF_ERROR(s.Step());
  return db_.Changes();
}

}  // namespace ketenpoort::workspace
