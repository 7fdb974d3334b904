// The audit trail for staff with the auditor role (/audit): GET /v1/audit of their own
// organisation, filtered by client pseudonym (subject_ref), acting person (actor) and a
// period of Dutch calendar days (from, to), as a table in words and Dutch local time, newest
// first.
//
//   // (compiled in examples_test.cpp)
//   std::string html = AuditHtml(Lang::kNl, {.entries = got["entries"]}, names);
//
// Contract of the markup: the filter form (id "audit-filter", GET /audit, fields subject_ref,
// actor, from, to: from and to are dates, `to` inclusive) and the table #audit-entries with
// one <tr class="entry" data-event=EVENT> per entry: time, what happened (event and action in
// words), who (person, organisation by name, role), about what (object, client pseudonym),
// basis and outcome. Staff without the auditor role get 403 and a sentence; a gateway refusal
// shows as a sentence (error_key) and the filter form stays usable.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "gateway/api/html_page.h"
#include "gateway/api/router.h"
#include "gateway/workspace/inbox_page.h"
#include "gateway/workspace/staff_page.h"

namespace ketenpoort::workspace {

struct AuditFilter {
  std::string subject_ref{};
  std::string actor{};
  std::string from{};  // YYYY-MM-DD
  std::string to{};    // YYYY-MM-DD, inclusive
};

struct AuditView {
  AuditFilter filter{};
  nlohmann::json entries = nlohmann::json::array();  // any order; shown newest first
  bool cut = false;                                  // more entries than were fetched
  std::string error_key{};                           // a Text key
};

std::string AuditHtml(api::Lang lang, const AuditView& view, const OrgNames& names);

void RegisterAuditPage(api::Router& router, std::shared_ptr<const StaffPages> pages);

}  // namespace ketenpoort::workspace
