// GET /metrics: the gateway's operational figures in the Prometheus text format 0.0.4
// (Content-Type "text/plain; version=0.0.4"), for a scraper.
//
//   GET /metrics    an admin token; or no token at all from an address in metrics.allow_from
//   200 text/plain  every family of the registry (HTTP requests and latency by route pattern,
//                   open connections, TLS handshake failures, commit latency, messages
//                   accepted, delivered and dead-lettered by kind), then the database's gauges
//                   read now (store/operational_gauges.h): outbox depth and oldest age per
//                   queue, notice mails pending, audit trail size and the age of its latest
//                   signed head, each witnessed peer's verdict and the age of its last check
//   401             no token from an address not allowed, or a bad token
//   403             a token of another role (from any address)
//
// The names and what each counts are in README.md (Operating: metrics). Labels are route
// patterns, methods, statuses, message kinds, queues and peer hosts: never a token, payload,
// pseudonym, message id or organisation. A scrape is not audited: it reads counts only.
#pragma once

#include <vector>

#include "gateway/api/router.h"
#include "gateway/core/address_range.h"
#include "gateway/metrics/registry.h"
#include "gateway/store/guarded_database.h"

namespace ketenpoort::server {

// The counters the daemon keeps where its events happen (MessageService::OnStored and
// SecureMailService::OnStored, OutboxWorker::Config::counted), added to `registry` by
// MessageCounters::In.
struct MessageCounters {
  metrics::CounterFamily* accepted = nullptr;   // kind: new messages submitted here
  metrics::CounterFamily* delivered = nullptr;  // kind: recipients' deliveries delivered
  metrics::CounterFamily* dead = nullptr;       // kind: deliveries dead-lettered
  static MessageCounters In(metrics::Registry& registry);
};

// `registry` and `db` must outlive the router. `allow_from`: the addresses that may scrape
// without a token (config metrics.allow_from).
void RegisterMetricsRoutes(api::Router& router, const metrics::Registry& registry,
                           store::GuardedDatabase& db, std::vector<AddressRange> allow_from);

}  // namespace ketenpoort::server
