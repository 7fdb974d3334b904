#include "gateway/workspace/workspace_routes.h"

#include <chrono>
#include <optional>
#include <string>

#include "gateway/api/cookies_and_forms.h"
#include "gateway/api/html_page.h"
#include "gateway/api/query.h"
#include "gateway/crypto/hash.h"
#include "gateway/crypto/random.h"
#include "gateway/log/log.h"
#include "gateway/workspace/compose_pages.h"
#include "gateway/workspace/message_pages.h"
#include "gateway/workspace/staff_page.h"
#include "gateway/workspace/staff_sessions.h"
#include "gateway/workspace/workspace_pages.h"

namespace ketenpoort::workspace {

namespace {

constexpr std::string_view kSessionCookie = "kp_ws";
constexpr std::string_view kLoginCookie = "kp_ws_login";
constexpr std::string_view kLangCookie = "kp_ws_lang";

api::Response Page(const api::Request& req, int status, std::string html) {
  api::Response r = api::HtmlPage(status, std::move(html), kWorkspacePolicy);
  const std::string q = api::QueryValue(req, "lang");
  if (q == "en" || q == "nl")
    r.headers.emplace_back("Set-Cookie", api::SessionCookie(kLangCookie, q, "/"));
  return r;
}

// The log-in and log-out pages.
class Site {
 public:
  explicit Site(std::shared_ptr<const StaffPages> pages)
      : pages_(std::move(pages)), s_(pages_->site()) {}

  // The request's session, if its cookie names one that is valid now (and then it is touched).
  Result<std::optional<ActiveSession>> SessionOf(const api::Request& req) const {
    const std::string token = api::CookieValue(req, kSessionCookie);
    if (token.empty())
      return std::optional<ActiveSession>();
    return s_.db->Write([&](store::Database& db) {
      return StaffSessions(db).Touch(token, s_.now_ms(), s_.config->session_idle_timeout_ms);
    });
  }

  // To /login, forgetting a session cookie the request still carried.
  static api::Response ToLogin(const api::Request& req) {
    api::Response r = Redirect("/login");
    if (!api::CookieValue(req, kSessionCookie).empty())
      r.headers.emplace_back("Set-Cookie", api::ExpiredCookie(kSessionCookie, "/"));
    return r;
  }

  static api::Response LoginForm(const api::Request& req, int status, LoginForm form,
                                 bool new_csrf) {
    if (new_csrf)
      form.csrf = crypto::RandomToken(32);
    api::Response r = Page(req, status, LoginPage(RequestLang(req), form));
    if (new_csrf)
      r.headers.emplace_back("Set-Cookie", api::SessionCookie(kLoginCookie, form.csrf, "/login"));
    return r;
  }

  api::Response GetLogin(api::Request& req) const {
    auto session = SessionOf(req);
    if (session && *session)
      return Redirect("/inbox");
    const std::string notice = api::QueryValue(req, "notice");
    return LoginForm(req, 200, {.notice = notice == "logged_out" ? notice : ""}, true);
  }

  api::Response PostLogin(api::Request& req) const {
    auto form = api::FormFields(req);
    const std::string cookie = api::CookieValue(req, kLoginCookie);
    if (!form || cookie.empty() ||
        !crypto::ConstantTimeEqual(AsBytes(cookie), AsBytes((*form)["csrf"]))) {
      return LoginForm(req, 403, {.notice = "form_expired"}, true);
    }
    LoginAttempt attempt{(*form)["username"], (*form)["password"], (*form)["code"]};
    // A source address with too many failures is not even asked about: its guesses get no
    // answer about the password until the window has passed.
    const std::int64_t now_ms = s_.now_ms();
    if (s_.throttle != nullptr && !s_.throttle->Allowed(req.remote_address, now_ms)) {
      log::Warn("login_throttled", {});
      return LoginForm(
          req, 429, {.csrf = cookie, .username = attempt.username, .notice = "too_many_attempts"},
          false);
    }
    auto session = s_.login->LogIn(attempt, now_ms);
    if (!session) {
      if (s_.throttle != nullptr && session.error().code == "login_failed")
        s_.throttle->Failed(req.remote_address, now_ms);
      const int status = session.error().code == "login_failed" ? 401 : 500;
      return LoginForm(req, status,
                       {.csrf = cookie, .username = attempt.username, .notice = "login_failed"},
                       false);
    }
    // Sessions nobody came back to are swept here, at a moment that writes anyway.
    auto swept = s_.db->Write([&](store::Database& db) {
      return StaffSessions(db).EndIdle(s_.now_ms(), s_.config->session_idle_timeout_ms);
    });
    if (swept && *swept > 0)
      log::Info("idle_sessions_ended", {{"count", std::to_string(*swept)}});
    api::Response r = Redirect("/inbox");
    r.headers.emplace_back("Set-Cookie", api::SessionCookie(kSessionCookie, session->token, "/"));
    r.headers.emplace_back("Set-Cookie", api::ExpiredCookie(kLoginCookie, "/login"));
    return r;
  }

  api::Response PostLogout(api::Request& req) const {
    auto session = SessionOf(req);
    if (!session || !*session)
      return ToLogin(req);
    auto form = api::FormFields(req);
    const std::string& csrf = (*session)->csrf;
    if (!form || !crypto::ConstantTimeEqual(AsBytes(csrf), AsBytes((*form)["csrf"])))
      return Redirect("/inbox");  // a forged or stale form ends nothing
    const std::string token = api::CookieValue(req, kSessionCookie);
    Status ended = s_.db->Write([&](store::Database& db) { return StaffSessions(db).End(token); });
    if (!ended)  // the database failed: say nothing has changed, and keep the session
      return Redirect("/inbox");
    log::Info("logout", {{"staff_id", std::to_string((*session)->account.id)}});
    api::Response r = Redirect("/login?notice=logged_out");
    r.headers.emplace_back("Set-Cookie", api::ExpiredCookie(kSessionCookie, "/"));
    return r;
  }

 private:
  std::shared_ptr<const StaffPages> pages_;
  const WorkspaceSite& s_;
};

}  // namespace

void RegisterWorkspaceRoutes(api::Router& router, WorkspaceSite s) {
  auto pages = std::make_shared<const StaffPages>(std::move(s));
  auto site = std::make_shared<const Site>(pages);
  router.Add("GET", "/", api::Access::Public(), [](api::Request&) { return Redirect("/inbox"); });
  router.Add(
      "GET", "/assets/{name}", api::Access::Public(),
      [](api::Request& req) {
        const std::string& name = req.params.at("name");
        api::Response r;
        if (name == "workspace.css") {
          r.content_type = "text/css; charset=utf-8";
          r.body = std::string(StyleSheet());
        } else if (name == "favicon.svg") {
          r.content_type = "image/svg+xml";
          r.body = std::string(Favicon());
        } else {
          return api::Response::FromError(NotFound("not_found", "no such asset"));
        }
        api::SetPageHeaders(r, kWorkspacePolicy);
        return r;
      },
      api::HandlerCost::kNonBlocking);
  router.Add("GET", "/login", api::Access::Public(),
             [site](api::Request& req) { return site->GetLogin(req); });
  router.Add("POST", "/login", api::Access::Public(),
             [site](api::Request& req) { return site->PostLogin(req); });
  router.Add("POST", "/logout", api::Access::Public(),
             [site](api::Request& req) { return site->PostLogout(req); });
  RegisterMessagePages(router, pages);
  RegisterComposePages(router, pages);
}

}  // namespace ketenpoort::workspace
