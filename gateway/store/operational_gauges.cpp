#include "gateway/store/operational_gauges.h"

#include "gateway/store/periodic_queries.h"

namespace ketenpoort::store {

namespace {

Result<QueueGauge> ReadQueue(Database& db, std::string_view sql) {
  KP_ASSIGN_OR_RETURN(StatementLease s, db.PrepareCached(sql));
  KP_ASSIGN_OR_RETURN(bool row, s->Step());
  QueueGauge q;
  if (row) {
    q.pending = s->ColumnInt64(0);
    q.oldest_first_attempt_ms = s->ColumnOptionalInt64(1);
  }
  return q;
}

}  // namespace

Result<OperationalGauges> ReadOperationalGauges(Database& db) {
  OperationalGauges g;
  KP_ASSIGN_OR_RETURN(g.outbox, ReadQueue(db, sql::kGaugeOutboxPending));
  KP_ASSIGN_OR_RETURN(g.status_reports, ReadQueue(db, sql::kGaugeStatusReportsPending));
  {
    KP_ASSIGN_OR_RETURN(StatementLease s, db.PrepareCached(sql::kGaugeNoticeMailsPending));
    KP_ASSIGN_OR_RETURN(bool row, s->Step());
    if (row)
      g.notice_mails_pending = s->ColumnInt64(0);
  }
  {
    KP_ASSIGN_OR_RETURN(StatementLease s, db.PrepareCached(sql::kGaugeAuditSize));
    KP_ASSIGN_OR_RETURN(bool row, s->Step());
    if (row)
      g.audit_entries = s->ColumnInt64(0);
  }
  {
    KP_ASSIGN_OR_RETURN(StatementLease s, db.PrepareCached(sql::kGaugeLastSignedHead));
    KP_ASSIGN_OR_RETURN(bool row, s->Step());
    if (row) {
      g.signed_head_size = s->ColumnInt64(0);
      g.signed_head_time_ms = s->ColumnInt64(1);
    }
  }
  KP_ASSIGN_OR_RETURN(StatementLease s, db.PrepareCached(sql::kGaugeWitnessStates));
  for (;;) {
    KP_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row)
      break;
    g.witnesses.push_back({s->ColumnText(0), s->ColumnText(1), s->ColumnInt64(2)});
  }
  return g;
}

}  // namespace ketenpoort::store
