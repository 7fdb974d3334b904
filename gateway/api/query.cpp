#include "gateway/api/query.h"

#include <charconv>

namespace ketenpoort::api {

std::string QueryValue(const Request& request, const std::string& name) {
  auto it = request.query.find(name);
  return it == request.query.end() ? std::string() : it->second;
}

Result<std::int64_t> QueryInteger(const Request& request, const std::string& name,
                                  std::int64_t fallback, std::int64_t min, std::int64_t max) {
  const std::string text = QueryValue(request, name);
  if (text.empty())
    return fallback;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return InvalidArgument(
        "invalid_query",
        "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max), name);
  }
  return v;
}

}  // namespace ketenpoort::api
