// What GET /metrics reports from the database, read at each scrape in one read: the queues
// towards peer gateways, notice mails still to send, the audit trail's size and latest signed
// head, and each witnessed peer's verdict. Each figure is one indexed query
// (store/periodic_queries.h, whose test refuses a scan of a table that grows with traffic), so
// a scrape costs the items waiting, never the gateway's history.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(OperationalGauges g, ReadOperationalGauges(db));
//   g.outbox.pending                   // outbox items waiting for a peer gateway
//   g.outbox.oldest_first_attempt_ms   // nullopt when none waits
//
// Counts only: no message id, organisation, pseudonym or token is read. A witnessed peer is
// named by the URL it is configured with (witness_state.peer).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/error.h"
#include "gateway/store/database.h"

namespace ketenpoort::store {

struct QueueGauge {
  std::int64_t pending = 0;
  std::optional<std::int64_t> oldest_first_attempt_ms;  // of the pending items
};

struct WitnessGauge {
  std::string peer;    // the peer's URL
  std::string status;  // "consistent" or "fork"
  std::int64_t checked_ms = 0;
};

struct OperationalGauges {
  QueueGauge outbox;                      // messages for peer gateways
  QueueGauge status_reports;              // status reports for peer gateways
  std::int64_t notice_mails_pending = 0;  // notices whose mail is still to send (or retry)
  std::int64_t audit_entries = 0;
  std::optional<std::int64_t> signed_head_size;  // the latest signed tree head, if any
  std::optional<std::int64_t> signed_head_time_ms;
  std::vector<WitnessGauge> witnesses;  // by peer
};

Result<OperationalGauges> ReadOperationalGauges(Database& db);

}  // namespace ketenpoort::store
