#include "gateway/securemail/securemail_repository.h"

#include "gateway/store/periodic_queries.h"

namespace ketenpoort::store {

namespace {

constexpr const char* kRecipientColumns = KP_SECUREMAIL_RECIPIENT_COLUMNS;

void BindBytesOrNull(Statement& s, int index, const Bytes& b) {
  if (b.empty())
    s.BindNull(index);
  else
    s.BindBlob(index, b);
}

SecureMailRecipient ReadRecipient(const Statement& s) {
  SecureMailRecipient r;
  r.id = s.ColumnInt64(0);
  r.message_id = s.ColumnText(1);
  r.email = s.ColumnText(2);
  r.verification = s.ColumnText(3);
  r.phone = s.ColumnText(4);
  r.access_hash = s.ColumnBlob(5);
  r.token_hash = s.ColumnBlob(6);
  r.notify_due_ms = s.ColumnOptionalInt64(7);
  r.notify_attempts = s.ColumnInt64(8);
  r.code_hash = s.ColumnBlob(9);
  r.code_expires_ms = s.ColumnOptionalInt64(10);
  r.codes_sent = s.ColumnInt64(11);
  r.failed_attempts = s.ColumnInt64(12);
  r.locked = s.ColumnInt64(13) != 0;
  return r;
}

Result<std::vector<SecureMailRecipient>> ReadRecipients(Statement& s) {
  return ReadRows(s, [](const Statement& row) { return ReadRecipient(row); });
}

Result<std::vector<std::string>> ReadIds(Statement& s) {
  return ReadRows(s, [](const Statement& row) { return row.ColumnText(0); });
}

}  // namespace

Status SecureMailRepository::InsertMessage(const SecureMailSettings& m) {
  // The deadline and expiry are copied from the message row (they never change after it is
  // inserted), so that the worker's sweeps find due rows without reading messages.
  KP_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("INSERT INTO securemail_messages(message_id, subject, show_subject, lang, "
                  "sender_email, deadline_ms, expires_ms) SELECT ?1, ?2, ?3, ?4, ?5, "
                  "m.deadline_ms, m.expires_ms FROM messages m WHERE m.id = ?1"));
  s.Bind(1, m.message_id)
      .Bind(2, m.subject)
      .Bind(3, std::int64_t{m.show_subject ? 1 : 0})
      .Bind(4, m.lang)
      .Bind(5, m.sender_email);
  KP_RETURN_IF_ERROR(s.Step());
  if (db_.Changes() != 1)
    return NotFound("message_not_found", "no such message", "id");
  return Ok();
}

Result<std::optional<SecureMailSettings>> SecureMailRepository::FindMessage(
    std::string_view message_id) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("SELECT message_id, subject, show_subject, lang, sender_email, "
                                  "deadline_warned_ms, expired_ms FROM securemail_messages "
                                  "WHERE message_id = ?"));
  s.Bind(1, message_id);
  KP_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row)
    return std::optional<SecureMailSettings>();
  SecureMailSettings m;
  m.message_id = s.ColumnText(0);
  m.subject = s.ColumnText(1);
  m.show_subject = s.ColumnInt64(2) != 0;
  m.lang = s.ColumnText(3);
  m.sender_email = s.ColumnText(4);
  m.deadline_warned_ms = s.ColumnOptionalInt64(5);
  m.expired_ms = s.ColumnOptionalInt64(6);
  return std::optional<SecureMailSettings>(std::move(m));
}

Status SecureMailRepository::SetDeadlineWarned(std::string_view message_id, std::int64_t time_ms) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("UPDATE securemail_messages SET "
                                               "deadline_warned_ms = ? WHERE message_id = ?"));
  s.Bind(1, time_ms).Bind(2, message_id);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Status SecureMailRepository::SetExpired(std::string_view message_id, std::int64_t time_ms) {
  KP_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("UPDATE securemail_messages SET expired_ms = ? WHERE message_id = ?"));
  s.Bind(1, time_ms).Bind(2, message_id);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Result<std::int64_t> SecureMailRepository::InsertRecipient(const SecureMailRecipient& r) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("INSERT INTO securemail_recipients(message_id, "
                                               "email, verification, phone, access_hash, "
                                               "notify_due_ms) VALUES(?, ?, ?, ?, ?, ?)"));
  s.Bind(1, r.message_id).Bind(2, r.email).Bind(3, r.verification).Bind(4, r.phone);
  BindBytesOrNull(s, 5, r.access_hash);
  s.Bind(6, r.notify_due_ms);
  KP_RETURN_IF_ERROR(s.Step());
  return db_.LastInsertRowId();
}

Status SecureMailRepository::UpdateRecipient(const SecureMailRecipient& r) {
  KP_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("UPDATE securemail_recipients SET verification = ?, phone = ?, access_hash = ?, "
                  "token_hash = ?, notify_due_ms = ?, notify_attempts = ?, code_hash = ?, "
                  "code_expires_ms = ?, codes_sent = ?, failed_attempts = ?, locked = ? "
                  "WHERE id = ?"));
  s.Bind(1, r.verification).Bind(2, r.phone);
  BindBytesOrNull(s, 3, r.access_hash);
  BindBytesOrNull(s, 4, r.token_hash);
  s.Bind(5, r.notify_due_ms);
  s.Bind(6, r.notify_attempts);
  BindBytesOrNull(s, 7, r.code_hash);
  s.Bind(8, r.code_expires_ms);
  s.Bind(9, r.codes_sent).Bind(10, r.failed_attempts).Bind(11, std::int64_t{r.locked ? 1 : 0});
  s.Bind(12, r.id);
  KP_RETURN_IF_ERROR(s.Step());
  if (db_.Changes() != 1)
    return NotFound("recipient_not_found", "no such secure-mail recipient");
  return Ok();
}

Result<std::optional<SecureMailRecipient>> SecureMailRepository::FindRecipient(std::int64_t id) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare(std::string("SELECT ") + kRecipientColumns +
                                               " FROM securemail_recipients WHERE id = ?"));
  s.Bind(1, id);
  KP_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row)
    return std::optional<SecureMailRecipient>();
  return std::optional<SecureMailRecipient>(ReadRecipient(s));
}

Result<std::optional<SecureMailRecipient>> SecureMailRepository::FindRecipientByToken(
    ByteView token_hash) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare(std::string("SELECT ") + kRecipientColumns +
                                               " FROM securemail_recipients WHERE token_hash = ?"));
  s.BindBlob(1, token_hash);
  KP_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row)
    return std::optional<SecureMailRecipient>();
  return std::optional<SecureMailRecipient>(ReadRecipient(s));
}

Result<std::vector<SecureMailRecipient>> SecureMailRepository::Recipients(
    std::string_view message_id) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare(std::string("SELECT ") + kRecipientColumns +
                                  " FROM securemail_recipients WHERE message_id = ? ORDER BY id"));
  s.Bind(1, message_id);
  return ReadRecipients(s);
}

Result<std::vector<SecureMailRecipient>> SecureMailRepository::DueNotifications(std::int64_t now_ms,
                                                                                int limit) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare(sql::kSecureMailDueNotifications));
  s.Bind(1, now_ms).Bind(2, std::int64_t{limit});
  return ReadRecipients(s);
}

Result<std::vector<std::string>> SecureMailRepository::DeadlinesDue(std::int64_t now_ms,
                                                                    std::int64_t warn_ms) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare(sql::kSecureMailDeadlinesDue));
  s.Bind(1, now_ms).Bind(2, warn_ms);
  return ReadIds(s);
}

Result<std::vector<std::string>> SecureMailRepository::ExpiriesDue(std::int64_t now_ms) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare(sql::kSecureMailExpiriesDue));
  s.Bind(1, now_ms);
  return ReadIds(s);
}

Status SecureMailRepository::AddEvent(std::int64_t recipient_id, std::string_view event,
                                      std::string_view detail, std::int64_t time_ms) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("INSERT INTO securemail_events(recipient_id, "
                                               "event, detail, time_ms) VALUES(?, ?, ?, ?)"));
  s.Bind(1, recipient_id).Bind(2, event).Bind(3, detail).Bind(4, time_ms);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Result<std::vector<SecureMailEvent>> SecureMailRepository::Events(std::string_view message_id) {
  KP_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("SELECT e.recipient_id, e.event, e.detail, e.time_ms FROM securemail_events e "
                  "JOIN securemail_recipients r ON r.id = e.recipient_id WHERE r.message_id = ? "
                  "ORDER BY e.id"));
  s.Bind(1, message_id);
  std::vector<SecureMailEvent> out;
  while (true) {
    KP_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row)
      break;
    out.push_back({s.ColumnInt64(0), s.ColumnText(1), s.ColumnText(2), s.ColumnInt64(3)});
  }
  return out;
}

Status SecureMailRepository::InsertSession(const SecureMailSession& x) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("INSERT INTO securemail_sessions(session_hash, "
                                               "recipient_id, csrf, verified_ms, expires_ms) "
                                               "VALUES(?, ?, ?, ?, ?)"));
  s.BindBlob(1, x.session_hash).Bind(2, x.recipient_id).Bind(3, x.csrf);
  s.Bind(4, x.verified_ms);
  s.Bind(5, x.expires_ms);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Result<std::optional<SecureMailSession>> SecureMailRepository::FindSession(ByteView hash) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("SELECT session_hash, recipient_id, csrf, verified_ms, "
                                  "expires_ms FROM securemail_sessions WHERE session_hash = ?"));
  s.BindBlob(1, hash);
  KP_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row)
    return std::optional<SecureMailSession>();
  SecureMailSession x;
  x.session_hash = s.ColumnBlob(0);
  x.recipient_id = s.ColumnInt64(1);
  x.csrf = s.ColumnText(2);
  x.verified_ms = s.ColumnOptionalInt64(3);
  x.expires_ms = s.ColumnInt64(4);
  return std::optional<SecureMailSession>(std::move(x));
}

Status SecureMailRepository::DeleteSession(ByteView hash) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("DELETE FROM securemail_sessions WHERE session_hash = ?"));
  s.BindBlob(1, hash);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Status SecureMailRepository::DeleteSessionsOf(std::int64_t recipient_id) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("DELETE FROM securemail_sessions WHERE recipient_id = ?"));
  s.Bind(1, recipient_id);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Result<int> SecureMailRepository::DeleteExpiredSessions(std::int64_t now_ms) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare(sql::kSecureMailDeleteExpiredSessions));
  s.Bind(1, now_ms);
  KP_RETURN_IF_ERROR(s.Step());
  return db_.Changes();
}

}  // namespace ketenpoort::store
