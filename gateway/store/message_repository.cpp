#include "gateway/store/message_repository.h"

#include <nlohmann/json.hpp>

#include "gateway/store/periodic_queries.h"

namespace ketenpoort::store {

namespace {

using nlohmann::json;

constexpr std::string_view kMessageColumns = KP_MESSAGE_COLUMNS;

std::string RoutingToText(const std::map<std::string, std::string>& routing) {
  return json(routing).dump();
}

std::map<std::string, std::string> RoutingFromText(const std::string& text) {
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::map<std::string, std::string> out;
  if (!value.is_object())
    return out;
  for (const auto& [k, v] : value.items()) {
    if (v.is_string())
      out[k] = v.get<std::string>();
  }
  return out;
}

// Reads kMessageColumns starting at `first`.
MessageRecord ReadMessage(const Statement& s, int first) {
  MessageRecord m;
  m.id = s.ColumnText(first + 0);
  m.kind = s.ColumnText(first + 1);
  m.sender_org = s.ColumnText(first + 2);
  m.sender_user = s.ColumnText(first + 3);
  m.subject_ref = s.ColumnText(first + 4);
  m.routing = RoutingFromText(s.ColumnText(first + 5));
  m.legal_basis = s.ColumnText(first + 6);
  m.deadline_ms = s.ColumnOptionalInt64(first + 7);
  m.expires_ms = s.ColumnOptionalInt64(first + 8);
  m.created_ms = s.ColumnInt64(first + 9);
  m.recalled_ms = s.ColumnOptionalInt64(first + 10);
  m.payload_sha256 = s.ColumnBlob(first + 11);
  return m;
}

std::vector<std::string> StringsFromText(const std::string& text) {
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> out;
  if (value.is_array()) {
    for (const auto& v : value) {
      if (v.is_string())
        out.push_back(v.get<std::string>());
    }
  }
  return out;
}

constexpr std::string_view kOutboxColumns = KP_OUTBOX_COLUMNS;

OutboxItem ReadOutbox(const Statement& s) {
  OutboxItem o;
  o.id = s.ColumnInt64(0);
  o.message_id = s.ColumnText(1);
  o.peer_url = s.ColumnText(2);
  o.recipients = StringsFromText(s.ColumnText(3));
  o.state = s.ColumnText(4);
  o.attempts = s.ColumnInt64(5);
  o.first_attempt_ms = s.ColumnInt64(6);
  o.next_attempt_ms = s.ColumnInt64(7);
  o.last_error = s.ColumnText(8);
  o.receipt = s.ColumnText(9);
  return o;
}

}  // namespace

Status MessageRepository::Insert(const MessageRecord& m,
                                 const std::map<std::string, std::string>& initial_states,
                                 std::string_view actor) {
  KP_ASSIGN_OR_RETURN(
      StatementLease insert_lease,
      db_.PrepareCached(
          "INSERT INTO messages(id, kind, sender_org, sender_user, subject_ref, routing, "
          "legal_basis, deadline_ms, expires_ms, created_ms, payload, payload_sha256) "
          "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  Statement& insert = *insert_lease;
  insert.Bind(1, m.id)
      .Bind(2, m.kind)
      .Bind(3, m.sender_org)
      .Bind(4, m.sender_user)
      .Bind(5, m.subject_ref)
      .Bind(6, RoutingToText(m.routing))
      .Bind(7, m.legal_basis);
  insert.Bind(8, m.deadline_ms);
  insert.Bind(9, m.expires_ms);
  insert.Bind(10, m.created_ms);
  if (m.payload)
    insert.BindBlob(11, *m.payload);
  else
    insert.BindNull(11);
  insert.BindBlob(12, m.payload_sha256);
  KP_RETURN_IF_ERROR(insert.Step());

  KP_ASSIGN_OR_RETURN(StatementLease delivery_lease,
                      db_.PrepareCached("INSERT INTO deliveries(message_id, recipient_org, state, "
                                        "updated_ms) VALUES(?, ?, ?, ?)"));
  Statement& delivery = *delivery_lease;
  KP_ASSIGN_OR_RETURN(
      StatementLease event_lease,
      db_.PrepareCached("INSERT INTO delivery_events(message_id, recipient_org, state, "
                        "time_ms, actor) VALUES(?, ?, ?, ?, ?)"));
  Statement& event = *event_lease;
  for (const auto& [org, state] : initial_states) {
    delivery.Reset();
    delivery.Bind(1, m.id).Bind(2, org).Bind(3, state).Bind(4, m.created_ms);
    KP_RETURN_IF_ERROR(delivery.Step());
    event.Reset();
    event.Bind(1, m.id).Bind(2, org).Bind(3, state).Bind(4, m.created_ms).Bind(5, actor);
    KP_RETURN_IF_ERROR(event.Step());
  }
  return Ok();
}

Status MessageRepository::InsertLegalBases(std::string_view message_id,
                                           const std::map<std::string, std::string>& bases) {
  for (const auto& [org, basis] : bases) {
    KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("INSERT INTO delivery_legal_bases(message_id, "
                                                 "recipient_org, legal_basis) VALUES (?, ?, ?)"));
    s.Bind(1, message_id).Bind(2, org).Bind(3, basis);
    KP_RETURN_IF_ERROR(s.Step());
  }
  return Ok();
}

Result<std::map<std::string, std::string>> MessageRepository::LegalBases(
    std::string_view message_id) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("SELECT recipient_org, legal_basis FROM "
                                               "delivery_legal_bases WHERE message_id = ?"));
  s.Bind(1, message_id);
  std::map<std::string, std::string> bases;
  for (;;) {
    KP_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row)
      break;
    bases.emplace(s.ColumnText(0), s.ColumnText(1));
  }
  return bases;
}

Status MessageRepository::InsertLink(const MessageLink& link) {
  KP_ASSIGN_OR_RETURN(StatementLease lease,
                      db_.PrepareCached("INSERT INTO message_links(message_id, follows_id, "
                                        "thread_id, reason) VALUES (?, ?, ?, ?)"));
  Statement& s = *lease;
  s.Bind(1, link.message_id).Bind(2, link.follows_id).Bind(3, link.thread_id).Bind(4, link.reason);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

namespace {
MessageLink ReadLink(Statement& s) {
  return MessageLink{.message_id = s.ColumnText(0),
                     .follows_id = s.ColumnText(1),
                     .thread_id = s.ColumnText(2),
                     .reason = s.ColumnText(3)};
}
}  // namespace

Result<std::optional<MessageLink>> MessageRepository::Link(std::string_view id) {
  KP_ASSIGN_OR_RETURN(StatementLease lease,
                      db_.PrepareCached("SELECT message_id, follows_id, thread_id, reason FROM "
                                        "message_links WHERE message_id = ?"));
  Statement& s = *lease;
  s.Bind(1, id);
  KP_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row)
    return std::optional<MessageLink>();
  return std::optional<MessageLink>(ReadLink(s));
}

Result<std::vector<MessageLink>> MessageRepository::Thread(std::string_view thread_id) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("SELECT message_id, follows_id, thread_id, reason FROM "
                                  "message_links WHERE thread_id = ? ORDER BY rowid"));
  s.Bind(1, thread_id);
  std::vector<MessageLink> links;
  for (;;) {
    KP_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row)
      break;
    links.push_back(ReadLink(s));
  }
  return links;
}

Result<std::optional<MessageRecord>> MessageRepository::Find(std::string_view id,
                                                             bool with_payload) {
  std::string sql = "SELECT " + std::string(kMessageColumns) +
                    (with_payload ? ", m.payload" : ", NULL") + " FROM messages m WHERE m.id = ?";
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare(sql));
  s.Bind(1, id);
  KP_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row)
    return std::optional<MessageRecord>();
  MessageRecord m = ReadMessage(s, 0);
  if (with_payload && !s.IsNull(12))
    m.payload = s.ColumnBlob(12);
  return std::optional<MessageRecord>(std::move(m));
}

Result<std::vector<DeliveryRecord>> MessageRepository::Deliveries(std::string_view message_id) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("SELECT seq, message_id, recipient_org, state, updated_ms FROM "
                                  "deliveries WHERE message_id = ? ORDER BY recipient_org"));
  s.Bind(1, message_id);
  return ReadRows(s, [](const Statement& row) {
    return DeliveryRecord{row.ColumnInt64(0), row.ColumnText(1), row.ColumnText(2),
                          row.ColumnText(3), row.ColumnInt64(4)};
  });
}

Result<std::optional<DeliveryRecord>> MessageRepository::Delivery(std::string_view message_id,
                                                                  std::string_view org) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("SELECT seq, message_id, recipient_org, state, "
                                               "updated_ms FROM deliveries WHERE message_id = ? "
                                               "AND recipient_org = ?"));
  s.Bind(1, message_id).Bind(2, org);
  KP_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row)
    return std::optional<DeliveryRecord>();
  return std::optional<DeliveryRecord>(DeliveryRecord{
      s.ColumnInt64(0), s.ColumnText(1), s.ColumnText(2), s.ColumnText(3), s.ColumnInt64(4)});
}

Status MessageRepository::SetState(std::string_view message_id, std::string_view org,
                                   std::string_view state, std::int64_t time_ms,
                                   std::string_view actor, std::string_view reason,
                                   std::string_view code) {
  KP_ASSIGN_OR_RETURN(Statement update,
                      db_.Prepare("UPDATE deliveries SET state = ?, updated_ms = ? WHERE "
                                  "message_id = ? AND recipient_org = ?"));
  update.Bind(1, state).Bind(2, time_ms).Bind(3, message_id).Bind(4, org);
  KP_RETURN_IF_ERROR(update.Step());
  if (db_.Changes() != 1)
    return NotFound("delivery_not_found", "no delivery of this message to this organisation");
  KP_ASSIGN_OR_RETURN(Statement event,
                      db_.Prepare("INSERT INTO delivery_events(message_id, recipient_org, state, "
                                  "time_ms, actor, reason, code) VALUES(?, ?, ?, ?, ?, ?, ?)"));
  event.Bind(1, message_id)
      .Bind(2, org)
      .Bind(3, state)
      .Bind(4, time_ms)
      .Bind(5, actor)
      .Bind(6, reason)
      .Bind(7, code);
  KP_RETURN_IF_ERROR(event.Step());
  return Ok();
}

Result<std::vector<DeliveryEvent>> MessageRepository::Events(std::string_view message_id) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("SELECT recipient_org, state, time_ms, actor, reason, code "
                                  "FROM delivery_events WHERE message_id = ? ORDER BY id"));
  s.Bind(1, message_id);
  return ReadRows(s, [](const Statement& row) {
    return DeliveryEvent{row.ColumnText(0), row.ColumnText(1), row.ColumnInt64(2),
                         row.ColumnText(3), row.ColumnText(4), row.ColumnText(5)};
  });
}

Result<std::vector<InboxItem>> MessageRepository::Inbox(std::string_view org, std::int64_t cursor,
                                                        int limit, ListOrder order) {
  const bool newest = order == ListOrder::kNewestFirst;
  std::string sql = "SELECT d.seq, d.message_id, d.recipient_org, d.state, d.updated_ms, " +
                    std::string(kMessageColumns) +
                    " FROM deliveries d JOIN messages m ON m.id = d.message_id "
                    "WHERE d.recipient_org = ? AND " +
                    std::string(newest ? "d.seq < ?" : "d.seq > ?") +
                    " AND d.state != 'sent' ORDER BY d.seq " + (newest ? "DESC" : "ASC") +
                    " LIMIT ?";
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare(sql));
  const std::int64_t bound = newest && cursor <= 0 ? INT64_MAX : cursor;
  s.Bind(1, org).Bind(2, bound).Bind(3, std::int64_t{limit});
  return ReadRows(s, [](const Statement& row) {
    InboxItem item;
    item.delivery = {row.ColumnInt64(0), row.ColumnText(1), row.ColumnText(2), row.ColumnText(3),
                     row.ColumnInt64(4)};
    item.message = ReadMessage(row, 5);
    return item;
  });
}

Result<std::vector<SentItem>> MessageRepository::Sent(std::string_view org, std::int64_t cursor,
                                                      int limit, ListOrder order) {
  const bool newest = order == ListOrder::kNewestFirst;
  std::string sql = "SELECT m.rowid, " + std::string(kMessageColumns) +
                    " FROM messages m WHERE m.sender_org = ? AND " +
                    std::string(newest ? "m.rowid < ?" : "m.rowid > ?") + " ORDER BY m.rowid " +
                    (newest ? "DESC" : "ASC") + " LIMIT ?";
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare(sql));
  const std::int64_t bound = newest && cursor <= 0 ? INT64_MAX : cursor;
  s.Bind(1, org).Bind(2, bound).Bind(3, std::int64_t{limit});
  return ReadRows(s, [](const Statement& row) {
    SentItem item;
    item.seq = row.ColumnInt64(0);
    item.message = ReadMessage(row, 1);
    return item;
  });
}

Status MessageRepository::Recall(std::string_view message_id, std::int64_t time_ms) {
  KP_ASSIGN_OR_RETURN(Statement recall,
                      db_.Prepare("UPDATE messages SET recalled_ms = COALESCE(recalled_ms, ?), "
                                  "payload = NULL WHERE id = ?"));
  recall.Bind(1, time_ms).Bind(2, message_id);
  KP_RETURN_IF_ERROR(recall.Step());
  if (db_.Changes() != 1)
    return NotFound("message_not_found", "no such message", "id");
  KP_ASSIGN_OR_RETURN(Statement outbox,
                      db_.Prepare("UPDATE outbox SET state = 'recalled' WHERE message_id = ? AND "
                                  "state = 'pending'"));
  outbox.Bind(1, message_id);
  KP_RETURN_IF_ERROR(outbox.Step());
  return Ok();
}

Result<std::vector<std::string>> MessageRepository::KindsWithPayloads() {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare(sql::kKindsWithPayloads));
  return ReadRows(s, [](const Statement& row) { return row.ColumnText(0); });
}

Result<std::vector<MessageRecord>> MessageRepository::PayloadsCreatedBefore(std::string_view kind,
                                                                            std::int64_t before_ms,
                                                                            int limit) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare(sql::kPayloadsCreatedBefore));
  s.Bind(1, kind).Bind(2, before_ms).Bind(3, std::int64_t{limit});
  return ReadRows(s, [](const Statement& row) { return ReadMessage(row, 0); });
}

Status MessageRepository::DropPayload(std::string_view message_id) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("UPDATE messages SET payload = NULL WHERE id = ?"));
  s.Bind(1, message_id);
  KP_RETURN_IF_ERROR(s.Step());
  if (db_.Changes() != 1)
    return NotFound("message_not_found", "no such message", "id");
  return Ok();
}

Result<std::optional<MessageRepository::IdempotencyRecord>> MessageRepository::FindIdempotencyKey(
    std::string_view org, std::string_view key) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("SELECT request_sha256, message_id FROM "
                                               "idempotency_keys WHERE org = ? AND key = ?"));
  s.Bind(1, org).Bind(2, key);
  KP_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row)
    return std::optional<IdempotencyRecord>();
  return std::optional<IdempotencyRecord>(IdempotencyRecord{s.ColumnBlob(0), s.ColumnText(1)});
}

Status MessageRepository::InsertIdempotencyKey(std::string_view org, std::string_view key,
                                               ByteView request_sha256, std::string_view message_id,
                                               std::int64_t time_ms) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("INSERT INTO idempotency_keys(org, key, request_sha256, "
                                  "message_id, created_ms) VALUES(?, ?, ?, ?, ?)"));
  s.Bind(1, org).Bind(2, key).BindBlob(3, request_sha256).Bind(4, message_id).Bind(5, time_ms);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Status MessageRepository::EnqueueOutbox(std::string_view message_id, std::string_view peer_url,
                                        const std::vector<std::string>& recipients,
                                        std::int64_t now_ms) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("INSERT INTO outbox(message_id, peer_url, recipients, state, "
                                  "first_attempt_ms, next_attempt_ms) VALUES(?, ?, ?, 'pending', "
                                  "?, ?)"));
  s.Bind(1, message_id)
      .Bind(2, peer_url)
      .Bind(3, json(recipients).dump())
      .Bind(4, now_ms)
      .Bind(5, now_ms);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Result<std::vector<OutboxItem>> MessageRepository::DueOutbox(std::int64_t now_ms, int limit) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare(sql::kOutboxDue));
  s.Bind(1, now_ms).Bind(2, std::int64_t{limit});
  return ReadRows(s, [](const Statement& row) { return ReadOutbox(row); });
}

Status MessageRepository::UpdateOutbox(std::int64_t id, std::string_view state,
                                       std::int64_t attempts, std::int64_t next_attempt_ms,
                                       std::string_view last_error, std::string_view receipt) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("UPDATE outbox SET state = ?, attempts = ?, "
                                               "next_attempt_ms = ?, last_error = ?, receipt = "
                                               "NULLIF(?, '') WHERE id = ?"));
  s.Bind(1, state)
      .Bind(2, attempts)
      .Bind(3, next_attempt_ms)
      .Bind(4, last_error)
      .Bind(5, receipt)
      .Bind(6, id);
  KP_RETURN_IF_ERROR(s.Step());
  if (db_.Changes() != 1)
    return NotFound("outbox_item_not_found", "no such outbox item");
  return Ok();
}

Result<std::vector<OutboxItem>> MessageRepository::OutboxInState(std::string_view state,
                                                                 int limit) {
  KP_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("SELECT " + std::string(kOutboxColumns) +
                  " FROM outbox WHERE (?1 = '' AND state IN ('pending', 'dead')) OR state = ?1 "
                  "ORDER BY id LIMIT ?2"));
  s.Bind(1, state).Bind(2, std::int64_t{limit});
  return ReadRows(s, [](const Statement& row) { return ReadOutbox(row); });
}

Result<std::optional<OutboxItem>> MessageRepository::FindOutbox(std::int64_t id) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("SELECT " + std::string(kOutboxColumns) +
                                               " FROM outbox WHERE id = ?"));
  s.Bind(1, id);
  KP_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row)
    return std::optional<OutboxItem>();
  return std::optional<OutboxItem>(ReadOutbox(s));
}

Status MessageRepository::RequeueOutbox(std::int64_t id, std::int64_t now_ms) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("UPDATE outbox SET state = 'pending', attempts = 0, "
                                  "first_attempt_ms = ?1, next_attempt_ms = ?1, last_error = '' "
                                  "WHERE id = ?2"));
  s.Bind(1, now_ms).Bind(2, id);
  KP_RETURN_IF_ERROR(s.Step());
  if (db_.Changes() != 1)
    return NotFound("outbox_item_not_found", "no such outbox item");
  return Ok();
}

Result<std::vector<OutboxItem>> MessageRepository::OutboxFor(std::string_view message_id) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("SELECT " + std::string(kOutboxColumns) +
                                               " FROM outbox WHERE message_id = ? ORDER BY id"));
  s.Bind(1, message_id);
  return ReadRows(s, [](const Statement& row) { return ReadOutbox(row); });
}

}  // namespace ketenpoort::store
