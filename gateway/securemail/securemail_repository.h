// Secure mail at rest (tables of store migration 4): the per-message settings, one row per
// recipient address with its verification state, browser sessions and the tracked events.
//
//   // (compiled in examples_test.cpp)
//   SecureMailRepository mail(db);
//   KP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
//   KP_RETURN_IF_ERROR(mail.InsertMessage(settings));
//   KP_ASSIGN_OR_RETURN(std::int64_t rid, mail.InsertRecipient(recipient));
//   KP_RETURN_IF_ERROR(mail.AddEvent(rid, "submitted", "", now));
//   KP_RETURN_IF_ERROR(tx.Commit());
//
// Contract: like message_repository.h, it decides nothing; the secure-mail service checks and
// audits. Secrets are never stored: the link token, session ids and codes only as hashes
// (SHA-256 for the random 256-bit tokens, salted PBKDF2 for codes; see securemail_codes.h).
// Not thread-safe beyond the Database's own contract; construct one per use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/store/database.h"

namespace ketenpoort::store {

struct SecureMailSettings {
  std::string message_id;
  std::string subject;
  bool show_subject = false;
  std::string lang;          // "nl" or "en"
  std::string sender_email;  // where deadline warnings go; may be empty
  std::optional<std::int64_t> deadline_warned_ms;
  std::optional<std::int64_t> expired_ms;
};

struct SecureMailRecipient {
  std::int64_t id = 0;
  std::string message_id;
  std::string email;
  std::string verification;  // email_code | access_code | sms
  std::string phone;
  Bytes access_hash;  // empty unless access_code
  Bytes token_hash;   // empty until the first notification is sent
  std::optional<std::int64_t> notify_due_ms;
  std::int64_t notify_attempts = 0;
  Bytes code_hash;  // the current one-time code; empty when none
  std::optional<std::int64_t> code_expires_ms;
  std::int64_t codes_sent = 0;
  std::int64_t failed_attempts = 0;
  bool locked = false;
};

struct SecureMailSession {
  Bytes session_hash;
  std::int64_t recipient_id = 0;
  std::string csrf;
  std::optional<std::int64_t> verified_ms;
  std::int64_t expires_ms = 0;
};

struct SecureMailEvent {
  std::int64_t recipient_id = 0;
  std::string event;
  std::string detail;
  std::int64_t time_ms = 0;
};

class SecureMailRepository {
 public:
  explicit SecureMailRepository(Database& db) : db_(db) {}

  // Also copies the message row's deadline and expiry (store migration 11), so the message
  // row must exist first: else kNotFound `message_not_found`.
  Status InsertMessage(const SecureMailSettings& s);
  Result<std::optional<SecureMailSettings>> FindMessage(std::string_view message_id);
  Status SetDeadlineWarned(std::string_view message_id, std::int64_t time_ms);
  Status SetExpired(std::string_view message_id, std::int64_t time_ms);

  // Returns the new recipient's id.
  Result<std::int64_t> InsertRecipient(const SecureMailRecipient& r);
  // Writes every mutable field of `r` (by id).
  Status UpdateRecipient(const SecureMailRecipient& r);
  Result<std::optional<SecureMailRecipient>> FindRecipient(std::int64_t id);
  Result<std::optional<SecureMailRecipient>> FindRecipientByToken(ByteView token_hash);
  Result<std::vector<SecureMailRecipient>> Recipients(std::string_view message_id);
  // Recipients whose notification is due at `now_ms`, oldest due first, at most `limit`.
  Result<std::vector<SecureMailRecipient>> DueNotifications(std::int64_t now_ms, int limit);

  // Secure-mail messages not recalled, not yet warned, whose deadline minus `warn_ms` has
  // passed at `now_ms`; and those whose expiry passed and are not yet marked expired. Both run
  // every second: their SQL is in periodic_queries.h and reads only rows not yet handled.
  Result<std::vector<std::string>> DeadlinesDue(std::int64_t now_ms, std::int64_t warn_ms);
  Result<std::vector<std::string>> ExpiriesDue(std::int64_t now_ms);

  Status AddEvent(std::int64_t recipient_id, std::string_view event, std::string_view detail,
                  std::int64_t time_ms);
  // Events of every recipient of a message, oldest first.
  Result<std::vector<SecureMailEvent>> Events(std::string_view message_id);

  Status InsertSession(const SecureMailSession& s);
  Result<std::optional<SecureMailSession>> FindSession(ByteView session_hash);
  Status DeleteSession(ByteView session_hash);
  Status DeleteSessionsOf(std::int64_t recipient_id);
  // Removes sessions that expired at or before `now_ms`; returns how many.
  Result<int> DeleteExpiredSessions(std::int64_t now_ms);

 private:
  Database& db_;
};

}  // namespace ketenpoort::store
