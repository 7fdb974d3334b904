#include "gateway/store/status_report_repository.h"

#include "gateway/crypto/encoding.h"
#include "gateway/crypto/random.h"
#include "gateway/store/periodic_queries.h"

namespace ketenpoort::store {

namespace {

constexpr std::string_view kOutgoingColumns = KP_STATUS_REPORT_OUT_COLUMNS;

// The report's columns id, message_id, recipient_org, state, code, reason, actor, set_ms,
// starting at `first`: the same in both tables.
StatusReportRecord ReadReport(const Statement& s, int first) {
  return {.id = s.ColumnText(first),
          .message_id = s.ColumnText(first + 1),
          .recipient_org = s.ColumnText(first + 2),
          .state = s.ColumnText(first + 3),
          .code = s.ColumnText(first + 4),
          .reason = s.ColumnText(first + 5),
          .actor = s.ColumnText(first + 6),
          .set_ms = s.ColumnInt64(first + 7)};
}

OutgoingStatusReport ReadOutgoing(const Statement& s) {
  OutgoingStatusReport o;
  o.seq = s.ColumnInt64(0);
  o.report = ReadReport(s, 1);
  o.peer_url = s.ColumnText(9);
  o.queue_state = s.ColumnText(10);
  o.attempts = s.ColumnInt64(11);
  o.first_attempt_ms = s.ColumnInt64(12);
  o.next_attempt_ms = s.ColumnInt64(13);
  o.last_error = s.ColumnText(14);
  o.receipt = s.ColumnText(15);
  return o;
}

}  // namespace

std::string NewReportId() {
  return "r-" + crypto::HexEncode(crypto::RandomBytes(16));
}

Status StatusReportRepository::Enqueue(const StatusReportRecord& r, std::string_view peer_url,
                                       std::int64_t now_ms) {
  KP_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("INSERT INTO status_reports_out(id, message_id, recipient_org, state, code, "
                  "reason, actor, set_ms, peer_url, queue_state, first_attempt_ms, "
                  "next_attempt_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)"));
  s.Bind(1, r.id)
      .Bind(2, r.message_id)
      .Bind(3, r.recipient_org)
      .Bind(4, r.state)
      .Bind(5, r.code)
      .Bind(6, r.reason)
      .Bind(7, r.actor)
      .Bind(8, r.set_ms)
      .Bind(9, peer_url)
      .Bind(10, now_ms)
      .Bind(11, now_ms);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Result<std::vector<OutgoingStatusReport>> StatusReportRepository::Due(std::int64_t now_ms,
                                                                      int limit) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare(sql::kStatusReportsDue));
  s.Bind(1, now_ms).Bind(2, std::int64_t{limit});
  return ReadRows(s, [](const Statement& row) { return ReadOutgoing(row); });
}

Status StatusReportRepository::Update(std::int64_t seq, std::string_view queue_state,
                                      std::int64_t attempts, std::int64_t next_attempt_ms,
                                      std::string_view last_error, std::string_view receipt) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("UPDATE status_reports_out SET queue_state = ?, attempts = ?, "
                                  "next_attempt_ms = ?, last_error = ?, receipt = NULLIF(?, '') "
                                  "WHERE seq = ?"));
  s.Bind(1, queue_state)
      .Bind(2, attempts)
      .Bind(3, next_attempt_ms)
      .Bind(4, last_error)
      .Bind(5, receipt)
      .Bind(6, seq);
  KP_RETURN_IF_ERROR(s.Step());
  if (db_.Changes() != 1)
    return NotFound("status_report_not_found", "no such status report");
  return Ok();
}

Result<std::vector<OutgoingStatusReport>> StatusReportRepository::OutgoingFor(
    std::string_view message_id) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("SELECT " + std::string(kOutgoingColumns) +
                                  " FROM status_reports_out WHERE message_id = ? ORDER BY seq"));
  s.Bind(1, message_id);
  return ReadRows(s, [](const Statement& row) { return ReadOutgoing(row); });
}

Result<std::optional<IncomingStatusReport>> StatusReportRepository::FindIncoming(
    std::string_view id) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("SELECT id, message_id, recipient_org, state, code, reason, "
                                  "actor, set_ms, gateway, signature, received_ms "
                                  "FROM status_reports_in WHERE id = ?"));
  s.Bind(1, id);
  KP_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row)
    return std::optional<IncomingStatusReport>();
  IncomingStatusReport in;
  in.report = ReadReport(s, 0);
  in.gateway = s.ColumnText(8);
  in.signature = s.ColumnBlob(9);
  in.received_ms = s.ColumnInt64(10);
  return std::optional<IncomingStatusReport>(std::move(in));
}

Status StatusReportRepository::InsertIncoming(const IncomingStatusReport& in) {
  KP_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("INSERT INTO status_reports_in(id, message_id, recipient_org, state, code, "
                  "reason, actor, set_ms, gateway, signature, received_ms) "
                  "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  const StatusReportRecord& r = in.report;
  s.Bind(1, r.id)
      .Bind(2, r.message_id)
      .Bind(3, r.recipient_org)
      .Bind(4, r.state)
      .Bind(5, r.code)
      .Bind(6, r.reason)
      .Bind(7, r.actor)
      .Bind(8, r.set_ms)
      .Bind(9, in.gateway)
      .BindBlob(10, in.signature)
      .Bind(11, in.received_ms);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

}  // namespace ketenpoort::store
