// Messages at rest (tables of store migration 3): the clear-text header and the sealed
// payload, one delivery per recipient organisation, the states each delivery went through,
// idempotency keys and the outbox towards peer gateways.
//
//   // (compiled in examples_test.cpp)
//   MessageRepository messages(db);
//   KP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
//   KP_RETURN_IF_ERROR(messages.Insert(message, {{"comensha", "delivered"}}, "gateway"));
//   KP_RETURN_IF_ERROR(audit.Append(db, entry));          // the action and its entry commit
//   KP_RETURN_IF_ERROR(tx.Commit());                      // together
//   KP_ASSIGN_OR_RETURN(auto page, messages.Inbox("comensha", /*after=*/0, /*limit=*/100));
//
// Contract:
// - The repository never decides anything: the message service checks roles, lifecycles and
//   envelopes before it writes. Writes that belong together run in the caller's transaction.
// - Payloads are opaque bytes (a CMS envelope the gateway cannot read); Recall and purging set
//   the payload to NULL, so the bytes are gone from the table, not hidden.
// - Every state a delivery enters, including its first, is a row in delivery_events, so
//   tracking shows each state with its time.
// - `routing` is kept as the JSON text of a string-to-string object.
// Not thread-safe beyond the Database's own contract; construct one per use, it is cheap.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/store/database.h"

namespace ketenpoort::store {

struct MessageRecord {
  std::string id;
  std::string kind;
  std::string sender_org;
  std::string sender_user;
  std::string subject_ref;
  std::map<std::string, std::string> routing;
  std::string legal_basis;  // "" when none was recorded
  std::optional<std::int64_t> deadline_ms;
  std::optional<std::int64_t> expires_ms;
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> recalled_ms;
  std::optional<Bytes> payload;  // nullopt once recalled or purged, or when not asked for
  Bytes payload_sha256;
};

// The link of a message that follows up an earlier one of the same case.
struct MessageLink {
  std::string message_id{};
  std::string follows_id{};  // the message it follows up
  std::string thread_id{};   // the case's first message
  std::string reason{};      // the sender's reason for the follow-up

  bool operator==(const MessageLink&) const = default;
};

// The thread of message `id` whose link (MessageRepository::Link) is `link`: the link's thread,
// or the message's own id when it starts its case.
inline std::string ThreadOf(const std::optional<MessageLink>& link, std::string_view id) {
  return link ? link->thread_id : std::string(id);
}

struct DeliveryRecord {
  std::int64_t seq = 0;  // the inbox cursor
  std::string message_id;
  std::string recipient_org;
  std::string state;
  std::int64_t updated_ms = 0;
};

struct DeliveryEvent {
  std::string recipient_org;
  std::string state;
  std::int64_t time_ms = 0;
  std::string actor;   // "ORG" or "ORG/USER"; "gateway" for states the gateway sets itself
  std::string reason;  // may be empty
  std::string code;    // the reason's code (a referral's decline); may be empty
};

// The order of a list read a page at a time (Inbox, Sent).
enum class ListOrder { kOldestFirst, kNewestFirst };

struct InboxItem {
  DeliveryRecord delivery;
  MessageRecord message;  // without payload
};

// One message an organisation sent, with its place in the organisation's sent list.
struct SentItem {
  std::int64_t seq = 0;   // the message's row number: the cursor of GET /v1/sent
  MessageRecord message;  // without payload
};

struct OutboxItem {
  std::int64_t id = 0;
  std::string message_id;
  std::string peer_url;
  std::vector<std::string> recipients;
  std::string state;  // "pending", "delivered", "dead", "recalled"
  std::int64_t attempts = 0;
  std::int64_t first_attempt_ms = 0;
  std::int64_t next_attempt_ms = 0;
  std::string last_error;
  std::string receipt;  // JSON text of the peer's signed receipt; empty until delivered
};

class MessageRepository {
 public:
  explicit MessageRepository(Database& db) : db_(db) {}

  // Inserts `message` (with its payload) and one delivery per entry of `initial_states`
  // (recipient org -> "delivered" or "sent"), each with its first event by `actor`.
  // An id that exists already: kConflict `constraint_violation`.
  Status Insert(const MessageRecord& message,
                const std::map<std::string, std::string>& initial_states, std::string_view actor);

  // The message, with its payload when `with_payload` and it still has one; nullopt if unknown.
  Result<std::optional<MessageRecord>> Find(std::string_view id, bool with_payload);

  // The legal basis of each recipient whose basis differs from the message's (org -> basis).
  Status InsertLegalBases(std::string_view message_id,
                          const std::map<std::string, std::string>& bases);
  Result<std::map<std::string, std::string>> LegalBases(std::string_view message_id);

  // Records that `link.message_id` follows up `link.follows_id` (both must exist; one link per
  // message: kConflict `constraint_violation` for a second).
  Status InsertLink(const MessageLink& link);
  // The link of message `id`; nullopt for a message that starts its case.
  Result<std::optional<MessageLink>> Link(std::string_view id);
  // The messages of thread `thread_id` after the first: in the order they were linked.
  Result<std::vector<MessageLink>> Thread(std::string_view thread_id);

  // Every delivery of a message, in recipient order.
  Result<std::vector<DeliveryRecord>> Deliveries(std::string_view message_id);
  // The delivery of `message_id` to `org`; nullopt when `org` is not a recipient.
  Result<std::optional<DeliveryRecord>> Delivery(std::string_view message_id, std::string_view org);

  // Moves a delivery to `state` and records the event, with the reason's text and code (a
  // code of the state's code list; "" for none). Unknown delivery: kNotFound.
  Status SetState(std::string_view message_id, std::string_view org, std::string_view state,
                  std::int64_t time_ms, std::string_view actor, std::string_view reason,
                  std::string_view code = {});

  // Every event of a message, oldest first.
  Result<std::vector<DeliveryEvent>> Events(std::string_view message_id);

  // Deliveries to `org`, at most `limit`: oldest first those with seq > `cursor`; newest first
  // (a person's inbox, where the latest matter) those with seq < `cursor`, or the newest when
  // `cursor` is 0. Both walk the index deliveries_inbox, so a page costs its own rows.
  Result<std::vector<InboxItem>> Inbox(std::string_view org, std::int64_t cursor, int limit,
                                       ListOrder order = ListOrder::kOldestFirst);

  // Messages `org` sent, by row number, paged as Inbox (index messages_sender).
  Result<std::vector<SentItem>> Sent(std::string_view org, std::int64_t cursor, int limit,
                                     ListOrder order = ListOrder::kOldestFirst);

  // Sets recalled_ms (once; a second call keeps the first time), drops the payload and
  // marks pending outbox items "recalled".
  Status Recall(std::string_view message_id, std::int64_t time_ms);

  // Retention: the kinds that still have payloads; the messages of `kind` created before
  // `before_ms` that still have one (oldest first, at most `limit`); and dropping a payload
  // (the header, deliveries and their events stay: they are what tracking and audit refer to).
  Result<std::vector<std::string>> KindsWithPayloads();
  Result<std::vector<MessageRecord>> PayloadsCreatedBefore(std::string_view kind,
                                                           std::int64_t before_ms, int limit);
  Status DropPayload(std::string_view message_id);

  // Idempotency keys, per organisation: the request's SHA-256 and the message it created.
  struct IdempotencyRecord {
    Bytes request_sha256;
    std::string message_id;
  };
  Result<std::optional<IdempotencyRecord>> FindIdempotencyKey(std::string_view org,
                                                              std::string_view key);
  Status InsertIdempotencyKey(std::string_view org, std::string_view key, ByteView request_sha256,
                              std::string_view message_id, std::int64_t time_ms);

  // Queues `message_id` for `recipients` on the peer at `peer_url`, due at `now_ms`.
  Status EnqueueOutbox(std::string_view message_id, std::string_view peer_url,
                       const std::vector<std::string>& recipients, std::int64_t now_ms);
  // Pending items due at `now_ms`, oldest first, at most `limit`.
  Result<std::vector<OutboxItem>> DueOutbox(std::int64_t now_ms, int limit);
  // Records an attempt's result: `state` "pending" (retry at next_attempt_ms), "delivered"
  // (with the receipt) or "dead".
  Status UpdateOutbox(std::int64_t id, std::string_view state, std::int64_t attempts,
                      std::int64_t next_attempt_ms, std::string_view last_error,
                      std::string_view receipt);
  Result<std::vector<OutboxItem>> OutboxFor(std::string_view message_id);
  // Items in `state` ("" for pending and dead together, the queue an operator looks at), oldest
  // first, at most `limit`.
  Result<std::vector<OutboxItem>> OutboxInState(std::string_view state, int limit);
  // One item; nullopt when there is none with `id`.
  Result<std::optional<OutboxItem>> FindOutbox(std::int64_t id);
  // Puts an item back in the queue as new: pending, no attempts, due and first tried at now_ms
  // (so it gets a whole retry window again), no error.
  Status RequeueOutbox(std::int64_t id, std::int64_t now_ms);

 private:
  Database& db_;
};

}  // namespace ketenpoort::store
