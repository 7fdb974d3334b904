// What the message service answers (message_service.h), as types, and their JSON: the documents
// of the message API in docs/API.md. The routes (server/message_routes.cpp) render a result with
// ToJson; nothing else builds these documents, so their form is decided here.
//
//   // (compiled in examples_test.cpp)
//   Accepted a{.id = "m-5f0c", .recipients = {"comensha"}};
//   ToJson(a)     // {"id":"m-5f0c","recipients":["comensha"],"status":"accepted"}
//   StatusChanged c{.id = "m-5f0c", .org = "comensha", .state = "assessed", .time_ms = now_ms};
//   ToJson(c)     // {"id":"m-5f0c","org":"comensha","state":"assessed","time":"2026-11-23T..."}
//   ToJson(Recalled{.id = "m-5f0c"})   // {"id":"m-5f0c","status":"recalled"}
//
// Contract of the JSON: keys as listed per type below (objects with sorted keys, as
// nlohmann::json writes them); times as RFC 3339 UTC with milliseconds (audit/time_format.h);
// a message's header as messages/federation_message.h writes it (HeaderToJson, or ToJson with
// the payload); cursors as decimal strings. Optional members that are empty are left out, except
// where a null is listed. Every member has an initialiser, so designated initialisers may leave
// any out.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/code_lists.h"
#include "gateway/messages/federation_message.h"

namespace ketenpoort::server {

// 202 to POST /v1/messages: {"id", "status": "accepted", "recipients"}.
struct Accepted {
  std::string id{};
  std::vector<std::string> recipients{};  // organisation ids (secure mail: addresses)
};
nlohmann::json ToJson(const Accepted& accepted);

// One delivery of GET /v1/inbox: the header plus {"recalled", "state", "expired", "cursor"}.
struct InboxEntry {
  delivery::FederationMessage header{};  // without its payload
  bool recalled = false;
  std::string state{};  // the caller's delivery
  bool expired = false;
  std::int64_t cursor = 0;  // the delivery's sequence number
};
// GET /v1/inbox: {"messages": [InboxEntry...], "next": "CURSOR"}.
struct InboxPage {
  std::vector<InboxEntry> messages{};
  std::int64_t next = 0;  // the last entry's cursor; the `after` asked for when there is none
};
nlohmann::json ToJson(const InboxPage& page);

// One message of GET /v1/sent: the header plus {"recalled", "expired", "states", "cursor"}.
struct SentEntry {
  delivery::FederationMessage header{};  // without its payload
  bool recalled = false;
  bool expired = false;
  std::map<std::string, std::string> states{};  // each recipient's delivery: {org: state}
  std::int64_t cursor = 0;                      // the message's place in the sent list
};
// GET /v1/sent: {"messages": [SentEntry...], "next": "CURSOR"}, paged like the inbox.
struct SentPage {
  std::vector<SentEntry> messages{};
  std::int64_t next = 0;  // the last entry's cursor; the `after` asked for when there is none
};
nlohmann::json ToJson(const SentPage& page);

// GET /v1/messages/{id}: the header with "payload", {"recalled", "codelists"}, and "state" (the
// caller's delivery, for a recipient) and "states" ({org: state}, for the sender) when set.
// A follow-up's place in its case (a re-referral after a decline): the message it follows and
// the case's first message. Sender and recipients see it; the reason is the sender's alone.
struct FollowUpLink {
  std::string follows{};
  std::string thread{};
  std::string reason{};  // tracking only
};

struct MessageView {
  delivery::FederationMessage message{};  // with its payload
  bool recalled = false;
  std::optional<std::string> state{};
  std::optional<std::map<std::string, std::string>> states{};
  CodeListVersions codelists{};        // the version of every code list the message used
  std::optional<FollowUpLink> link{};  // a follow-up's: "follows" and "thread" (reason left out)
};
nlohmann::json ToJson(const MessageView& view);

// 200 to POST /v1/messages/{id}/status: {"id", "org", "state", "time"}, and "recipients" when the
// state moved every delivery of the message (a kind of LifecycleScope::kMessage).
struct StatusChanged {
  std::string id{};
  std::string org{};  // the organisation that set it
  std::string state{};
  std::optional<std::vector<std::string>> recipients{};
  std::int64_t time_ms = 0;
};
nlohmann::json ToJson(const StatusChanged& changed);

// GET /v1/messages/{id}/tracking: {"id", "kind", "legal_basis", "codelists", "deadline" (the
// header's, time or null), "recalled" (time or null), "recipients": [{"org", "state",
// "legal_basis", "events": [{"state", "time", "by", "reason"?, "code"?}], "transfer"?: {"gateway",
// "state", "attempts", "last_error", "receipt"?}}], "notices": [{"type", "to", "about", "due",
// "time", "reason", "mail"}]}.
struct MessageTracking {
  struct Event {
    std::string state{};
    std::int64_t time_ms = 0;
    std::string by{};      // "org/user", "org" or "gateway"
    std::string reason{};  // "" for none: left out
    std::string code{};    // the reason's code (a decline's); "" for none: left out
  };
  // A recipient at a peer gateway: the outbox's item that carries the message there.
  struct Transfer {
    std::string gateway{};  // the peer's URL
    std::string state{};    // "pending", "delivered", "dead", "recalled"
    std::int64_t attempts = 0;
    std::string last_error{};
    // The peer's signed receipt (federation/receipt.h) as the outbox recorded it, JSON text;
    // "" (or text that does not parse) leaves "receipt" out.
    std::string receipt{};
  };
  struct Recipient {
    std::string org{};
    std::string state{};
    std::string legal_basis{};  // the basis of this hand-off
    std::vector<Event> events{};
    std::optional<Transfer> transfer{};
  };
  // An escalation or reminder the deadline rules recorded (deadlines/reminder_worker.h).
  struct Notice {
    std::string type{};
    std::string to{};
    std::string about{};
    std::int64_t due_ms = 0;
    std::int64_t time_ms = 0;
    std::string reason{};
    std::string mail{};  // the state of its mail
  };
  std::string id{};
  std::string kind{};
  std::string legal_basis{};
  CodeListVersions codelists{};
  std::optional<std::int64_t> deadline_ms{};  // null when the message has none
  std::optional<std::int64_t> recalled_ms{};  // null when not recalled
  std::vector<Recipient> recipients{};
  std::vector<Notice> notices{};
  // A follow-up's "follows", "thread" and "follow_reason"; and for every message of a case
  // with follow-ups, "thread_messages": the case's messages in order, first one first.
  std::optional<FollowUpLink> link{};
  std::vector<std::string> thread_messages{};
};
nlohmann::json ToJson(const MessageTracking& tracking);

// 200 to POST /v1/consents/withdraw: {"subject_ref", "recipient" (null: every recipient),
// "time"}.
struct ConsentWithdrawn {
  std::string subject_ref{};
  std::string recipient{};
  std::int64_t time_ms = 0;
};
nlohmann::json ToJson(const ConsentWithdrawn& withdrawn);

// 200 to POST /v1/messages/{id}/recall: {"id", "status": "recalled"}.
struct Recalled {
  std::string id{};
};
nlohmann::json ToJson(const Recalled& recalled);

}  // namespace ketenpoort::server
