// The examples at the top of gateway/metrics' headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/metrics/instruments.h"
#include "gateway/metrics/registry.h"
#include "gateway/metrics/text_format.h"

namespace ketenpoort::metrics {
namespace {

// gateway/metrics/instruments.h
TEST(MetricsExamples, Instruments) {
  Counter requests;
  requests.Add();
  Gauge open;
  open.Add(1);
  open.Add(-1);
  open.Set(42);
  Histogram latency({0.01, 0.1, 1});
  latency.Observe(0.05);
  Histogram::Snapshot s = latency.Read();
  EXPECT_EQ(requests.Value(), 1u);
  EXPECT_EQ(open.Value(), 42);
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{0, 1, 1, 1}));
  EXPECT_EQ(s.count, 1u);
  EXPECT_DOUBLE_EQ(s.sum, 0.05);
}

// gateway/metrics/text_format.h
TEST(MetricsExamples, TextFormat) {
  TextWriter w;
  w.Family("ketenpoort_outbox_pending", "Outbox items waiting for a peer gateway.", "gauge");
  w.Sample("ketenpoort_outbox_pending", {}, 3);
  w.Family("ketenpoort_witness_fork", "1 when the peer's head forked.", "gauge");
  w.Sample("ketenpoort_witness_fork", {{"peer", "gw-b.example.org"}}, 0);
  std::string text = std::move(w).Take();
  EXPECT_EQ(text,
            "# HELP ketenpoort_outbox_pending Outbox items waiting for a peer gateway.\n"
            "# TYPE ketenpoort_outbox_pending gauge\n"
            "ketenpoort_outbox_pending 3\n"
            "# HELP ketenpoort_witness_fork 1 when the peer's head forked.\n"
            "# TYPE ketenpoort_witness_fork gauge\n"
            "ketenpoort_witness_fork{peer=\"gw-b.example.org\"} 0\n");
}

// gateway/metrics/registry.h
TEST(MetricsExamples, Registry) {
  Registry registry;
  auto& requests = registry.AddCounter("ketenpoort_http_requests_total", "HTTP requests answered.",
                                       {"route", "status"});
  requests.With({"/v1/messages", "202"}).Add();
  auto& commits = registry.AddHistogram("ketenpoort_db_commit_duration_seconds",
                                        "Group commit transactions.", {}, LatencyBuckets());
  commits.With({}).Observe(0.004);
  TextWriter w;
  registry.Write(w);
  const std::string& text = w.text();
  EXPECT_NE(text.find("ketenpoort_http_requests_total{route=\"/v1/messages\",status=\"202\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ketenpoort_db_commit_duration_seconds_bucket{le=\"0.005\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ketenpoort_db_commit_duration_seconds_count 1\n"), std::string::npos);
}

}  // namespace
}  // namespace ketenpoort::metrics
