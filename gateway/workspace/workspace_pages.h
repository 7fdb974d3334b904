// The workspace's shared pages: Dutch and English texts, the layout, the login page and the
// layout of every page behind the login (StaffLayout). No I/O and no state: the routes
// (workspace_routes.h) decide what to show and call these to render it. The stylesheet and the
// icon are the portal's (gateway/securemail/portal/assets/), compiled in once more, so both
// look alike from one file.
//
//   // (compiled in examples_test.cpp)
//   std::string html = LoginPage(Lang::kNl, {.csrf = csrf, .notice = "login_failed"});
//   std::string page = StaffLayout(Lang::kEn, {.display_name = "Jet de Vries",
//                                               .org_name = "SHOP Den Haag",
//                                               .roles = {StaffRole::kCoordinator},
//                                               .csrf = session_csrf},
//                                  "Inbox", "<p>...</p>", "/inbox");
//
// Contract: every value from a person or the config goes through HtmlEscape; pages carry no
// script at all and no inline style, so kWorkspacePolicy forbids both. Every input has a
// <label>; a notice is rendered in an element with role="alert" (an aria-live region), id
// "notice" and data-notice=NOTICE for tests. Forms that post carry the hidden field "csrf".
// The login form (id "login") posts username, password and code to /login; the logout form
// (id "logout") posts to /logout. Each page has a language switch (id "lang-switch") to
// SELF?lang=en or ?lang=nl. Roles are shown as words (zorgcoördinator, care coordinator),
// never as codes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gateway/api/html_page.h"
#include "gateway/workspace/staff_account.h"

namespace ketenpoort::workspace {

using api::Lang;

// Only our own stylesheet; no script, no frames, forms post to us only.
inline constexpr std::string_view kWorkspacePolicy =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'";

// The text for `key` in `lang`; the key itself when unknown (a bug shows, never crashes).
std::string_view Text(Lang lang, std::string_view key);

struct LoginForm {
  std::string csrf{};
  std::string username{};  // kept in the form after a failed attempt
  std::string notice{};    // "" | login_failed | form_expired | logged_out
};
std::string LoginPage(Lang lang, const LoginForm& form);

// Who is logged in, for the navigation of every page behind the login.
struct StaffNav {
  std::string display_name{};
  std::string org_name{};
  std::vector<StaffRole> roles{};
  std::string csrf{};  // for the log-out form
};

// A whole page behind the login: the layout of the login page plus a navigation (id "nav":
// inbox, compose, and the audit trail for an auditor), who is logged in (`#display-name`,
// `#organisation`, `#roles`, roles as words) and the log-out form (id "logout"), then
// `body_html` (trusted markup).
std::string StaffLayout(Lang lang, const StaffNav& nav, std::string_view title,
                        std::string_view body_html, std::string_view self_path);

// Served as /assets/workspace.css and /assets/favicon.svg.
std::string_view StyleSheet();
std::string_view Favicon();  // image/svg+xml

}  // namespace ketenpoort::workspace
