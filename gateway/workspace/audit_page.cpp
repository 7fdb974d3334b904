#include "gateway/workspace/audit_page.h"

#include <algorithm>
#include <vector>

#include "gateway/api/query.h"
#include "gateway/workspace/gateway_lists.h"
#include "gateway/workspace/labels.h"
#include "gateway/workspace/local_time.h"
#include "gateway/workspace/page_notices.h"
#include "gateway/workspace/staff_rights.h"
#include "gateway/workspace/workspace_pages.h"

namespace ketenpoort::workspace {

namespace {

using api::HtmlEscape;
using nlohmann::json;

// Pages of 1000 entries, at most 5: the newest are shown, the rest is for `audit export`.
constexpr PageBounds kBounds{.page_size = 1000, .max_pages = 5};
constexpr std::size_t kShown = 500;

std::int64_t Seq(const json& j) {
  auto it = j.find("seq");
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

std::string T(api::Lang lang, std::string_view key) {
  return HtmlEscape(Text(lang, key));
}

std::string Input(api::Lang lang, const char* name, const char* type, const std::string& value,
                  std::string_view label) {
  const std::string id = std::string("filter-") + name;
  return "<label for=\"" + id + "\">" + T(lang, label) + "</label><input type=\"" + type +
         "\" id=\"" + id + "\" name=\"" + name + "\" value=\"" + HtmlEscape(value) + "\">";
}

std::string Outcome(api::Lang lang, const std::string& outcome) {
  if (outcome == "success" || HasLabel("outcome", outcome))
    return Label(lang, "outcome", outcome);
  // A failure is recorded as its code: shown as "refused", with the code for the specialist.
  return Label(lang, "outcome", "denied") + " (" + outcome + ")";
}

std::string EntryRow(api::Lang lang, const json& e, const OrgNames& names) {
  const std::string event = StringOf(e, "event");
  std::string who = StringOf(e, "user");
  const std::string org = StringOf(e, "organisation");
  if (!org.empty())
    who += (who.empty() ? "" : ", ") + names(org);
  const std::string role = StringOf(e, "role");
  if (!role.empty())
    who += " (" + Label(lang, "role", role) + ")";
  std::string about = StringOf(e, "object");
  const std::string subject = StringOf(e, "subject_ref");
  std::string row = "<tr class=\"entry\" data-event=\"" + HtmlEscape(event) + "\">";
  row += "<td>" + HtmlEscape(LocalTimeText(lang, StringOf(e, "time"))) + "</td>";
  row += "<td>" + HtmlEscape(Label(lang, "event", event)) + " <span class=\"meta\">(" +
         HtmlEscape(Label(lang, "action", StringOf(e, "action"))) + ")</span></td>";
  row += "<td>" + HtmlEscape(who) + "</td>";
  row += "<td>" + HtmlEscape(about);
  if (!subject.empty())
    row += "<br><span class=\"meta pseudonym\">" + T(lang, "client") + " " +
           HtmlEscape(subject.substr(0, 12)) + "…</span>";
  row += "</td>";
  const std::string basis = StringOf(e, "authorisation_basis");
  row +=
      "<td>" + HtmlEscape(HasLabel("basis", basis) ? Label(lang, "basis", basis) : basis) + "</td>";
  row += "<td>" + HtmlEscape(Outcome(lang, StringOf(e, "outcome"))) + "</td></tr>";
  return row;
}

}  // namespace

std::string AuditHtml(api::Lang lang, const AuditView& v, const OrgNames& names) {
  std::string out =
      "<section class=\"card\"><form id=\"audit-filter\" method=\"get\" "
      "action=\"/audit\">";
  out += Input(lang, "subject_ref", "text", v.filter.subject_ref, "filter_subject");
  out += Input(lang, "actor", "text", v.filter.actor, "filter_actor");
  out += Input(lang, "from", "date", v.filter.from, "filter_from");
  out += Input(lang, "to", "date", v.filter.to, "filter_to");
  out += "<button type=\"submit\">" + T(lang, "filter") + "</button></form></section>";
  out += "<section class=\"card\" id=\"audit\"><h2>" + T(lang, "audit_entries") + "</h2>";
  if (!v.error_key.empty()) {
    out += "<p class=\"error\" id=\"audit-error\">" + T(lang, v.error_key) + "</p>";
    return out + "</section>";
  }
  std::vector<json> entries;
  if (v.entries.is_array())
    entries.assign(v.entries.begin(), v.entries.end());
  std::stable_sort(entries.begin(), entries.end(),
                   [](const json& a, const json& b) { return Seq(a) > Seq(b); });
  if (entries.empty()) {
    out += "<p class=\"meta\">" + T(lang, "audit_none") + "</p>";
    return out + "</section>";
  }
  const bool cut = v.cut || entries.size() > kShown;
  if (entries.size() > kShown)
    entries.resize(kShown);
  out += "<div class=\"scroll\"><table id=\"audit-entries\"><caption>" + T(lang, "audit_caption") +
         "</caption><thead><tr>";
  for (const char* key :
       {"col_time", "col_what", "col_who", "col_about", "col_basis", "col_outcome"}) {
    out += "<th scope=\"col\">" + T(lang, key) + "</th>";
  }
  out += "</tr></thead><tbody>";
  for (const json& e : entries)
    out += EntryRow(lang, e, names);
  out += "</tbody></table></div>";
  if (cut)
    out += "<p class=\"meta\">" + T(lang, "audit_cut") + "</p>";
  return out + "</section>";
}

void RegisterAuditPage(api::Router& router, std::shared_ptr<const StaffPages> pages) {
  router.Add("GET", "/audit", api::Access::Public(), [pages](api::Request& req) {
    api::Response login;
    auto staff = pages->Begin(req, &login);
    if (!staff)
      return login;
    if (!MayAudit(*staff))
      return pages->ErrorPage(req, *staff, 403, "not_allowed");
    AuditView v;
    v.filter = {api::QueryValue(req, "subject_ref"), api::QueryValue(req, "actor"),
                api::QueryValue(req, "from"), api::QueryValue(req, "to")};
    std::vector<client::QueryParam> query = {{"format", "json"}};
    if (!v.filter.subject_ref.empty())
      query.emplace_back("subject_ref", v.filter.subject_ref);
    if (!v.filter.actor.empty())
      query.emplace_back("actor", v.filter.actor);
    if (!v.filter.from.empty()) {
      auto start = LocalDayStart(v.filter.from);
      if (start)
        query.emplace_back("from", UtcText(*start));
      else
        v.error_key = "error_invalid_input";
    }
    if (!v.filter.to.empty()) {
      auto end = LocalDayEnd(v.filter.to);
      if (end)  // the whole day: up to the start of the next one
        query.emplace_back("to", UtcText(*end - 1000));
      else
        v.error_key = "error_invalid_input";
    }
    if (staff->link == nullptr)
      v.error_key = "no_gateway_link";
    if (v.error_key.empty()) {
      auto got = FetchPages(*staff, "/v1/audit", query, "entries", kBounds, &v.cut);
      if (got)
        v.entries = std::move(*got);
      else
        v.error_key = std::string(NoticeFor(got.error()));
    }
    return pages->Page(req, *staff, 200, Text(staff->lang, "nav_audit"),
                       AuditHtml(staff->lang, v, DirectoryNames(*staff)), "/audit");
  });
}

}  // namespace ketenpoort::workspace
