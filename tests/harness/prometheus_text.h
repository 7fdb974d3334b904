// A strict reader of the Prometheus text exposition format 0.0.4, for tests that check what
// GET /metrics serves (and the metrics module's own writer) as a scraper would read it.
//
//   PromText t = ParsePrometheusText(body);
//   ASSERT_TRUE(t.error.empty()) << t.error;        // the first line that breaks the format
//   t.Value("ketenpoort_http_requests_total",
//           {{"route", "/v1/messages"}, {"method", "POST"}, {"status", "202"}})  // optional
//
// Refused: a line that is neither "# HELP name text", "# TYPE name type", another comment, a
// blank line nor a sample; a bad metric or label name; a label value with an escape other than
// \\, \" and \n, or unterminated; a repeated label; a value that is not a float, +Inf, -Inf or
// NaN; a sample before (or without) its family's TYPE; a TYPE given twice or after its
// samples; a repeated series; a histogram whose buckets are not cumulative, do not end in
// le="+Inf", or whose +Inf bucket is not its _count.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ketenpoort::testing {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromText {
  std::string error;                         // empty when the text is valid
  std::map<std::string, std::string> types;  // family -> counter|gauge|histogram|...
  std::map<std::string, std::string> helps;  // family -> HELP text (unescaped)
  std::vector<PromSample> samples;

  // The value of the series with exactly these labels, if present.
  std::optional<double> Value(const std::string& name,
                              const std::map<std::string, std::string>& labels = {}) const;
  // Every sample of `name` (any labels).
  std::vector<PromSample> All(const std::string& name) const;
};

PromText ParsePrometheusText(std::string_view text);

}  // namespace ketenpoort::testing
