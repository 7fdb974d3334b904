#include "tests/harness/prometheus_text.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

namespace ketenpoort::testing {

namespace {

bool NameChar(char c, bool first, bool colon) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  return letter || (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

// Reads a name at `pos` (advancing it); empty when there is none.
std::string ReadName(std::string_view line, std::size_t& pos, bool colon) {
  const std::size_t start = pos;
  while (pos < line.size() && NameChar(line[pos], pos == start, colon))
    ++pos;
  return std::string(line.substr(start, pos - start));
}

std::optional<double> ReadValue(std::string_view text) {
  if (text == "+Inf")
    return std::numeric_limits<double>::infinity();
  if (text == "-Inf")
    return -std::numeric_limits<double>::infinity();
  if (text == "NaN")
    return std::numeric_limits<double>::quiet_NaN();
  double v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size())
    return std::nullopt;
  return v;
}

// The family a sample line belongs to: its name, or without a histogram's suffix.
std::string FamilyOf(const std::string& name, const std::map<std::string, std::string>& types) {
  if (types.count(name))
    return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      const std::string base = name.substr(0, name.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary"))
        return base;
    }
  }
  return "";
}

std::string CheckHistograms(const PromText& t) {
  for (const auto& [family, type] : t.types) {
    if (type != "histogram")
      continue;
    // Buckets per series (labels without le), in the order written.
    std::map<std::map<std::string, std::string>, std::vector<std::pair<std::string, double>>> by;
    for (const PromSample& s : t.samples) {
      if (s.name != family + "_bucket")
        continue;
      auto labels = s.labels;
      auto le = labels.find("le");
      if (le == labels.end())
        return family + ": a bucket without le";
      const std::string bound = le->second;
      labels.erase(le);
      by[labels].push_back({bound, s.value});
    }
    for (const auto& [labels, buckets] : by) {
      double last_bound = -std::numeric_limits<double>::infinity();
      double last_count = 0;
      for (const auto& [bound, count] : buckets) {
        auto b = ReadValue(bound);
        if (!b || *b <= last_bound)
          return family + ": bucket bounds not increasing at le=" + bound;
        if (count < last_count)
          return family + ": buckets not cumulative at le=" + bound;
        last_bound = *b;
        last_count = count;
      }
      if (buckets.empty() || buckets.back().first != "+Inf")
        return family + ": the last bucket is not le=\"+Inf\"";
      auto count = t.Value(family + "_count", labels);
      if (!count || *count != buckets.back().second)
        return family + ": _count is not the +Inf bucket";
      if (!t.Value(family + "_sum", labels))
        return family + ": no _sum";
    }
  }
  return "";
}

}  // namespace

std::optional<double> PromText::Value(const std::string& name,
                                      const std::map<std::string, std::string>& labels) const {
  for (const PromSample& s : samples) {
    if (s.name == name && s.labels == labels)
      return s.value;
  }
  return std::nullopt;
}

std::vector<PromSample> PromText::All(const std::string& name) const {
  std::vector<PromSample> out;
  for (const PromSample& s : samples) {
    if (s.name == name)
      out.push_back(s);
  }
  return out;
}

PromText ParsePrometheusText(std::string_view text) {
  PromText t;
  std::set<std::string> seen_samples_of;  // families with samples already
  std::set<std::pair<std::string, std::map<std::string, std::string>>> series;
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      t.error = "the text does not end with a newline";
      return t;
    }
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    const std::string where = "line " + std::to_string(line_no) + ": ";
    if (line.empty())
      continue;
    if (line[0] == '#') {
      std::istringstream in{std::string(line)};
      std::string hash, keyword, name;
      in >> hash >> keyword >> name;
      if (hash != "#" || (keyword != "HELP" && keyword != "TYPE"))
        continue;  // another comment
      std::size_t p = 0;
      if (ReadName(name, p, true) != name || name.empty()) {
        t.error = where + "bad metric name '" + name + "'";
        return t;
      }
      std::string rest;
      std::getline(in, rest);
      if (!rest.empty() && rest[0] == ' ')
        rest.erase(0, 1);
      if (keyword == "TYPE") {
        static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                     "untyped"};
        if (!kTypes.count(rest)) {
          t.error = where + "unknown type '" + rest + "'";
          return t;
        }
        if (t.types.count(name) || seen_samples_of.count(name)) {
          t.error = where + "TYPE of " + name + " twice or after its samples";
          return t;
        }
        t.types[name] = rest;
      } else {
        std::string help;
        for (std::size_t i = 0; i < rest.size(); ++i) {
          if (rest[i] == '\\' && i + 1 < rest.size() &&
              (rest[i + 1] == '\\' || rest[i + 1] == 'n')) {
            help += rest[i + 1] == 'n' ? '\n' : '\\';
            ++i;
          } else {
            help += rest[i];
          }
        }
        t.helps[name] = help;
      }
      continue;
    }
    PromSample s;
    std::size_t p = 0;
    s.name = ReadName(line, p, true);
    if (s.name.empty()) {
      t.error = where + "no metric name";
      return t;
    }
    if (p < line.size() && line[p] == '{') {
      ++p;
      while (p < line.size() && line[p] != '}') {
        const std::string label = ReadName(line, p, false);
        if (label.empty() || p + 1 >= line.size() || line[p] != '=' || line[p + 1] != '"') {
          t.error = where + "bad label";
          return t;
        }
        p += 2;
        std::string value;
        bool closed = false;
        while (p < line.size()) {
          const char c = line[p++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\') {
            if (p >= line.size() || (line[p] != '\\' && line[p] != '"' && line[p] != 'n')) {
              t.error = where + "bad escape in the value of " + label;
              return t;
            }
            value += line[p] == 'n' ? '\n' : line[p];
            ++p;
          } else {
            value += c;
          }
        }
        if (!closed) {
          t.error = where + "unterminated value of " + label;
          return t;
        }
        if (!s.labels.emplace(label, value).second) {
          t.error = where + "label " + label + " twice";
          return t;
        }
        if (p < line.size() && line[p] == ',')
          ++p;
      }
      if (p >= line.size()) {
        t.error = where + "unterminated labels";
        return t;
      }
      ++p;  // '}'
    }
    if (p >= line.size() || line[p] != ' ') {
      t.error = where + "no value";
      return t;
    }
    std::string_view rest = line.substr(p + 1);
    // An optional timestamp follows the value; the gateway writes none.
    const std::size_t space = rest.find(' ');
    auto value = ReadValue(rest.substr(0, space));
    if (!value) {
      t.error = where + "bad value '" + std::string(rest) + "'";
      return t;
    }
    s.value = *value;
    const std::string family = FamilyOf(s.name, t.types);
    if (family.empty()) {
      t.error = where + s.name + " has no TYPE before it";
      return t;
    }
    seen_samples_of.insert(family);
    if (!series.insert({s.name, s.labels}).second) {
      t.error = where + "a repeated series of " + s.name;
      return t;
    }
    t.samples.push_back(std::move(s));
  }
  t.error = CheckHistograms(t);
  return t;
}

}  // namespace ketenpoort::testing
