// The operator's hands on the federation outbox (`ketenpoort outbox list|retry|drop`), as a
// mail queue's are on Postfix's: see what waits for a peer gateway or was given up on, send a
// dead letter again once the peer is fixed, or take an item out of the queue. The outbox worker
// (outbox_worker.h) keeps running meanwhile: it reads the queue from the database on every poll.
//
// What `ketenpoort outbox` does with it (tested end to end on real gateways in
// tests/integration/federation_test.cpp):
//
//   $ ketenpoort outbox list --config gateway.json --state dead       # ListOutbox
//   $ ketenpoort outbox retry --config gateway.json --id 7 --reason "peer token reissued"
//   $ ketenpoort outbox drop --config gateway.json --id 9 --reason "peer decommissioned"
//
// Contract:
// - Retry takes a dead or pending item: it is due at once with a fresh retry window, and the
//   deliveries it carries that had become "undeliverable" are "sent" again (the event names the
//   operator and the reason). A delivered or recalled item, or one of a recalled message: 409.
// - Drop takes a pending item: it becomes dead with error "dropped", its deliveries still on
//   their way become "undeliverable" with the reason, and the sender gets a dead_letter notice
//   (messages/sender_notice.h). Anything else: 409.
// - Every retry and drop is an audit entry (event status_change, object "outbox:ID", outcome
//   "retried" / "dropped", user `actor`), in the transaction of the change. Unknown id: 404.
// - Reasons are 1..500 bytes of text without control characters (400 invalid_reason): they are
//   recorded in tracking and must carry no content or names.
// The caller serialises use of `db` (one store::Database, or inside a GuardedDatabase Write).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/directory.h"
#include "gateway/core/error.h"
#include "gateway/store/database.h"
#include "gateway/store/message_repository.h"

namespace ketenpoort::delivery {

struct OutboxAction {
  std::string reason{};
  std::int64_t now_ms = 0;
  std::string actor = "ketenpoort-cli";  // the audit entry's user
};

// `state` "pending", "dead", "delivered", "recalled", or "" for pending and dead; at most 1000.
Result<std::vector<store::OutboxItem>> ListOutbox(store::Database& db, std::string_view state);
Status RetryOutboxItem(store::Database& db, std::int64_t id, const OutboxAction& action);
// `directory` (may be null): where the sender's contact for the notice's mail is found.
Status DropOutboxItem(store::Database& db, std::int64_t id, const OutboxAction& action,
                      const Directory* directory);

}  // namespace ketenpoort::delivery
