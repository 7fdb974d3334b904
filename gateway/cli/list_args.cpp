#include "gateway/cli/list_args.h"

#include <algorithm>

#include "gateway/core/organisation.h"

namespace ketenpoort::cli {

namespace {

std::vector<std::string_view> SplitCommas(std::string_view text) {
  std::vector<std::string_view> items;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    items.push_back(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos)
      return items;
    start = comma + 1;
  }
}

}  // namespace

Result<std::map<std::string, std::string>> ParseKeyValueList(std::string_view text,
                                                             const std::string& flag) {
  std::map<std::string, std::string> out;
  if (text.empty())
    return InvalidArgument("invalid_key_value_list", "expected key=value,...", flag);
  for (std::string_view item : SplitCommas(text)) {
    size_t eq = item.find('=');
    if (item.empty() || eq == std::string_view::npos || eq == 0 || eq + 1 == item.size()) {
      return InvalidArgument("invalid_key_value_list",
                             "every item must be key=value with both parts non-empty", flag);
    }
    std::string key(item.substr(0, eq));
    if (!out.emplace(key, std::string(item.substr(eq + 1))).second) {
      return InvalidArgument("invalid_key_value_list", "key '" + key + "' is given twice", flag);
    }
  }
  return out;
}

Result<std::vector<std::string>> ParseOrgList(std::string_view text, const std::string& flag) {
  std::vector<std::string> out;
  if (text.empty())
    return InvalidArgument("invalid_org_list", "expected ORG,...", flag);
  for (std::string_view item : SplitCommas(text)) {
    if (item.empty())
      return InvalidArgument("invalid_org_list", "empty organisation id in the list", flag);
    if (!IsValidOrgId(item)) {
      return InvalidArgument("invalid_org_list",
                             "'" + std::string(item) + "' is not an organisation id", flag);
    }
    if (std::find(out.begin(), out.end(), item) != out.end()) {
      return InvalidArgument("invalid_org_list", "'" + std::string(item) + "' is given twice",
                             flag);
    }
    out.emplace_back(item);
  }
  return out;
}

}  // namespace ketenpoort::cli
