#include "gateway/workspace/audit_page.h"

#include <algorithm>
#include <vector>

#include "gateway/api/query.h"
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
constexpr int kMaxPages = 5;
constexpr int kPageSize = 1000;
constexpr std::size_t kShown = 500;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

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
  const std::string event = Str(e, "event");
  std::string who = Str(e, "user");
  const std::string org = Str(e, "organisation");
  if (!org.empty())
    who += (who.empty() ? "" : ", ") + names(org);
  const std::string role = Str(e, "role");
  if (!role.empty())
    who += " (" + role + ")";
  std::string about = Str(e, "object");
  const std::string subject = Str(e, "subject_ref");
  std::string row = "<tr class=\"entry\" data-event=\"" + HtmlEscape(event) + "\">";
  row += "<td>" + HtmlEscape(LocalTimeText(lang, Str(e, "time"))) + "</td>";
  row += "<td>" + HtmlEscape(Label(lang, "event", event)) + " <span class=\"meta\">(" +
         HtmlEscape(Label(lang, "action", Str(e, "action"))) + ")</span></td>";
  row += "<td>" + HtmlEscape(who) + "</td>";
  row += "<td>" + HtmlEscape(about);
  if (!subject.empty())
    row += "<br><span class=\"meta pseudonym\">" + T(lang, "client") + " " +
           HtmlEscape(subject.substr(0, 12)) + "…</span>";
  row += "</td>";
  const std::string basis = Str(e, "authorisation_basis");
  row +=
      "<td>" + HtmlEscape(HasLabel("basis", basis) ? Label(lang, "basis", basis) : basis) + "</td>";
  row += "<td>" + HtmlEscape(Outcome(lang, Str(e, "outcome"))) + "</td></tr>";
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
    std::vector<client::QueryParam> query = {{"format", "json"},
                                             {"limit", std::to_string(kPageSize)}};
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
    std::string after = "0";
    for (int page = 0; v.error_key.empty() && page < kMaxPages; ++page) {
      auto q = query;
      q.emplace_back("after", after);
      auto got = staff->link->Get(staff->user(), "/v1/audit", q);
      if (!got) {
        v.error_key = std::string(NoticeFor(got.error()));
        break;
      }
      const json& list = got->contains("entries") && (*got)["entries"].is_array()
                             ? (*got)["entries"]
                             : json::array();
      for (const json& e : list)
        v.entries.push_back(e);
      const std::string next = Str(*got, "next");
      if (list.size() < static_cast<std::size_t>(kPageSize) || next.empty() || next == after)
        break;
      after = next;
      v.cut = page + 1 == kMaxPages;
    }
    const GatewayLink* link = staff->link;
    const std::string user = staff->user();
    OrgNames names = [link, user](const std::string& org) {
      return link != nullptr ? link->OrganisationName(user, org) : org;
    };
    return pages->Page(req, *staff, 200, Text(staff->lang, "nav_audit"),
                       AuditHtml(staff->lang, v, names), "/audit");
  });
}

}  // namespace ketenpoort::workspace
