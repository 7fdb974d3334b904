// Status reports: a delivery's state change that must reach the other gateway of a federated
// message. The gateway where a recipient (or, for the sender's moves, the sender) changed a
// delivery queues a report for the peer gateway that serves the message's other party; the
// outbox worker (federation/outbox_worker.h) sends it, signed, and the peer applies it to its
// copy of the delivery and keeps it here once, by its id (federation/federation_service.h).
//
//   // (compiled in examples_test.cpp)
//   StatusReportRepository reports(db);
//   KP_RETURN_IF_ERROR(reports.Enqueue({.id = NewReportId(), .message_id = "m-5f0c...",
//                                       .recipient_org = "comensha", .state = "assessed",
//                                       .actor = "comensha/a.bakker", .set_ms = now},
//                                      "https://gw-a.example.org:8443", now));
//   reports.Due(now, 32)   // -> that report, pending, due now
//
// Order: reports of one delivery reach the peer in the order they were queued. Due returns,
// per delivery (message and recipient), only its oldest pending report, so a later state never
// overtakes an earlier one that waits for a retry.
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

// One state change of one delivery, as it travels.
struct StatusReportRecord {
  std::string id{};             // "r-" + random; unique across gateways
  std::string message_id{};     // the message as both gateways know it
  std::string recipient_org{};  // whose delivery moved
  std::string state{};          // where it moved
  std::string code{};           // a coded reason ("" for none)
  std::string reason{};         // the reason in words ("" for none)
  std::string actor{};          // "ORG" or "ORG/USER": who moved it, on the gateway it happened
  std::int64_t set_ms = 0;      // when it moved there
};

// A report waiting to go (or gone) to a peer gateway.
struct OutgoingStatusReport {
  std::int64_t seq = 0;  // the queue's order
  StatusReportRecord report;
  std::string peer_url;     // the gateway of the message's other party
  std::string queue_state;  // "pending", "delivered", "dead"
  std::int64_t attempts = 0;
  std::int64_t first_attempt_ms = 0;
  std::int64_t next_attempt_ms = 0;
  std::string last_error;
  std::string receipt;  // the peer's signed receipt (JSON text); empty until delivered
};

// A report a peer delivered here.
struct IncomingStatusReport {
  StatusReportRecord report;
  std::string gateway;  // the peer gateway's id that signed it
  Bytes signature;
  std::int64_t received_ms = 0;
};

class StatusReportRepository {
 public:
  explicit StatusReportRepository(Database& db) : db_(db) {}

  // Queues `report` for `peer_url`, pending and due at `now_ms`.
  Status Enqueue(const StatusReportRecord& report, std::string_view peer_url, std::int64_t now_ms);
  // Pending reports due at `now_ms`, each the oldest pending of its delivery, oldest first, at
  // most `limit`.
  Result<std::vector<OutgoingStatusReport>> Due(std::int64_t now_ms, int limit);
  // Records an attempt: `queue_state` "pending" (again at next_attempt_ms), "delivered" (with
  // the receipt) or "dead" (last_error says why).
  Status Update(std::int64_t seq, std::string_view queue_state, std::int64_t attempts,
                std::int64_t next_attempt_ms, std::string_view last_error,
                std::string_view receipt);
  // Every report of message `message_id` queued here, in queue order.
  Result<std::vector<OutgoingStatusReport>> OutgoingFor(std::string_view message_id);

  // The report with `id` a peer delivered here; nullopt when none.
  Result<std::optional<IncomingStatusReport>> FindIncoming(std::string_view id);
  // Keeps a report a peer delivered; an id kept before: kConflict `constraint_violation`.
  Status InsertIncoming(const IncomingStatusReport& in);

 private:
  Database& db_;
};

// A new report id: "r-" and 32 hex digits from the CSPRNG.
std::string NewReportId();

}  // namespace ketenpoort::store
