// What the secure-mail service answers (securemail_service.h), as types, and their JSON: the
// API's documents (docs/API.md) for an upload, a secure mail's tracking, a re-send and a portal
// recipient's reply file. A submission and a reply answer messages/message_results.h's
// Accepted. The routes (server/securemail_routes.cpp, server/message_routes.cpp) render a result
// with ToJson; nothing else builds these documents, so their form is decided here.
//
//   // (compiled in examples_test.cpp)
//   UploadAccepted u{.attachment_id = "b-0f3c...", .size = 10, .expires_ms = now_ms};
//   ToJson(u)     // {"attachment_id":"b-0f3c...","expires":"2026-11-23T00:00:00.000Z","size":10}
//   ToJson(Resent{.id = "m-5f0c", .recipients = {"a@example.org"}})
//                 // {"id":"m-5f0c","recipients":["a@example.org"],"status":"resent"}
//   SecureMailTracking t{.id = "m-5f0c"};
//   t.recipients.push_back({.email = "a@example.org", .verification = "email_code",
//                           .state = "notified", .notified_ms = now_ms});
//   ToJson(t)     // {"deadline":null,"expired":false,...,"kind":"securemail",...}
//
// Contract of the JSON: keys as listed per type below (objects with sorted keys, as
// nlohmann::json writes them); times as RFC 3339 UTC with milliseconds (audit/time_format.h);
// digests as lowercase hex, DER as base64. Optional times that are not set are null; other
// optional members that are empty are left out. Every member has an initialiser, so designated
// initialisers may leave any out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/bytes.h"

namespace ketenpoort::server {

// 201 to POST /v1/attachments: {"attachment_id", "size", "expires"}, the time the upload is
// deleted unless a submission claimed it by then.
struct UploadAccepted {
  std::string attachment_id{};
  std::uint64_t size = 0;  // bytes of ciphertext
  std::int64_t expires_ms = 0;
};
nlohmann::json ToJson(const UploadAccepted& upload);

// 201 to POST /m/{token}/files: {"attachment_id", "size", "sha256", "envelope"}, what the reply
// then lists beside "name" and "type" (securemail_document.h).
struct ReplyUploaded {
  std::string attachment_id{};
  std::uint64_t size = 0;  // bytes of plaintext
  Bytes sha256{};          // of the plaintext: hex
  Bytes envelope_der{};    // the detached envelope (crypto/detached_envelope.h): base64
};
nlohmann::json ToJson(const ReplyUploaded& upload);

// 200 to POST /v1/messages/{id}/resend: {"id", "status": "resent", "recipients"}, the addresses
// sent to again.
struct Resent {
  std::string id{};
  std::vector<std::string> recipients{};
};
nlohmann::json ToJson(const Resent& resent);

// GET /v1/messages/{id}/tracking of a secure mail: {"id", "kind": "securemail", "deadline",
// "expires", "recalled" (times or null), "expired", "show_subject", "warnings": [{"email",
// "time", "reason"}], "recipients": [{"email", "verification", "state", "notified", "verified",
// "opened", "replied" (the first time of each, or null), "locked", "failed_attempts",
// "downloads": [{"file", "time", "how": "download"|"preview"}], "events": [{"event", "time",
// "detail"?}]}]}.
struct SecureMailTracking {
  // A deadline warning the sender was sent about a recipient.
  struct Warning {
    std::string email{};
    std::int64_t time_ms = 0;
    std::string reason{};  // "not_opened"
  };
  struct Download {
    std::string file{};  // the attachment's name
    std::int64_t time_ms = 0;
    bool preview = false;  // shown in the page rather than saved
  };
  struct Event {
    std::string event{};  // "submitted", "notified", "verified", "opened", "locked", ...
    std::int64_t time_ms = 0;
    std::string detail{};  // "" for none: left out
  };
  struct Recipient {
    std::string email{};
    std::string verification{};
    std::string state{};  // "pending", "notified", ..., "resent", "locked"
    std::optional<std::int64_t> notified_ms{};
    std::optional<std::int64_t> verified_ms{};
    std::optional<std::int64_t> opened_ms{};
    std::optional<std::int64_t> replied_ms{};
    bool locked = false;
    std::int64_t failed_attempts = 0;
    std::vector<Download> downloads{};
    std::vector<Event> events{};
  };
  std::string id{};
  std::optional<std::int64_t> deadline_ms{};
  std::optional<std::int64_t> expires_ms{};
  std::optional<std::int64_t> recalled_ms{};
  bool expired = false;
  bool show_subject = false;
  std::vector<Warning> warnings{};
  std::vector<Recipient> recipients{};
};
nlohmann::json ToJson(const SecureMailTracking& tracking);

}  // namespace ketenpoort::server
