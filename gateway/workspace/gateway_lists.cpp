#include "gateway/workspace/gateway_lists.h"

namespace ketenpoort::workspace {

using nlohmann::json;

std::string StringOf(const json& object, const char* key) {
  if (!object.is_object())
    return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

OrgNames DirectoryNames(const StaffContext& staff) {
  const GatewayLink* link = staff.link;
  std::string user = staff.user();
  return [link, user](const std::string& org) {
    return link != nullptr ? link->OrganisationName(user, org) : org;
  };
}

Result<json> FetchPages(const StaffContext& staff, const std::string& path,
                        const std::vector<client::QueryParam>& query, const char* key,
                        PageBounds bounds, bool* cut) {
  json all = json::array();
  std::string after = "0";
  for (int page = 0; page < bounds.max_pages; ++page) {
    std::vector<client::QueryParam> q = query;
    q.emplace_back("after", after);
    q.emplace_back("limit", std::to_string(bounds.page_size));
    KP_ASSIGN_OR_RETURN(json got, staff.link->Get(staff.user(), path, q));
    const json items = got.contains(key) && got[key].is_array() ? got[key] : json::array();
    for (const json& item : items)
      all.push_back(item);
    const std::string next = StringOf(got, "next");
    if (items.size() < static_cast<std::size_t>(bounds.page_size) || next.empty() ||
        next == after) {
      return all;
    }
    after = next;
  }
  *cut = true;
  return all;
}

}  // namespace ketenpoort::workspace
