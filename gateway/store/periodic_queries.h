// The SQL with which the daemon's periodic workers find their due work: the secure-mail worker
// (every second), the upload sweep (with it), the outbox worker, the reminder worker (its notices'
// mails) and retention; and the gauges every scrape of GET /metrics reads. Each runs under the
// database lock while submissions wait, so each must reach its rows through an index, never by
// scanning a table that grows with traffic (store migration 11 adds the indexes). The repositories
// run exactly these strings, and periodic_queries_test.cpp checks each one's EXPLAIN QUERY PLAN on
// a migrated database, so a query edited into a scan fails the build's tests instead of stalling a
// busy gateway.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(Statement s, db.Prepare(sql::kSecureMailExpiriesDue));
//   s.Bind(1, now_ms);
//
//   for (const sql::PeriodicQuery& q : sql::kPeriodicQueries)   // in the test
//     ExpectNoScanOfGrowingTable(db, q.sql);
//
// Contract: the per-item statements that follow a due query (find, update, delete one row by
// its key) use primary keys or unique indexes and are not listed here.
#pragma once

#include <array>
#include <string_view>

// Column lists shared by a periodic query and the repository's other reads of the same rows.
#define KP_SECUREMAIL_RECIPIENT_COLUMNS                                                  \
  "id, message_id, email, verification, phone, access_hash, token_hash, notify_due_ms, " \
  "notify_attempts, code_hash, code_expires_ms, codes_sent, failed_attempts, locked"
#define KP_MESSAGE_COLUMNS                                                               \
  "m.id, m.kind, m.sender_org, m.sender_user, m.subject_ref, m.routing, m.legal_basis, " \
  "m.deadline_ms, m.expires_ms, m.created_ms, m.recalled_ms, m.payload_sha256"
#define KP_OUTBOX_COLUMNS                                                                      \
  "id, message_id, peer_url, recipients, state, attempts, first_attempt_ms, next_attempt_ms, " \
  "last_error, COALESCE(receipt, '')"
#define KP_STATUS_REPORT_OUT_COLUMNS                                                   \
  "seq, id, message_id, recipient_org, state, code, reason, actor, set_ms, peer_url, " \
  "queue_state, attempts, first_attempt_ms, next_attempt_ms, last_error, COALESCE(receipt, '')"
#define KP_NOTICE_COLUMNS                                                                \
  "id, message_id, key, type, to_org, about_org, mail_org, due_ms, created_ms, reason, " \
  "mail_state, mail_error, mail_attempts, mail_next_ms"

namespace ketenpoort::store::sql {

// SecureMailRepository::DueNotifications: ?1 now_ms, ?2 limit.
inline constexpr std::string_view kSecureMailDueNotifications =
    "SELECT " KP_SECUREMAIL_RECIPIENT_COLUMNS
    " FROM securemail_recipients WHERE notify_due_ms <= ?1 ORDER BY notify_due_ms, id LIMIT ?2";

// SecureMailRepository::DeadlinesDue: ?1 now_ms, ?2 warn_ms. Starts from the few secure-mail
// messages not yet warned (their own copy of the deadline) and only then looks at messages.
inline constexpr std::string_view kSecureMailDeadlinesDue =
    "SELECT sm.message_id FROM securemail_messages sm JOIN messages m ON m.id = sm.message_id "
    "WHERE sm.deadline_warned_ms IS NULL AND sm.deadline_ms IS NOT NULL AND "
    "sm.deadline_ms <= ?1 + ?2 AND m.recalled_ms IS NULL ORDER BY sm.deadline_ms";

// SecureMailRepository::ExpiriesDue: ?1 now_ms. Reads only secure-mail rows not yet expired.
inline constexpr std::string_view kSecureMailExpiriesDue =
    "SELECT message_id FROM securemail_messages WHERE expired_ms IS NULL AND "
    "expires_ms IS NOT NULL AND expires_ms <= ?1";

// SecureMailRepository::DeleteExpiredSessions: ?1 now_ms.
inline constexpr std::string_view kSecureMailDeleteExpiredSessions =
    "DELETE FROM securemail_sessions WHERE expires_ms <= ?1";

// BlobRepository::Disposable: ?1 unclaimed_before_ms, ?2 limit. `content_gone` is kept by the
// triggers of store migration 11: set when the claiming message's payload is NULL.
inline constexpr std::string_view kBlobsDisposable =
    "SELECT id FROM blobs WHERE message_id IS NULL AND created_ms < ?1 "
    "UNION SELECT id FROM blobs WHERE content_gone = 1 LIMIT ?2";

// MessageRepository::DueOutbox: ?1 now_ms, ?2 limit.
inline constexpr std::string_view kOutboxDue =
    "SELECT " KP_OUTBOX_COLUMNS
    " FROM outbox WHERE state = 'pending' AND next_attempt_ms <= ?1 ORDER BY next_attempt_ms, id "
    "LIMIT ?2";

// MessageRepository::KindsWithPayloads: no parameters. The distinct kinds one index seek each
// (a skip scan), not a walk over every message that still has its payload.
inline constexpr std::string_view kKindsWithPayloads =
    "WITH RECURSIVE k(kind) AS (SELECT MIN(kind) FROM messages WHERE payload IS NOT NULL "
    "UNION ALL SELECT (SELECT MIN(kind) FROM messages WHERE payload IS NOT NULL AND "
    "kind > k.kind) FROM k WHERE k.kind IS NOT NULL) SELECT kind FROM k WHERE kind IS NOT NULL";

// MessageRepository::PayloadsCreatedBefore: ?1 kind, ?2 before_ms, ?3 limit.
inline constexpr std::string_view kPayloadsCreatedBefore =
    "SELECT " KP_MESSAGE_COLUMNS
    " FROM messages m WHERE m.kind = ?1 AND m.created_ms < ?2 AND m.payload IS NOT NULL "
    "ORDER BY m.created_ms LIMIT ?3";

// KindRepository::OpenMessages, once per kind with a deadline rule: ?1 kind, ?2 since_ms.
inline constexpr std::string_view kOpenMessages =
    "SELECT id FROM messages WHERE kind = ?1 AND created_ms >= ?2 AND recalled_ms IS NULL "
    "ORDER BY created_ms, id";

// KindRepository::MailsDue: ?1 now_ms, ?2 limit. Only notices with a mail still to send have
// a mail_next_ms (store migration 13), and only those are in its partial index.
inline constexpr std::string_view kNoticeMailsDue =
    "SELECT " KP_NOTICE_COLUMNS
    " FROM notices WHERE mail_next_ms IS NOT NULL AND mail_next_ms <= ?1 "
    "ORDER BY mail_next_ms, id LIMIT ?2";

// StatusReportRepository::Due: ?1 now_ms, ?2 limit. A report waits while an earlier one of its
// delivery is pending (the index on message, recipient, state and seq answers that).
inline constexpr std::string_view kStatusReportsDue =
    "SELECT " KP_STATUS_REPORT_OUT_COLUMNS
    " FROM status_reports_out r WHERE queue_state = 'pending' AND next_attempt_ms <= ?1 "
    "AND NOT EXISTS (SELECT 1 FROM status_reports_out e WHERE e.message_id = r.message_id "
    "AND e.recipient_org = r.recipient_org AND e.queue_state = 'pending' AND e.seq < r.seq) "
    "ORDER BY next_attempt_ms, seq LIMIT ?2";

// The gauges of GET /metrics (store/operational_gauges.h), read at every scrape. Queues are
// counted through their state indexes, so a scrape costs the items waiting, never the history.
inline constexpr std::string_view kGaugeOutboxPending =
    "SELECT count(*), min(first_attempt_ms) FROM outbox WHERE state = 'pending'";
inline constexpr std::string_view kGaugeStatusReportsPending =
    "SELECT count(*), min(first_attempt_ms) FROM status_reports_out WHERE queue_state = 'pending'";
// Times are never negative: the range lets SQLite search the partial index notices_mail_due
// (only notices with a mail to send) instead of walking it, which reads the same rows.
inline constexpr std::string_view kGaugeNoticeMailsPending =
    "SELECT count(*) FROM notices WHERE mail_next_ms IS NOT NULL AND mail_next_ms >= 0";
inline constexpr std::string_view kGaugeAuditSize = "SELECT size FROM audit_state WHERE id = 1";
inline constexpr std::string_view kGaugeLastSignedHead =
    "SELECT size, time_ms FROM audit_tree_heads WHERE size = (SELECT max(size) FROM "
    "audit_tree_heads)";
inline constexpr std::string_view kGaugeWitnessStates =
    "SELECT peer, status, checked_ms FROM witness_state ORDER BY peer";

struct PeriodicQuery {
  std::string_view name;
  std::string_view sql;
};

inline constexpr std::array<PeriodicQuery, 17> kPeriodicQueries{{
    {"SecureMailRepository::DueNotifications", kSecureMailDueNotifications},
    {"SecureMailRepository::DeadlinesDue", kSecureMailDeadlinesDue},
    {"SecureMailRepository::ExpiriesDue", kSecureMailExpiriesDue},
    {"SecureMailRepository::DeleteExpiredSessions", kSecureMailDeleteExpiredSessions},
    {"BlobRepository::Disposable", kBlobsDisposable},
    {"MessageRepository::DueOutbox", kOutboxDue},
    {"StatusReportRepository::Due", kStatusReportsDue},
    {"MessageRepository::KindsWithPayloads", kKindsWithPayloads},
    {"MessageRepository::PayloadsCreatedBefore", kPayloadsCreatedBefore},
    {"KindRepository::OpenMessages", kOpenMessages},
    {"KindRepository::MailsDue", kNoticeMailsDue},
    {"ReadOperationalGauges: outbox", kGaugeOutboxPending},
    {"ReadOperationalGauges: status reports", kGaugeStatusReportsPending},
    {"ReadOperationalGauges: notice mails", kGaugeNoticeMailsPending},
    {"ReadOperationalGauges: audit size", kGaugeAuditSize},
    {"ReadOperationalGauges: last signed head", kGaugeLastSignedHead},
    {"ReadOperationalGauges: witness", kGaugeWitnessStates},
}};

}  // namespace ketenpoort::store::sql
