#include "gateway/api/url.h"

#include "gateway/crypto/encoding.h"

namespace ketenpoort::api {

namespace {

bool IsDotSegment(std::string_view s) {
  return s == "." || s == "..";
}

}  // namespace

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size())
        return InvalidArgument("invalid_escape", "truncated percent-escape");
      int hi = crypto::HexDigitValue(text[i + 1]);
      int lo = crypto::HexDigitValue(text[i + 2]);
      if (hi < 0 || lo < 0)
        return InvalidArgument("invalid_escape", "malformed percent-escape");
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0')
      return InvalidArgument("invalid_escape", "percent-escape decodes to a NUL byte");
    out.push_back(c);
  }
  return out;
}

Result<std::vector<std::string>> SplitPath(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return InvalidArgument("invalid_path", "request path must start with '/'", "path");
  }
  std::vector<std::string> segments;
  if (path == "/")
    return segments;
  std::size_t start = 1;
  while (true) {
    std::size_t slash = path.find('/', start);
    std::string_view raw =
        path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    auto decoded = PercentDecode(raw);
    if (!decoded) {
      return InvalidArgument("invalid_path", "request path has a malformed percent-escape or a NUL",
                             "path");
    }
    if (IsDotSegment(raw) || IsDotSegment(*decoded)) {
      return InvalidArgument("invalid_path", "request path may not contain '.' or '..' segments",
                             "path");
    }
    segments.push_back(std::move(*decoded));
    if (slash == std::string_view::npos)
      break;
    start = slash + 1;
  }
  return segments;
}

Result<std::map<std::string, std::vector<std::string>>> ParseQueryLists(std::string_view query) {
  std::map<std::string, std::vector<std::string>> out;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t amp = query.find('&', start);
    std::string_view part =
        query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    if (!part.empty()) {
      std::size_t eq = part.find('=');
      auto name = PercentDecode(part.substr(0, eq), /*plus_is_space=*/true);
      auto value =
          PercentDecode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1),
                        /*plus_is_space=*/true);
      if (!name || !value) {
        return InvalidArgument("invalid_query", "query has a malformed percent-escape or a NUL",
                               "query");
      }
      if (name->empty())
        return InvalidArgument("invalid_query", "query has an empty name", "query");
      out[std::move(*name)].push_back(std::move(*value));
    }
    if (amp == std::string_view::npos)
      break;
    start = amp + 1;
  }
  return out;
}

Result<std::map<std::string, std::string>> ParseQuery(std::string_view query) {
  KP_ASSIGN_OR_RETURN(auto lists, ParseQueryLists(query));
  std::map<std::string, std::string> out;
  for (auto& [name, values] : lists) {
    if (values.size() != 1) {
      return InvalidArgument("duplicate_query_parameter",
                             "a query parameter appears more than once", "query");
    }
    out.emplace(name, std::move(values.front()));
  }
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
        c == '-' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace ketenpoort::api
