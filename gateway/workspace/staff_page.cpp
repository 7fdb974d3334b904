#include "gateway/workspace/staff_page.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "gateway/api/cookies_and_forms.h"
#include "gateway/api/query.h"
#include "gateway/crypto/hash.h"
#include "gateway/workspace/workspace_pages.h"

namespace ketenpoort::workspace {

namespace {

constexpr std::string_view kSessionCookie = "kp_ws";
constexpr std::string_view kLangCookie = "kp_ws_lang";

std::int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

bool StaffContext::Has(StaffRole role) const {
  const auto& roles = session.account.roles;
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

api::Lang RequestLang(const api::Request& req) {
  const std::string q = api::QueryValue(req, "lang");
  if (q == "en" || q == "nl")
    return api::ParseLang(q);
  return api::ParseLang(api::CookieValue(req, kLangCookie) == "en" ? "en" : "nl");
}

api::Response Redirect(const std::string& location) {
  return api::SeeOther(location, kWorkspacePolicy);
}

StaffPages::StaffPages(WorkspaceSite site) : site_(std::move(site)) {
  if (!site_.now_ms)
    site_.now_ms = SystemNowMs;
}

std::optional<StaffContext> StaffPages::Begin(const api::Request& req, api::Response* login) const {
  const std::string token = api::CookieValue(req, kSessionCookie);
  Result<std::optional<ActiveSession>> session = std::optional<ActiveSession>();
  if (!token.empty()) {
    session = site_.db->Write([&](store::Database& db) {
      return StaffSessions(db).Touch(token, site_.now_ms(), site_.config->session_idle_timeout_ms);
    });
  }
  if (!session || !*session) {
    *login = Redirect("/login");
    if (!token.empty())
      login->headers.emplace_back("Set-Cookie", api::ExpiredCookie(kSessionCookie, "/"));
    return std::nullopt;
  }
  StaffContext staff;
  staff.session = std::move(**session);
  staff.lang = RequestLang(req);
  staff.org = site_.config->FindOrganisation(staff.session.account.org);
  if (site_.links != nullptr) {
    auto it = site_.links->find(staff.session.account.org);
    if (it != site_.links->end())
      staff.link = it->second.get();
  }
  return staff;
}

bool StaffPages::CsrfOk(const StaffContext& staff, const std::map<std::string, std::string>& form) {
  auto it = form.find("csrf");
  return it != form.end() && !staff.csrf().empty() &&
         crypto::ConstantTimeEqual(AsBytes(staff.csrf()), AsBytes(it->second));
}

api::Response StaffPages::Page(const api::Request& req, const StaffContext& staff, int status,
                               std::string_view title, const std::string& body_html,
                               std::string_view self_path) const {
  const StaffAccount& a = staff.account();
  StaffNav nav{.display_name = a.display_name,
               .org_name = staff.org != nullptr ? staff.org->name : a.org,
               .roles = a.roles,
               .csrf = staff.csrf()};
  api::Response r = api::HtmlPage(status, StaffLayout(staff.lang, nav, title, body_html, self_path),
                                  kWorkspacePolicy);
  const std::string q = api::QueryValue(req, "lang");
  if (q == "en" || q == "nl")
    r.headers.emplace_back("Set-Cookie", api::SessionCookie(kLangCookie, q, "/"));
  return r;
}

api::Response StaffPages::ErrorPage(const api::Request& req, const StaffContext& staff, int status,
                                    std::string_view notice) const {
  std::string body =
      "<div id=\"status\" aria-live=\"assertive\"><p id=\"notice\" role=\"alert\" "
      "class=\"error\" data-notice=\"" +
      api::HtmlEscape(notice) + "\">" + api::HtmlEscape(Text(staff.lang, notice)) + "</p></div>";
  body +=
      "<p><a href=\"/inbox\">" + api::HtmlEscape(Text(staff.lang, "back_to_inbox")) + "</a></p>";
  return Page(req, staff, status, Text(staff.lang, "title_error"), body, "/inbox");
}

}  // namespace ketenpoort::workspace
