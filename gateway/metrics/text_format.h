// The Prometheus text exposition format, version 0.0.4 (Content-Type
// "text/plain; version=0.0.4"): a family's "# HELP" and "# TYPE" lines, then one line per
// sample, "name{label="value",...} value".
//
//   // (compiled in examples_test.cpp)
//   TextWriter w;
//   w.Family("ketenpoort_outbox_pending", "Outbox items waiting for a peer gateway.", "gauge");
//   w.Sample("ketenpoort_outbox_pending", {}, 3);
//   w.Family("ketenpoort_witness_fork", "1 when the peer's head forked.", "gauge");
//   w.Sample("ketenpoort_witness_fork", {{"peer", "gw-b.example.org"}}, 0);
//   std::string text = std::move(w).Take();
//   // # HELP ketenpoort_outbox_pending Outbox items waiting for a peer gateway.
//   // # TYPE ketenpoort_outbox_pending gauge
//   // ketenpoort_outbox_pending 3
//   // ...
//   // ketenpoort_witness_fork{peer="gw-b.example.org"} 0
//
// Escaping, as the format wants it: in a label value backslash, double quote and newline
// become \\, \" and \n; in HELP text backslash and newline. Values: whole numbers as integers,
// others in the shortest form that reads back the same, +Inf, -Inf and NaN as such. Names are
// the caller's (IsValidMetricName / IsValidLabelName say which are allowed); the writer does
// not check them, so that the hot path of a scrape stays a string append.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace ketenpoort::metrics {

struct Label {
  std::string_view name;
  std::string_view value;
};

class TextWriter {
 public:
  // "# HELP name help" and "# TYPE name type" (counter, gauge, histogram, untyped).
  void Family(std::string_view name, std::string_view help, std::string_view type);
  // One sample line; `name` includes any suffix (_total, _bucket, _sum, _count).
  void Sample(std::string_view name, std::span<const Label> labels, double value);
  void Sample(std::string_view name, std::initializer_list<Label> labels, double value) {
    Sample(name, std::span<const Label>(labels.begin(), labels.size()), value);
  }

  const std::string& text() const { return text_; }
  std::string Take() && { return std::move(text_); }

 private:
  std::string text_;
};

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved for Prometheus itself).
bool IsValidLabelName(std::string_view name);

// The value as the format writes it: "3", "0.25", "+Inf", "NaN".
std::string FormatValue(double value);
// A label value between its quotes: \ -> \\, " -> \", newline -> \n.
std::string EscapeLabelValue(std::string_view value);

}  // namespace ketenpoort::metrics
