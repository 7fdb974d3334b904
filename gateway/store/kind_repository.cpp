#include "gateway/store/kind_repository.h"

#include <map>

#include "gateway/store/periodic_queries.h"

namespace ketenpoort::store {

namespace {

constexpr const char* kNoticeColumns = KP_NOTICE_COLUMNS;

NoticeRecord ReadNotice(const Statement& s) {
  NoticeRecord n;
  n.id = s.ColumnInt64(0);
  n.message_id = s.ColumnText(1);
  n.key = s.ColumnText(2);
  n.type = s.ColumnText(3);
  n.to_org = s.ColumnText(4);
  n.about_org = s.ColumnText(5);
  n.mail_org = s.ColumnText(6);
  n.due_ms = s.ColumnInt64(7);
  n.created_ms = s.ColumnInt64(8);
  n.reason = s.ColumnText(9);
  n.mail_state = s.ColumnText(10);
  n.mail_error = s.ColumnText(11);
  n.mail_attempts = s.ColumnInt64(12);
  n.mail_next_ms = s.ColumnOptionalInt64(13);
  return n;
}

Result<std::vector<NoticeRecord>> ReadNotices(Statement& s) {
  return ReadRows(s, [](const Statement& row) { return ReadNotice(row); });
}

Result<std::vector<std::string>> ReadIds(Statement& s) {
  return ReadRows(s, [](const Statement& row) { return row.ColumnText(0); });
}

}  // namespace

Status KindRepository::SetCodeLists(std::string_view message_id, std::string_view versions_json) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("INSERT OR REPLACE INTO message_codelists("
                                               "message_id, versions) VALUES(?, ?)"));
  s.Bind(1, message_id).Bind(2, versions_json);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Result<std::optional<std::string>> KindRepository::CodeLists(std::string_view message_id) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("SELECT versions FROM message_codelists WHERE message_id = ?"));
  s.Bind(1, message_id);
  KP_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row)
    return std::optional<std::string>();
  return std::optional<std::string>(s.ColumnText(0));
}

Result<bool> KindRepository::InsertNotice(NoticeRecord& n) {
  KP_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("INSERT OR IGNORE INTO notices(message_id, key, type, to_org, about_org, "
                  "mail_org, due_ms, created_ms, reason, mail_state, mail_error, mail_attempts, "
                  "mail_next_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, n.message_id)
      .Bind(2, n.key)
      .Bind(3, n.type)
      .Bind(4, n.to_org)
      .Bind(5, n.about_org)
      .Bind(6, n.mail_org)
      .Bind(7, n.due_ms)
      .Bind(8, n.created_ms)
      .Bind(9, n.reason)
      .Bind(10, n.mail_state)
      .Bind(11, n.mail_error)
      .Bind(12, n.mail_attempts)
      .Bind(13, n.mail_next_ms);
  KP_RETURN_IF_ERROR(s.Step());
  if (db_.Changes() == 0)
    return false;
  n.id = db_.LastInsertRowId();
  return true;
}

Status KindRepository::SetMailState(std::int64_t notice_id, std::string_view state,
                                    std::string_view error) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("UPDATE notices SET mail_state = ?, mail_error = ?, "
                                               "mail_next_ms = NULL WHERE id = ?"));
  s.Bind(1, state).Bind(2, error).Bind(3, notice_id);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Status KindRepository::ScheduleMailRetry(std::int64_t notice_id, std::string_view error,
                                         std::int64_t attempts, std::int64_t next_ms) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("UPDATE notices SET mail_state = 'failed', mail_error = ?, "
                                  "mail_attempts = ?, mail_next_ms = ? WHERE id = ?"));
  s.Bind(1, error).Bind(2, attempts).Bind(3, next_ms).Bind(4, notice_id);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Result<std::vector<NoticeRecord>> KindRepository::MailsDue(std::int64_t now_ms, int limit) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare(sql::kNoticeMailsDue));
  s.Bind(1, now_ms).Bind(2, std::int64_t{limit});
  return ReadNotices(s);
}

Result<std::vector<NoticeRecord>> KindRepository::NoticesFor(std::string_view message_id) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare(std::string("SELECT ") + kNoticeColumns +
                                               " FROM notices WHERE message_id = ? ORDER BY id"));
  s.Bind(1, message_id);
  return ReadNotices(s);
}

Result<std::vector<NoticeRecord>> KindRepository::NoticesTo(std::string_view org,
                                                            std::int64_t after, int limit) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare(std::string("SELECT ") + kNoticeColumns +
                                  " FROM notices WHERE to_org = ? AND id > ? ORDER BY id LIMIT ?"));
  s.Bind(1, org).Bind(2, after).Bind(3, std::int64_t{limit});
  return ReadNotices(s);
}

Result<std::vector<std::string>> KindRepository::OpenMessages(const std::vector<std::string>& kinds,
                                                              std::int64_t since_ms) {
  std::vector<std::string> out;
  for (const std::string& kind : kinds) {
    KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare(sql::kOpenMessages));
    s.Bind(1, kind).Bind(2, since_ms);
    KP_ASSIGN_OR_RETURN(auto ids, ReadIds(s));
    out.insert(out.end(), ids.begin(), ids.end());
  }
  return out;
}

Result<std::vector<ReportRow>> KindRepository::ReportRows(std::int64_t from_ms,
                                                          std::int64_t to_ms) {
  KP_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("SELECT m.id, m.kind, m.routing, m.subject_ref, "
                  "COALESCE(c.versions, '{}'), m.created_ms FROM messages m "
                  "LEFT JOIN message_codelists c ON c.message_id = m.id "
                  "WHERE m.created_ms >= ? AND m.created_ms < ? ORDER BY m.created_ms, m.id"));
  s.Bind(1, from_ms).Bind(2, to_ms);
  std::vector<ReportRow> rows;
  std::map<std::string, std::size_t> index;
  while (true) {
    KP_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row)
      break;
    ReportRow r;
    r.id = s.ColumnText(0);
    r.kind = s.ColumnText(1);
    r.routing_json = s.ColumnText(2);
    r.subject_ref = s.ColumnText(3);
    r.codelists_json = s.ColumnText(4);
    r.created_ms = s.ColumnInt64(5);
    index[r.id] = rows.size();
    rows.push_back(std::move(r));
  }
  KP_ASSIGN_OR_RETURN(Statement e,
                      db_.Prepare("SELECT DISTINCT e.message_id, e.state FROM delivery_events e "
                                  "JOIN messages m ON m.id = e.message_id "
                                  "WHERE m.created_ms >= ? AND m.created_ms < ?"));
  e.Bind(1, from_ms).Bind(2, to_ms);
  while (true) {
    KP_ASSIGN_OR_RETURN(bool row, e.Step());
    if (!row)
      break;
    auto it = index.find(e.ColumnText(0));
    if (it != index.end())
      rows[it->second].states.insert(e.ColumnText(1));
  }
  return rows;
}

}  // namespace ketenpoort::store
