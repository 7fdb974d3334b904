#include "gateway/metrics/registry.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace ketenpoort::metrics {

namespace {

[[noreturn]] void Misdefined(const std::string& name, const char* what) {
  // A metric defined wrongly in the code: fail at start-up, never at a scrape.
  std::fprintf(stderr, "metrics: %s: %s\n", name.c_str(), what);
  std::abort();
}

}  // namespace

void FamilyBase::CheckArity(std::size_t count) const {
  if (count != label_names_.size())
    Misdefined(name_, "wrong number of label values");
}

std::vector<Label> FamilyBase::Labels(const std::vector<std::string>& values,
                                      const Label* extra) const {
  std::vector<Label> labels;
  labels.reserve(values.size() + 1);
  for (std::size_t i = 0; i < values.size(); ++i)
    labels.push_back(Label{label_names_[i], values[i]});
  if (extra != nullptr)
    labels.push_back(*extra);
  return labels;
}

template <>
void Family<Counter>::Write(TextWriter& out) const {
  out.Family(name_, help_, type_);
  std::shared_lock lock(mu_);
  for (const auto& [values, cell] : series_)
    out.Sample(name_, Labels(values, nullptr), static_cast<double>(cell->Value()));
}

template <>
void Family<Gauge>::Write(TextWriter& out) const {
  out.Family(name_, help_, type_);
  std::shared_lock lock(mu_);
  for (const auto& [values, cell] : series_)
    out.Sample(name_, Labels(values, nullptr), cell->Value());
}

template <>
void Family<Histogram>::Write(TextWriter& out) const {
  out.Family(name_, help_, type_);
  const std::string bucket = name_ + "_bucket";
  const std::string sum = name_ + "_sum";
  const std::string count = name_ + "_count";
  std::shared_lock lock(mu_);
  for (const auto& [values, cell] : series_) {
    const Histogram::Snapshot s = cell->Read();
    for (std::size_t i = 0; i < s.cumulative.size(); ++i) {
      const std::string le =
          i < s.upper_bounds.size() ? FormatValue(s.upper_bounds[i]) : std::string("+Inf");
      const Label extra{"le", le};
      out.Sample(bucket, Labels(values, &extra), static_cast<double>(s.cumulative[i]));
    }
    out.Sample(sum, Labels(values, nullptr), s.sum);
    out.Sample(count, Labels(values, nullptr), static_cast<double>(s.count));
  }
}

void Registry::CheckNames(const std::string& name, const std::vector<std::string>& label_names) {
  if (!IsValidMetricName(name))
    Misdefined(name, "not a valid metric name");
  for (const std::string& l : label_names) {
    if (!IsValidLabelName(l) || l == "le")
      Misdefined(name, "a label name is not allowed");
  }
}

FamilyBase* Registry::Find(const std::string& name, const std::string& type,
                           const std::vector<std::string>& label_names) const {
  for (const auto& f : families_) {
    if (f->name() != name)
      continue;
    if (f->type() != type || f->label_names() != label_names)
      Misdefined(name, "added again with another type or labels");
    return f.get();
  }
  return nullptr;
}

CounterFamily& Registry::AddCounter(std::string name, std::string help,
                                    std::vector<std::string> label_names) {
  CheckNames(name, label_names);
  std::lock_guard lock(mu_);
  if (FamilyBase* f = Find(name, "counter", label_names))
    return static_cast<CounterFamily&>(*f);
  auto family = std::make_unique<CounterFamily>(std::move(name), std::move(help), "counter",
                                                std::move(label_names),
                                                [] { return std::make_unique<Counter>(); });
  CounterFamily& ref = *family;
  families_.push_back(std::move(family));
  if (ref.label_names().empty())
    ref.With(std::span<const std::string_view>());
  return ref;
}

GaugeFamily& Registry::AddGauge(std::string name, std::string help,
                                std::vector<std::string> label_names) {
  CheckNames(name, label_names);
  std::lock_guard lock(mu_);
  if (FamilyBase* f = Find(name, "gauge", label_names))
    return static_cast<GaugeFamily&>(*f);
  auto family = std::make_unique<GaugeFamily>(std::move(name), std::move(help), "gauge",
                                              std::move(label_names),
                                              [] { return std::make_unique<Gauge>(); });
  GaugeFamily& ref = *family;
  families_.push_back(std::move(family));
  if (ref.label_names().empty())
    ref.With(std::span<const std::string_view>());
  return ref;
}

HistogramFamily& Registry::AddHistogram(std::string name, std::string help,
                                        std::vector<std::string> label_names,
                                        std::vector<double> upper_bounds) {
  CheckNames(name, label_names);
  Histogram check(upper_bounds);  // aborts on bad bounds here, not at the first With
  std::lock_guard lock(mu_);
  if (FamilyBase* f = Find(name, "histogram", label_names)) {
    if (histogram_bounds_[f->name()] != upper_bounds)
      Misdefined(f->name(), "added again with other buckets");
    return static_cast<HistogramFamily&>(*f);
  }
  histogram_bounds_[name] = upper_bounds;
  auto family = std::make_unique<HistogramFamily>(
      std::move(name), std::move(help), "histogram", std::move(label_names),
      [bounds = std::move(upper_bounds)] { return std::make_unique<Histogram>(bounds); });
  HistogramFamily& ref = *family;
  families_.push_back(std::move(family));
  if (ref.label_names().empty())
    ref.With(std::span<const std::string_view>());
  return ref;
}

void Registry::Write(TextWriter& out) const {
  std::lock_guard lock(mu_);
  for (const auto& f : families_)
    f->Write(out);
}

}  // namespace ketenpoort::metrics
