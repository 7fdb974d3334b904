#include "gateway/store/migrations.h"

#include <array>
#include <chrono>
#include <string>

namespace ketenpoort::store {

namespace {

// ---------------------------------------------------------------------------------------------
// The schema. Append only.

constexpr std::array<Migration, 20> kMigrations{{
    {1, "tokens", R"sql(
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  org TEXT NOT NULL,
  role TEXT NOT NULL,
  user TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql"},
    // The audit trail (gateway/audit/audit_log.h): entries with their leaf and chain hashes, the
    // append state (size, chain head, serialized CompactRange; at most one row, absent while the
    // trail is empty) and the signed tree heads.
    {2, "audit", R"sql(
CREATE TABLE audit_entries (
  seq INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  event TEXT NOT NULL,
  subject_ref TEXT NOT NULL DEFAULT '',
  user TEXT NOT NULL DEFAULT '',
  responsible_user TEXT NOT NULL DEFAULT '',
  organisation TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  object TEXT NOT NULL DEFAULT '',
  authorisation_basis TEXT NOT NULL DEFAULT '',
  break_glass INTEGER NOT NULL DEFAULT 0,
  outcome TEXT NOT NULL,
  source_address TEXT NOT NULL DEFAULT '',
  leaf_hash BLOB NOT NULL,
  chain_hash BLOB NOT NULL
);
CREATE TABLE audit_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  size INTEGER NOT NULL,
  chain_head BLOB NOT NULL,
  compact_range BLOB NOT NULL
);
CREATE TABLE audit_tree_heads (
  size INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  root BLOB NOT NULL,
  signature BLOB NOT NULL
);
)sql"},
    // Messages (gateway/store/message_repository.h): the clear-text header and the sealed
    // payload, one delivery per recipient organisation with its current state (its rowid is the
    // inbox cursor), every state a delivery went through, idempotency keys, and the outbox
    // towards peer gateways.
    {3, "messages", R"sql(
CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  sender_org TEXT NOT NULL,
  sender_user TEXT NOT NULL DEFAULT '',
  subject_ref TEXT NOT NULL DEFAULT '',
  routing TEXT NOT NULL,
  legal_basis TEXT NOT NULL DEFAULT '',
  deadline_ms INTEGER,
  expires_ms INTEGER,
  created_ms INTEGER NOT NULL,
  recalled_ms INTEGER,
  payload BLOB,
  payload_sha256 BLOB NOT NULL CHECK (length(payload_sha256) = 32)
);
CREATE TABLE deliveries (
  seq INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES messages(id),
  recipient_org TEXT NOT NULL,
  state TEXT NOT NULL,
  updated_ms INTEGER NOT NULL,
  UNIQUE (message_id, recipient_org)
);
CREATE INDEX deliveries_inbox ON deliveries(recipient_org, seq);
CREATE TABLE delivery_events (
  id INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES messages(id),
  recipient_org TEXT NOT NULL,
  state TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  actor TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX delivery_events_message ON delivery_events(message_id, id);
CREATE TABLE idempotency_keys (
  org TEXT NOT NULL,
  key TEXT NOT NULL,
  request_sha256 BLOB NOT NULL,
  message_id TEXT NOT NULL REFERENCES messages(id),
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (org, key)
);
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES messages(id),
  peer_url TEXT NOT NULL,
  recipients TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  first_attempt_ms INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  receipt TEXT,
  UNIQUE (message_id, peer_url)
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_ms);
)sql"},
    // Secure mail (gateway/securemail/securemail_repository.h): per message the subject and the
    // notification settings, per recipient address the verification (codes as salted hashes,
    // the link token as a hash), browser sessions (hashed) and every tracked event.
    {4, "securemail", R"sql(
CREATE TABLE securemail_messages (
  message_id TEXT PRIMARY KEY REFERENCES messages(id),
  subject TEXT NOT NULL DEFAULT '',
  show_subject INTEGER NOT NULL DEFAULT 0,
  lang TEXT NOT NULL,
  sender_email TEXT NOT NULL DEFAULT '',
  deadline_warned_ms INTEGER,
  expired_ms INTEGER
);
CREATE TABLE securemail_recipients (
  id INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES messages(id),
  email TEXT NOT NULL,
  verification TEXT NOT NULL,
  phone TEXT NOT NULL DEFAULT '',
  access_hash BLOB,
  token_hash BLOB UNIQUE,
  notify_due_ms INTEGER,
  notify_attempts INTEGER NOT NULL DEFAULT 0,
  code_hash BLOB,
  code_expires_ms INTEGER,
  codes_sent INTEGER NOT NULL DEFAULT 0,
  failed_attempts INTEGER NOT NULL DEFAULT 0,
  locked INTEGER NOT NULL DEFAULT 0,
  UNIQUE (message_id, email)
);
CREATE INDEX securemail_recipients_due ON securemail_recipients(notify_due_ms);
CREATE TABLE securemail_sessions (
  session_hash BLOB PRIMARY KEY,
  recipient_id INTEGER NOT NULL REFERENCES securemail_recipients(id),
  csrf TEXT NOT NULL,
  verified_ms INTEGER,
  expires_ms INTEGER NOT NULL
);
CREATE TABLE securemail_events (
  id INTEGER PRIMARY KEY,
  recipient_id INTEGER NOT NULL REFERENCES securemail_recipients(id),
  event TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  time_ms INTEGER NOT NULL
);
CREATE INDEX securemail_events_recipient ON securemail_events(recipient_id, id);
)sql"},
    // Message kinds (gateway/store/kind_repository.h): the code-list versions each message used,
    // and the deadline notices (escalations, reminders) recorded once per message and key.
    {5, "kinds", R"sql(
CREATE TABLE message_codelists (
  message_id TEXT PRIMARY KEY REFERENCES messages(id),
  versions TEXT NOT NULL
);
CREATE TABLE notices (
  id INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES messages(id),
  key TEXT NOT NULL,
  type TEXT NOT NULL,
  to_org TEXT NOT NULL,
  about_org TEXT NOT NULL DEFAULT '',
  mail_org TEXT NOT NULL DEFAULT '',
  due_ms INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  reason TEXT NOT NULL,
  mail_state TEXT NOT NULL,
  mail_error TEXT NOT NULL DEFAULT '',
  UNIQUE (message_id, key)
);
CREATE INDEX notices_to ON notices(to_org, id);
CREATE INDEX messages_created ON messages(created_ms);
)sql"},
    // Witnessing (gateway/audit/witness_store.h): the signed tree heads fetched from each peer
    // gateway, and per peer the verdict of the latest check (consistent, or a fork).
    {6, "witness", R"sql(
CREATE TABLE witnessed_heads (
  peer TEXT NOT NULL,
  size INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  root BLOB NOT NULL,
  signature BLOB NOT NULL,
  received_ms INTEGER NOT NULL,
  PRIMARY KEY (peer, size)
);
CREATE TABLE witness_state (
  peer TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  problem TEXT NOT NULL DEFAULT '',
  checked_ms INTEGER NOT NULL
);
)sql"},
    // The audit trail's perfect subtrees of 16 leaves or more, kept as appends complete them
    // (gateway/audit/audit_log.h), so that proofs read O(log^2 n) rows instead of every leaf.
    {7, "audit_subtrees", R"sql(
CREATE TABLE audit_subtrees (
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
)sql"},
    // Retention finds the payloads to purge through this partial index instead of scanning
    // (and decrypting) the whole messages table under the write lock.
    {8, "retention_index", R"sql(
CREATE INDEX messages_with_payload ON messages(kind, created_ms) WHERE payload IS NOT NULL;
)sql"},
    // Attachment ciphertexts kept as files beside the database (gateway/store/blob_store.h):
    // who uploaded each, its size, and the message that claimed it (NULL until one did).
    {9, "blobs", R"sql(
CREATE TABLE blobs (
  id TEXT PRIMARY KEY,
  org TEXT NOT NULL,
  size INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  message_id TEXT REFERENCES messages(id)
);
CREATE INDEX blobs_message ON blobs(message_id);
CREATE INDEX blobs_unclaimed ON blobs(created_ms) WHERE message_id IS NULL;
)sql"},
    // Secure-mail accounts (verification `account`): per lower-cased address the TOTP secret
    // (gateway/crypto/totp.h), when the person proved the first code, and the last time step
    // used, so that no code works twice (gateway/securemail/securemail_account_repository.h).
    {10, "securemail_accounts", R"sql(
CREATE TABLE securemail_accounts (
  email TEXT PRIMARY KEY,
  secret BLOB NOT NULL,
  enrolled_ms INTEGER,
  last_step INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL
);
)sql"},
    // The periodic workers' queries (gateway/store/periodic_queries.h) run every second under
    // the database lock, so each must find its due rows through an index instead of scanning a
    // table that grows with traffic. Secure mail keeps a copy of its message's deadline and
    // expiry (neither changes after submission) so that the expiry and deadline sweeps read
    // only the rows not yet handled, and never the messages table. A claimed upload is flagged
    // by trigger when its message's payload goes (recall, expiry, retention), so the upload
    // sweep reads only the flagged rows instead of joining every claimed upload to messages.
    {11, "periodic_indexes", R"sql(
ALTER TABLE securemail_messages ADD COLUMN deadline_ms INTEGER;
ALTER TABLE securemail_messages ADD COLUMN expires_ms INTEGER;
UPDATE securemail_messages SET
  deadline_ms = (SELECT m.deadline_ms FROM messages m WHERE m.id = securemail_messages.message_id),
  expires_ms = (SELECT m.expires_ms FROM messages m WHERE m.id = securemail_messages.message_id);
CREATE INDEX securemail_messages_expiry ON securemail_messages(expires_ms)
  WHERE expired_ms IS NULL AND expires_ms IS NOT NULL;
CREATE INDEX securemail_messages_deadline ON securemail_messages(deadline_ms)
  WHERE deadline_warned_ms IS NULL AND deadline_ms IS NOT NULL;
CREATE INDEX securemail_sessions_expiry ON securemail_sessions(expires_ms);

ALTER TABLE blobs ADD COLUMN content_gone INTEGER NOT NULL DEFAULT 0;
UPDATE blobs SET content_gone = 1
  WHERE message_id IN (SELECT id FROM messages WHERE payload IS NULL);
CREATE INDEX blobs_content_gone ON blobs(content_gone) WHERE content_gone = 1;
CREATE TRIGGER blobs_gone_with_payload AFTER UPDATE OF payload ON messages
  WHEN NEW.payload IS NULL
BEGIN
  UPDATE blobs SET content_gone = 1 WHERE message_id = NEW.id;
END;
CREATE TRIGGER blobs_claimed_after_payload AFTER UPDATE OF message_id ON blobs
  WHEN NEW.message_id IS NOT NULL
BEGIN
  UPDATE blobs SET content_gone = 1
    WHERE id = NEW.id AND (SELECT payload IS NULL FROM messages WHERE id = NEW.message_id);
END;
CREATE TRIGGER blobs_inserted_after_payload AFTER INSERT ON blobs
  WHEN NEW.message_id IS NOT NULL
BEGIN
  UPDATE blobs SET content_gone = 1
    WHERE id = NEW.id AND (SELECT payload IS NULL FROM messages WHERE id = NEW.message_id);
END;
)sql"},
    // A peer token is bound to the gateway it was issued to (gateway/auth/peer_binding.h): that
    // gateway's base URL as directory.json names it, and the SHA-256 fingerprint of the TLS
    // client certificate it must present. '' for every other role, and for peer tokens issued
    // before this migration, which are then refused until reissued.
    {12, "peer_token_binding", R"sql(
ALTER TABLE api_tokens ADD COLUMN peer_gateway_url TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN peer_cert_sha256 TEXT NOT NULL DEFAULT '';
)sql"},
    // A notice's mail is retried until sent or expired (gateway/deadlines/reminder_worker.h): how
    // many attempts failed and when the next one is due (NULL: nothing left to send). Mails
    // left pending or failed before this migration are tried again.
    {13, "notice_mail_retry", R"sql(
ALTER TABLE notices ADD COLUMN mail_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notices ADD COLUMN mail_next_ms INTEGER;
UPDATE notices SET mail_next_ms = created_ms WHERE mail_state IN ('pending', 'failed');
CREATE INDEX notices_mail_due ON notices(mail_next_ms) WHERE mail_next_ms IS NOT NULL;
)sql"},
    // A state a kind wants a coded reason for (a referral's decline: core/lifecycle.h
    // StateRule::code_list) records the code beside the free text; '' for every other event.
    {14, "delivery_event_code", R"sql(
ALTER TABLE delivery_events ADD COLUMN code TEXT NOT NULL DEFAULT '';
)sql"},
    // A message that follows up an earlier one of the same case (a re-referral after a decline):
    // the message it follows, the case's thread (the id of the first message) and the sender's
    // reason. Messages that start a case have no row.
    {15, "message_links", R"sql(
CREATE TABLE message_links (
  message_id TEXT PRIMARY KEY REFERENCES messages(id),
  follows_id TEXT NOT NULL REFERENCES messages(id),
  thread_id TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX message_links_thread ON message_links(thread_id);
)sql"},
    // Consents a client withdrew (store/consent_repository.h): the organisation, its pseudonym
    // for the client, the recipient ('' for all), why, when and who recorded it.
    {16, "consent_withdrawals", R"sql(
CREATE TABLE consent_withdrawals (
  id INTEGER PRIMARY KEY,
  org TEXT NOT NULL,
  subject_ref TEXT NOT NULL,
  recipient_org TEXT NOT NULL,
  reason TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  actor TEXT NOT NULL
);
CREATE INDEX consent_withdrawals_subject ON consent_withdrawals(org, subject_ref);
)sql"},
    // A legal basis for one recipient of a message, where it differs from the message's own
    // (messages.legal_basis): "legal_bases" in the submission.
    {17, "delivery_legal_bases", R"sql(
CREATE TABLE delivery_legal_bases (
  message_id TEXT NOT NULL REFERENCES messages(id),
  recipient_org TEXT NOT NULL,
  legal_basis TEXT NOT NULL,
  PRIMARY KEY (message_id, recipient_org)
);
)sql"},
    // A delivery's state change made on this gateway where the message's other party (its
    // sender, or the recipient) is served by a peer gateway: queued here to travel there
    // (status_reports_out, sent in seq order per delivery), and the reports peers delivered
    // here, kept once by their id with the peer's signature (status_reports_in).
    // store/status_report_repository.h.
    {18, "status_reports", R"sql(
CREATE TABLE status_reports_out (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  message_id TEXT NOT NULL REFERENCES messages(id),
  recipient_org TEXT NOT NULL,
  state TEXT NOT NULL,
  code TEXT NOT NULL,
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  set_ms INTEGER NOT NULL,
  peer_url TEXT NOT NULL,
  queue_state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  first_attempt_ms INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  receipt TEXT
);
CREATE INDEX status_reports_out_due ON status_reports_out(queue_state, next_attempt_ms);
CREATE INDEX status_reports_out_delivery
  ON status_reports_out(message_id, recipient_org, queue_state, seq);
CREATE TABLE status_reports_in (
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES messages(id),
  recipient_org TEXT NOT NULL,
  state TEXT NOT NULL,
  code TEXT NOT NULL,
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  set_ms INTEGER NOT NULL,
  gateway TEXT NOT NULL,
  signature BLOB NOT NULL,
  received_ms INTEGER NOT NULL
);
)sql"},
    // The certificate whose key signed a tree head (DER), so that heads signed before the
    // gateway's TLS certificate was renewed still verify (audit/audit_log.h). NULL for heads
    // signed before this migration: those verify with the current certificate.
    {19, "audit_head_signers", R"sql(
ALTER TABLE audit_tree_heads ADD COLUMN signer_cert BLOB;
)sql"},
    // An organisation's sent messages a page at a time (GET /v1/sent), newest or oldest first:
    // the index holds the rowid, so a page reads its own rows, not every message there is.
    {20, "messages_sender", R"sql(
CREATE INDEX messages_sender ON messages(sender_org);
)sql"},
}};

// ---------------------------------------------------------------------------------------------

constexpr bool VersionsAreConsecutive(std::span<const Migration> migrations) {
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return false;
    }
  }
  return true;
}
static_assert(VersionsAreConsecutive(kMigrations), "migration versions must be 1, 2, 3, ...");

constexpr std::string_view kCreateMigrationsTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL
);
)sql";

Error SchemaTooNew(int found, int latest) {
  return Conflict("schema_too_new", "the database has schema version " + std::to_string(found) +
                                        " but this ketenpoort knows versions up to " +
                                        std::to_string(latest) + "; upgrade ketenpoort");
}

std::int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status Apply(Database& db, const Migration& m) {
  KP_RETURN_IF_ERROR(db.Exec(kCreateMigrationsTable));
  if (auto s = db.Exec(m.sql); !s) {
    Error e = std::move(s).error();
    e.message = "schema migration " + std::to_string(m.version) + " (" + std::string(m.name) +
                ") failed: " + e.message;
    return e;
  }
  KP_ASSIGN_OR_RETURN(Statement record, db.Prepare("INSERT INTO schema_migrations(version, name, "
                                                   "applied_at) VALUES(?, ?, ?)"));
  record.Bind(1, std::int64_t{m.version}).Bind(2, m.name).Bind(3, UnixNow());
  KP_RETURN_IF_ERROR(record.Step());
  return db.Exec("PRAGMA user_version = " + std::to_string(m.version));
}

}  // namespace

std::span<const Migration> Migrations() {
  return kMigrations;
}

int LatestSchemaVersion() {
  return kMigrations.back().version;
}

Result<int> SchemaVersion(Database& db) {
  KP_ASSIGN_OR_RETURN(Statement stmt, db.Prepare("PRAGMA user_version"));
  KP_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) {
    return Internal("database_error", "PRAGMA user_version returned no row");
  }
  return static_cast<int>(stmt.ColumnInt64(0));
}

Status Migrate(Database& db) {
  return Migrate(db, kMigrations);
}

Status Migrate(Database& db, std::span<const Migration> migrations) {
  if (!VersionsAreConsecutive(migrations)) {
    return Internal("migrations_invalid", "migration versions must be 1, 2, 3, ... in order");
  }
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  KP_ASSIGN_OR_RETURN(int current, SchemaVersion(db));
  if (current > latest) {
    return SchemaTooNew(current, latest);
  }
  for (const Migration& m : migrations) {
    if (m.version <= current) {
      continue;
    }
    KP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    // Another process may have migrated while this one waited for the write lock.
    KP_ASSIGN_OR_RETURN(current, SchemaVersion(db));
    if (current > latest) {
      return SchemaTooNew(current, latest);
    }
    if (m.version <= current) {
      continue;  // ~Transaction ends the empty transaction
    }
    KP_RETURN_IF_ERROR(Apply(db, m));
    KP_RETURN_IF_ERROR(tx.Commit());
    current = m.version;
  }
  return Ok();
}

}  // namespace ketenpoort::store
