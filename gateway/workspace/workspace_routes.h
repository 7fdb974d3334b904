// The HTTP face of the workspace: its pages on api::Router. HTML in and out, forms and
// cookies; the decisions are StaffLogin's and StaffSessions'.
//
//   // (compiled in examples_test.cpp)
//   RegisterWorkspaceRoutes(router, {.config = &config, .db = &db, .login = &login});
//
//   GET  /                        -> 303 /inbox
//   GET  /login                   the login form (a valid session: 303 /inbox)
//   POST /login                   form csrf, username, password, code -> 303 /inbox with the
//                                 session cookie; refused: the form again (401), one message
//   POST /logout                  form csrf -> session ended, 303 /login?notice=logged_out
//   GET  /inbox, /messages/...,   the message pages and the audit trail (message_pages.h)
//        /audit
//   GET  /assets/workspace.css    the stylesheet; /assets/favicon.svg the icon
// Any page but /login without a valid session: 303 /login.
//
// Cookies, all HttpOnly, Secure, SameSite=Strict: `kp_ws` the session token (Path=/);
// `kp_ws_login` the login form's CSRF token (Path=/login; double submit: the form's csrf field
// must equal it, so another site cannot log a browser in to an account of its choosing);
// `kp_ws_lang` the language chosen with ?lang=nl|en (Dutch without one). The session's forms
// carry the session's own CSRF token. Every page has kWorkspacePolicy as its CSP,
// Referrer-Policy: no-referrer and X-Frame-Options: DENY; the server adds Cache-Control:
// no-store (api/https_server.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "gateway/api/router.h"
#include "gateway/store/guarded_database.h"
#include "gateway/workspace/login_throttle.h"
#include "gateway/workspace/staff_login.h"
#include "gateway/workspace/workspace_config.h"

namespace ketenpoort::workspace {

class GatewayLink;

struct WorkspaceSite {
  const WorkspaceConfig* config = nullptr;
  // Each organisation's link to its gateway, by organisation id (gateway_link.h); may be null
  // or miss an organisation: its staff can log in, and its pages say the gateway is not set up.
  const std::map<std::string, std::unique_ptr<GatewayLink>>* links = nullptr;
  store::GuardedDatabase* db = nullptr;
  StaffLogin* login = nullptr;
  // Failed log-ins per source address; null: not counted (tests of other pages).
  LoginThrottle* throttle = nullptr;
  // Milliseconds since the epoch; the system clock when empty.
  std::function<std::int64_t()> now_ms{};
};

void RegisterWorkspaceRoutes(api::Router& router, WorkspaceSite site);

}  // namespace ketenpoort::workspace
