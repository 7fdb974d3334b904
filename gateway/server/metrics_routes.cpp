#include "gateway/server/metrics_routes.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "gateway/audit/audit_log.h"
#include "gateway/metrics/text_format.h"
#include "gateway/store/operational_gauges.h"

namespace ketenpoort::server {

namespace {

// Seconds from `then_ms` to `now_ms`, never negative (a clock step back).
double AgeSeconds(std::int64_t now_ms, std::int64_t then_ms) {
  return static_cast<double>(std::max<std::int64_t>(0, now_ms - then_ms)) / 1000.0;
}

// The host (and port) of a peer's URL: "https://gw-b.example.org:8443/kp" ->
// "gw-b.example.org:8443".
std::string PeerHost(std::string_view url) {
  if (const auto scheme = url.find("://"); scheme != std::string_view::npos)
    url.remove_prefix(scheme + 3);
  return std::string(url.substr(0, url.find('/')));
}

void WriteGauges(metrics::TextWriter& w, const store::OperationalGauges& g, std::int64_t now_ms) {
  w.Family("ketenpoort_outbox_pending",
           "Items waiting for a peer gateway, by queue (messages, status_reports).", "gauge");
  w.Sample("ketenpoort_outbox_pending", {{"queue", "messages"}},
           static_cast<double>(g.outbox.pending));
  w.Sample("ketenpoort_outbox_pending", {{"queue", "status_reports"}},
           static_cast<double>(g.status_reports.pending));
  w.Family("ketenpoort_outbox_oldest_pending_age_seconds",
           "Age of the oldest waiting item since its first attempt, by queue; 0 when none waits.",
           "gauge");
  for (const auto& [queue, q] :
       {std::pair{"messages", &g.outbox}, std::pair{"status_reports", &g.status_reports}}) {
    w.Sample("ketenpoort_outbox_oldest_pending_age_seconds", {{"queue", queue}},
             q->oldest_first_attempt_ms ? AgeSeconds(now_ms, *q->oldest_first_attempt_ms) : 0);
  }
  w.Family("ketenpoort_notice_mails_pending",
           "Deadline and dead-letter notices whose mail is still to be sent or retried.", "gauge");
  w.Sample("ketenpoort_notice_mails_pending", {}, static_cast<double>(g.notice_mails_pending));
  w.Family("ketenpoort_audit_entries", "Entries in the audit trail.", "gauge");
  w.Sample("ketenpoort_audit_entries", {}, static_cast<double>(g.audit_entries));
  w.Family("ketenpoort_audit_signed_entries",
           "Entries covered by the latest signed tree head; absent before the first.", "gauge");
  if (g.signed_head_size)
    w.Sample("ketenpoort_audit_signed_entries", {}, static_cast<double>(*g.signed_head_size));
  w.Family("ketenpoort_audit_signed_head_age_seconds",
           "Age of the latest signed tree head; absent before the first.", "gauge");
  if (g.signed_head_time_ms)
    w.Sample("ketenpoort_audit_signed_head_age_seconds", {},
             AgeSeconds(now_ms, *g.signed_head_time_ms));
  w.Family("ketenpoort_witness_fork",
           "Per witnessed peer gateway: 1 when its signed heads forked, 0 when consistent.",
           "gauge");
  for (const store::WitnessGauge& peer : g.witnesses) {
    const std::string host = PeerHost(peer.peer);
    w.Sample("ketenpoort_witness_fork", {{"peer", host}}, peer.status == "consistent" ? 0 : 1);
  }
  w.Family("ketenpoort_witness_check_age_seconds",
           "Per witnessed peer gateway: time since its signed head was last checked.", "gauge");
  for (const store::WitnessGauge& peer : g.witnesses) {
    const std::string host = PeerHost(peer.peer);
    w.Sample("ketenpoort_witness_check_age_seconds", {{"peer", host}},
             AgeSeconds(now_ms, peer.checked_ms));
  }
}

}  // namespace

MessageCounters MessageCounters::In(metrics::Registry& registry) {
  MessageCounters c;
  c.accepted = &registry.AddCounter("ketenpoort_messages_accepted_total",
                                    "Messages submitted here and committed, by kind.", {"kind"});
  c.delivered = &registry.AddCounter(
      "ketenpoort_messages_delivered_total",
      "Recipients' deliveries delivered (here at submission, or a peer's receipt), by kind.",
      {"kind"});
  c.dead =
      &registry.AddCounter("ketenpoort_messages_dead_lettered_total",
                           "Recipients' deliveries given up as dead letters, by kind.", {"kind"});
  return c;
}

void RegisterMetricsRoutes(api::Router& router, const metrics::Registry& registry,
                           store::GuardedDatabase& db, std::vector<AddressRange> allow_from) {
  auto trusted = [ranges = std::move(allow_from)](const api::Request& req) {
    return std::any_of(ranges.begin(), ranges.end(), [&](const AddressRange& range) {
      return range.Contains(req.remote_address);
    });
  };
  router.Add("GET", "/metrics", api::Access::RolesOrTrusted({Role::kAdmin}, std::move(trusted)),
             [&registry, &db](api::Request&) {
               auto gauges =
                   db.Read([](store::Database& d) { return store::ReadOperationalGauges(d); });
               if (!gauges)
                 return api::Response::FromError(gauges.error());
               metrics::TextWriter w;
               registry.Write(w);
               WriteGauges(w, *gauges, audit::NowMs());
               api::Response r;
               r.status = 200;
               r.content_type = "text/plain; version=0.0.4";
               r.body = std::move(w).Take();
               return r;
             });
}

}  // namespace ketenpoort::server
