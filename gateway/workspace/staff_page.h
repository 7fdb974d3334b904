// What every page of a logged-in staff member starts from and ends with: the session behind
// the request's cookie, the page language, the organisation and its link to the gateway, and
// the page within the staff layout (navigation, who is logged in, the log-out form). The login
// pages (workspace_routes.cpp) and each group of pages (message_pages.h, compose_pages.h,
// audit_pages.h) use one StaffPages, so a rule about sessions or CSRF lives here once.
//
//   // (compiled in examples_test.cpp)
//   StaffPages pages(site);
//   api::Response login;
//   auto staff = pages.Begin(req, &login);
//   if (!staff) return login;                       // 303 /login: no valid session
//   staff->link->Get(staff->user(), "/v1/inbox");   // as this person, at the gateway
//   return pages.Page(req, *staff, 200, Text(staff->lang, "title_inbox"), body, "/inbox");
//
// Contract:
// - Begin: the cookie `kp_ws` must name a session valid now (StaffSessions::Touch, which also
//   records this use); else nullopt and `*login` is a 303 to /login that forgets the cookie. A
//   database failure is treated as no session. The language is ?lang= (nl|en, then remembered in
//   the cookie `kp_ws_lang`), else that cookie, else Dutch.
// - CsrfOk: the form's "csrf" equals the session's token (compared in constant time). Every
//   POST of a logged-in page checks it before it changes anything.
// - Page renders `body_html` (trusted markup, escaped by its maker) in StaffLayout with
//   kWorkspacePolicy and, when ?lang= was given, the language cookie.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/api/html_page.h"
#include "gateway/api/http_types.h"
#include "gateway/workspace/gateway_link.h"
#include "gateway/workspace/staff_sessions.h"
#include "gateway/workspace/workspace_routes.h"

namespace ketenpoort::workspace {

struct StaffContext {
  ActiveSession session{};
  api::Lang lang = api::Lang::kNl;
  const WorkspaceOrganisation* org = nullptr;  // the account's organisation
  const GatewayLink* link = nullptr;           // its link to the gateway; null: not configured

  const StaffAccount& account() const { return session.account; }
  const std::string& user() const { return session.account.username; }
  const std::string& csrf() const { return session.csrf; }
  bool Has(StaffRole role) const;
};

class StaffPages {
 public:
  explicit StaffPages(WorkspaceSite site);

  std::optional<StaffContext> Begin(const api::Request& req, api::Response* login) const;
  static bool CsrfOk(const StaffContext& staff, const std::map<std::string, std::string>& form);

  api::Response Page(const api::Request& req, const StaffContext& staff, int status,
                     std::string_view title, const std::string& body_html,
                     std::string_view self_path) const;
  // An error page in the layout: `status`, the title and the text for `notice` (a Text key).
  api::Response ErrorPage(const api::Request& req, const StaffContext& staff, int status,
                          std::string_view notice) const;

  const WorkspaceSite& site() const { return site_; }
  std::int64_t NowMs() const { return site_.now_ms(); }

 private:
  WorkspaceSite site_;
};

// The language of `req`: ?lang=, else the cookie, else Dutch.
api::Lang RequestLang(const api::Request& req);

// A 303 to `location` with the workspace's page headers.
api::Response Redirect(const std::string& location);

}  // namespace ketenpoort::workspace
