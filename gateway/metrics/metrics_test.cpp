// The metrics registry and its text form: escaping, cumulative buckets, label lookup, and many
// threads counting at once. Every text written is read back by the strict reader the
// integration tests use (tests/harness/prometheus_text.h).
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/metrics/instruments.h"
#include "gateway/metrics/registry.h"
#include "gateway/metrics/text_format.h"
#include "tests/harness/prometheus_text.h"

namespace ketenpoort::metrics {
namespace {

using testing::ParsePrometheusText;
using testing::PromText;

TEST(TextFormatTest, EscapesLabelValuesAndHelpAsTheFormatWants) {
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  TextWriter w;
  w.Family("x_total", "back\\slash and\nnewline, \"quotes\" kept", "counter");
  w.Sample("x_total", {{"route", "/v1/{id}"}, {"odd", "q\"\\\n"}}, 2);
  EXPECT_EQ(w.text(),
            "# HELP x_total back\\\\slash and\\nnewline, \"quotes\" kept\n"
            "# TYPE x_total counter\n"
            "x_total{route=\"/v1/{id}\",odd=\"q\\\"\\\\\\n\"} 2\n");
  const PromText t = ParsePrometheusText(w.text());
  ASSERT_TRUE(t.error.empty()) << t.error;
  EXPECT_EQ(t.Value("x_total", {{"route", "/v1/{id}"}, {"odd", "q\"\\\n"}}), 2);
  EXPECT_EQ(t.helps.at("x_total"), "back\\slash and\nnewline, \"quotes\" kept");
}

TEST(TextFormatTest, WritesValuesInTheirShortestExactForm) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(18446744073709.0), "18446744073709");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(0.001), "0.001");
  EXPECT_EQ(FormatValue(-3), "-3");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
  EXPECT_EQ(std::stod(FormatValue(0.1 + 0.2)), 0.1 + 0.2);
}

TEST(TextFormatTest, KnowsWhichNamesTheFormatAllows) {
  EXPECT_TRUE(IsValidMetricName("ketenpoort_http_requests_total"));
  EXPECT_TRUE(IsValidMetricName("a:b_c9"));
  EXPECT_FALSE(IsValidMetricName("9a"));
  EXPECT_FALSE(IsValidMetricName("a-b"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_TRUE(IsValidLabelName("route"));
  EXPECT_FALSE(IsValidLabelName("__name__"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("1a"));
}

TEST(HistogramTest, CountsEachValueInTheFirstBucketItFitsAndReadsThemCumulatively) {
  Histogram h({0.1, 1, 10});
  for (double v : {0.05, 0.1, 0.5, 1.0, 7.0, 11.0, 1e9})
    h.Observe(v);
  h.Observe(std::nan(""));  // +Inf only, not in the sum
  const Histogram::Snapshot s = h.Read();
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{2, 4, 5, 8}));  // le is "<="
  EXPECT_EQ(s.count, 8u);
  EXPECT_DOUBLE_EQ(s.sum, 0.05 + 0.1 + 0.5 + 1.0 + 7.0 + 11.0 + 1e9);
}

TEST(RegistryTest, WritesHistogramsWithCumulativeBucketsSumAndCount) {
  Registry r;
  auto& h = r.AddHistogram("lat_seconds", "Latency.", {"route"}, {0.01, 0.1});
  h.With({"/a"}).Observe(0.005);
  h.With({"/a"}).Observe(0.05);
  h.With({"/a"}).Observe(5);
  TextWriter w;
  r.Write(w);
  EXPECT_EQ(w.text(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{route=\"/a\",le=\"0.01\"} 1\n"
            "lat_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"
            "lat_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"
            "lat_seconds_sum{route=\"/a\"} 5.055\n"
            "lat_seconds_count{route=\"/a\"} 3\n");
  const PromText t = ParsePrometheusText(w.text());
  EXPECT_TRUE(t.error.empty()) << t.error;
}

TEST(RegistryTest, KeepsOneSeriesPerLabelValuesAndShowsUnlabelledFamiliesFromTheStart) {
  Registry r;
  auto& c = r.AddCounter("req_total", "Requests.", {"route", "status"});
  Counter& a = c.With({"/a", "200"});
  EXPECT_EQ(&a, &c.With({"/a", "200"}));
  EXPECT_NE(&a, &c.With({"/a", "404"}));
  a.Add(2);
  r.AddGauge("open", "Open connections.");
  // The same family again is the same family.
  EXPECT_EQ(&c, &r.AddCounter("req_total", "Requests.", {"route", "status"}));
  TextWriter w;
  r.Write(w);
  const PromText t = ParsePrometheusText(w.text());
  ASSERT_TRUE(t.error.empty()) << t.error;
  EXPECT_EQ(t.Value("req_total", {{"route", "/a"}, {"status", "200"}}), 2);
  EXPECT_EQ(t.Value("req_total", {{"route", "/a"}, {"status", "404"}}), 0);
  EXPECT_EQ(t.Value("open"), 0);
  EXPECT_EQ(t.types.at("open"), "gauge");
}

TEST(RegistryDeathTest, RefusesMetricsDefinedWrongly) {
  Registry r;
  r.AddCounter("x_total", "X.", {"a"});
  EXPECT_DEATH(r.AddCounter("bad-name", "X."), "not a valid metric name");
  EXPECT_DEATH(r.AddCounter("y_total", "Y.", {"le"}), "label name");
  EXPECT_DEATH(r.AddGauge("x_total", "X.", {"a"}), "another type");
  EXPECT_DEATH(r.AddCounter("x_total", "X.").With({}), "another type");
  EXPECT_DEATH(r.AddCounter("z_total", "Z.", {"a"}).With({"1", "2"}), "label values");
  EXPECT_DEATH(r.AddHistogram("h", "H.", {}, {1, 0.5}), "strictly increasing");
}

// Many threads counting at once lose nothing (run under ThreadSanitizer too: KP_TSAN).
TEST(RegistryTest, CountsFromManyThreadsAtOnceWithoutLosingAny) {
  Registry r;
  auto& c = r.AddCounter("req_total", "Requests.", {"route"});
  auto& h = r.AddHistogram("lat_seconds", "Latency.", {"route"}, LatencyBuckets());
  constexpr int kThreads = 8;
  constexpr int kEach = 20000;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const std::string route = "/r" + std::to_string(i % 3);
      for (int n = 0; n < kEach; ++n) {
        c.With({route}).Add();
        h.With({route}).Observe(0.002);
      }
    });
  }
  // A scrape while they count must read a valid text.
  TextWriter during;
  r.Write(during);
  for (auto& t : threads)
    t.join();
  EXPECT_TRUE(ParsePrometheusText(during.text()).error.empty());
  TextWriter w;
  r.Write(w);
  const PromText t = ParsePrometheusText(w.text());
  ASSERT_TRUE(t.error.empty()) << t.error;
  double total = 0;
  for (const auto& s : t.All("req_total"))
    total += s.value;
  EXPECT_EQ(total, kThreads * kEach);
  double observed = 0;
  for (const auto& s : t.All("lat_seconds_count"))
    observed += s.value;
  EXPECT_EQ(observed, kThreads * kEach);
}

TEST(PrometheusTextReaderTest, RefusesWhatTheFormatDoesNot) {
  for (const char* bad : {
           "x 1\n",                             // no TYPE
           "# TYPE x gauge\nx{a=\"b} 1\n",      // unterminated
           "# TYPE x gauge\nx{a=\"\\t\"} 1\n",  // bad escape
           "# TYPE x gauge\nx one\n",           // bad value
           "# TYPE x gauge\nx 1\nx 2\n",        // repeated series
           "# TYPE x gauge\nx 1",               // no final newline
           "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
           "h_sum 1\nh_count 1\n",                                            // not cumulative
           "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",  // no +Inf
       }) {
    EXPECT_FALSE(ParsePrometheusText(bad).error.empty()) << bad;
  }
  EXPECT_TRUE(ParsePrometheusText("# a comment\n\n# TYPE x gauge\nx{a=\"1\",b=\"2\"} -Inf\n")
                  .error.empty());
}

}  // namespace
}  // namespace ketenpoort::metrics
