// The three kinds of metric value (Prometheus counter, gauge and histogram), one labelled
// series each, safe to update from any number of threads without a lock: every update is one
// or two relaxed atomic operations, never an allocation. Families of them by label values, and
// their text form, are in registry.h and text_format.h.
//
//   // (compiled in examples_test.cpp)
//   Counter requests;
//   requests.Add();                                   // only ever grows
//   Gauge open;
//   open.Add(1);  open.Add(-1);  open.Set(42);
//   Histogram latency({0.01, 0.1, 1});                // upper bounds, strictly increasing
//   latency.Observe(0.05);
//   Histogram::Snapshot s = latency.Read();           // s.cumulative == {0, 1, 1, 1}, s.count 1
//
// A Read taken while other threads observe sees each bucket's count as it was at some moment
// of the read; `count` is the +Inf bucket (the sum of the buckets read), so that the text form
// is always consistent (buckets cumulative, the last equal to the count), and `sum` may lag or
// lead it by the observations in flight.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

namespace ketenpoort::metrics {

class Counter {
 public:
  void Add(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t Value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void Add(double delta) noexcept { value_.fetch_add(delta, std::memory_order_relaxed); }
  double Value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `upper_bounds` finite and strictly increasing (an implicit +Inf bucket follows); anything
  // else is a programming error and aborts.
  explicit Histogram(std::vector<double> upper_bounds);

  // Counts `value` in the first bucket whose bound is >= value (a NaN in +Inf only).
  void Observe(double value) noexcept;

  struct Snapshot {
    std::vector<double> upper_bounds;       // as given, without +Inf
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (== count)
    std::uint64_t count = 0;
    double sum = 0;
  };
  Snapshot Read() const;

  const std::vector<double>& upper_bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> counts_;  // per bucket, not cumulative; +Inf last
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 1 ms to 10 s: HTTP requests and database commits.
std::vector<double> LatencyBuckets();

}  // namespace ketenpoort::metrics
