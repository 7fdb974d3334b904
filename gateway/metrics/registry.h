// The metrics a process keeps: families of counters, gauges and histograms by name, each
// series picked by its label values, and their Prometheus text (text_format.h).
//
//   // (compiled in examples_test.cpp)
//   Registry registry;
//   auto& requests = registry.AddCounter("ketenpoort_http_requests_total",
//                                        "HTTP requests answered.", {"route", "status"});
//   requests.With({"/v1/messages", "202"}).Add();
//   auto& commits = registry.AddHistogram("ketenpoort_db_commit_duration_seconds",
//                                         "Group commit transactions.", {}, LatencyBuckets());
//   commits.With({}).Observe(0.004);
//   TextWriter w;
//   registry.Write(w);   // every family in the order added, series sorted by label values
//
// Contract:
// - Add* is for start-up: a name or label name the format does not allow, or a name added
//   before with another type, labels or buckets, is a programming error and aborts. Adding the
//   same family again returns the one there (two servers in one test process share it).
//   Families live as long as the registry; references to them and to their series stay valid.
//   A family without labels has its one series from the start, so that it shows 0.
// - With(values) takes the label values in the order of the family's label names (another
//   count aborts) and returns the series, creating it on first use. Safe from any thread: a
//   known series costs a shared lock and a map lookup with no allocation; a new one an
//   exclusive lock and its allocation. Label values are written escaped; they must come from a
//   bounded set (a route pattern, a status, a kind, a peer host), never from raw input, or the
//   series grow without end.
// - Write reads every series while others update them (instruments.h says what a read sees).
#pragma once

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/metrics/instruments.h"
#include "gateway/metrics/text_format.h"

namespace ketenpoort::metrics {

// Orders label-value lists, stored (strings) or looked up (string_views), without converting.
struct LabelValuesLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [](std::string_view x, std::string_view y) { return x < y; });
  }
};

// Everything a family shares, whatever its type.
class FamilyBase {
 public:
  virtual ~FamilyBase() = default;
  const std::string& name() const { return name_; }
  const std::string& type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  virtual void Write(TextWriter& out) const = 0;

 protected:
  FamilyBase(std::string name, std::string help, std::string type,
             std::vector<std::string> label_names)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(std::move(type)),
        label_names_(std::move(label_names)) {}
  // Aborts unless `count` values were given for the family's labels.
  void CheckArity(std::size_t count) const;
  // The labels of one series for TextWriter, plus `extra` (a histogram's "le") when set.
  std::vector<Label> Labels(const std::vector<std::string>& values, const Label* extra) const;

  std::string name_;
  std::string help_;
  std::string type_;
  std::vector<std::string> label_names_;
};

template <typename Cell>
class Family : public FamilyBase {
 public:
  using Make = std::function<std::unique_ptr<Cell>()>;
  Family(std::string name, std::string help, std::string type, std::vector<std::string> label_names,
         Make make)
      : FamilyBase(std::move(name), std::move(help), std::move(type), std::move(label_names)),
        make_(std::move(make)) {}

  Cell& With(std::initializer_list<std::string_view> values) {
    return With(std::span<const std::string_view>(values.begin(), values.size()));
  }
  Cell& With(std::span<const std::string_view> values) {
    CheckArity(values.size());
    {
      std::shared_lock lock(mu_);
      if (auto it = series_.find(values); it != series_.end())
        return *it->second;
    }
    std::unique_lock lock(mu_);
    if (auto it = series_.find(values); it != series_.end())
      return *it->second;
    std::vector<std::string> key(values.begin(), values.end());
    return *series_.emplace(std::move(key), make_()).first->second;
  }

  void Write(TextWriter& out) const override;

 private:
  Make make_;
  mutable std::shared_mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Cell>, LabelValuesLess> series_;
};

template <>
void Family<Counter>::Write(TextWriter& out) const;
template <>
void Family<Gauge>::Write(TextWriter& out) const;
template <>
void Family<Histogram>::Write(TextWriter& out) const;

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class Registry {
 public:
  CounterFamily& AddCounter(std::string name, std::string help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(std::string name, std::string help,
                        std::vector<std::string> label_names = {});
  HistogramFamily& AddHistogram(std::string name, std::string help,
                                std::vector<std::string> label_names,
                                std::vector<double> upper_bounds);

  void Write(TextWriter& out) const;

 private:
  // The family `name` as added before (checked to be the same), or null.
  FamilyBase* Find(const std::string& name, const std::string& type,
                   const std::vector<std::string>& label_names) const;
  static void CheckNames(const std::string& name, const std::vector<std::string>& label_names);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
  std::map<std::string, std::vector<double>> histogram_bounds_;  // by family name
};

}  // namespace ketenpoort::metrics
