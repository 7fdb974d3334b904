// Reading the gateway's answers in the pages: a string member that may be absent, and a list
// fetched a page at a time (GET /v1/inbox, /v1/sent, /v1/notices, /v1/audit all answer
// {"KEY": [...], "next": "CURSOR"}, the cursor given back as `after`).
//
//   // (compiled in examples_test.cpp)
//   StringOf(json{{"id", "m-1"}}, "id")          // "m-1"; "" when absent or not a string
//
// FetchPages(staff, "/v1/inbox", {}, "messages", {.page_size = 100, .max_pages = 10}, &cut)
// gives every item of every page, in the gateway's order. DirectoryNames(staff) names
// organisations as the gateway's directory does (GatewayLink::OrganisationName).
//
// Contract: FetchPages asks as the person logged in (staff.link must be set), follows `next`
// until a page comes back short, `next` stops moving, or max_pages were read (then `*cut` is
// true); the first error ends it and is returned. The items come in the gateway's order.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/client/api_client.h"
#include "gateway/core/error.h"
#include "gateway/workspace/staff_page.h"

namespace ketenpoort::workspace {

std::string StringOf(const nlohmann::json& object, const char* key);

// An organisation's name for its id.
using OrgNames = std::function<std::string(const std::string&)>;
// The directory's names, fetched as the person logged in; ids when there is no link.
OrgNames DirectoryNames(const StaffContext& staff);

struct PageBounds {
  int page_size = 100;
  int max_pages = 10;
};

Result<nlohmann::json> FetchPages(const StaffContext& staff, const std::string& path,
                                  const std::vector<client::QueryParam>& query, const char* key,
                                  PageBounds bounds, bool* cut);

}  // namespace ketenpoort::workspace
