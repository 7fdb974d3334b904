// The workspace's pages through its router (no sockets): login, the inbox, logout,
// idle expiry, the cookies, CSRF and the security headers of every page.
#include "gateway/workspace/workspace_routes.h"

#include <atomic>
#include <map>
#include <optional>
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "gateway/api/http_types.h"
#include "gateway/api/url.h"
#include "gateway/store/guarded_database.h"
#include "gateway/workspace/staff_credentials.h"
#include "gateway/workspace/workspace_pages.h"
#include "gateway/workspace/workspace_test_util.h"

namespace ketenpoort::workspace {
namespace {

constexpr std::int64_t kStart = 1'796'000'000'000;

std::string Header(const api::Response& r, const std::string& name) {
  std::string out;
  for (const auto& [k, v] : r.headers) {
    if (api::EqualsIgnoreCase(k, name))
      out += (out.empty() ? "" : "\n") + v;
  }
  return out;
}

// The value a Set-Cookie header of `r` gives cookie `name` ("" when none).
std::string CookieSet(const api::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == "Set-Cookie" && v.rfind(name + "=", 0) == 0)
      return v.substr(name.size() + 1, v.find(';') - name.size() - 1);
  }
  return "";
}

std::string CsrfOf(const std::string& html) {
  std::smatch m;
  std::regex re("name=\"csrf\" value=\"([^\"]+)\"");
  return std::regex_search(html, m, re) ? m[1].str() : "";
}

class WorkspaceRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = test::FreshWorkspaceDatabase(dir_);
    ASSERT_TRUE(opened) << opened.error().message;
    db_.emplace(std::move(*opened));
    config_.session_idle_timeout_ms = 15 * 60000;
    config_.lockout = {.max_failures = 3, .lock_ms = 60000};
    config_.organisations.push_back({.id = "shop-denhaag", .name = "SHOP Den Haag"});
    auto c = db_->Write([&](store::Database& db) {
      return AddStaff(db,
                      {.org = "shop-denhaag",
                       .username = "j.devries",
                       .display_name = "Jet <de> Vries",
                       .roles = {StaffRole::kCoordinator, StaffRole::kAuditor}},
                      crypto::kMinimumPasswordCost, kStart);
    });
    ASSERT_TRUE(c);
    password_ = c->password;
    login_.emplace(*db_, config_.lockout, crypto::kMinimumPasswordCost);
    RegisterWorkspaceRoutes(router_, {.config = &config_,
                                      .db = &*db_,
                                      .login = &*login_,
                                      .throttle = &throttle_,
                                      .now_ms = [this] { return now_.load(); }});
  }

  api::Response Send(const std::string& method, const std::string& path,
                     std::map<std::string, std::string> cookies = {},
                     std::map<std::string, std::string> form = {},
                     std::map<std::string, std::string> query = {}) {
    api::Request req;
    req.method = method;
    req.path = path;
    req.query = std::move(query);
    req.remote_address = remote_address_;
    std::string cookie;
    for (const auto& [k, v] : cookies)
      cookie += (cookie.empty() ? "" : "; ") + k + "=" + v;
    if (!cookie.empty())
      req.headers["Cookie"] = cookie;
    if (method == "POST") {
      req.headers["Content-Type"] = "application/x-www-form-urlencoded";
      for (const auto& [k, v] : form)
        req.body += (req.body.empty() ? "" : "&") + k + "=" + api::PercentEncode(v);
    }
    return api::Response::Wait(router_.Dispatch(req, {}));
  }

  std::string Code() {
    return db_->Read([&](store::Database& db) {
      return test::TotpCode(test::SecretOf(db, "j.devries"), now_ / 1000);
    });
  }

  // Logs in and returns the session cookie.
  std::string LogIn() {
    api::Response form = Send("GET", "/login");
    const std::string login_cookie = CookieSet(form, "kp_ws_login");
    api::Response r = Send("POST", "/login", {{"kp_ws_login", login_cookie}},
                           {{"csrf", CsrfOf(form.body)},
                            {"username", "j.devries"},
                            {"password", password_},
                            {"code", Code()}});
    EXPECT_EQ(r.status, 303) << r.body;
    EXPECT_EQ(Header(r, "Location"), "/inbox");
    return CookieSet(r, "kp_ws");
  }

  void ExpectPageHeaders(const api::Response& r) {
    EXPECT_EQ(Header(r, "Content-Security-Policy"), std::string(kWorkspacePolicy));
    EXPECT_EQ(Header(r, "X-Frame-Options"), "DENY");
    EXPECT_EQ(Header(r, "Referrer-Policy"), "no-referrer");
  }

  store::test::TempDir dir_;
  std::optional<store::GuardedDatabase> db_;
  WorkspaceConfig config_;
  std::optional<StaffLogin> login_;
  LoginThrottle throttle_{{.max_failures = 4, .window_ms = 60000}};
  std::string remote_address_ = "192.0.2.7";
  api::Router router_;
  std::string password_;
  std::atomic<std::int64_t> now_{kStart};
};

TEST_F(WorkspaceRoutesTest, PagesWithoutASessionRedirectToLogin) {
  for (auto [method, path] :
       {std::pair{"GET", "/inbox"}, std::pair{"POST", "/logout"}, std::pair{"GET", "/"}}) {
    api::Response r = Send(method, path, {{"kp_ws", "made-up"}});
    EXPECT_EQ(r.status, 303) << path;
    ExpectPageHeaders(r);
    if (std::string(path) != "/") {
      EXPECT_EQ(Header(r, "Location"), "/login") << path;
      EXPECT_NE(Header(r, "Set-Cookie").find("kp_ws=; Path=/; Max-Age=0"), std::string::npos);
    }
  }
}

TEST_F(WorkspaceRoutesTest, TheLoginPageIsDutchLabelledAndSetsItsCsrfCookie) {
  api::Response r = Send("GET", "/login");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  ExpectPageHeaders(r);
  EXPECT_NE(r.body.find("<html lang=\"nl\">"), std::string::npos);
  for (const char* field : {"username", "password", "code"}) {
    EXPECT_NE(r.body.find("<label for=\"" + std::string(field) + "\">"), std::string::npos);
    EXPECT_NE(r.body.find("name=\"" + std::string(field) + "\""), std::string::npos);
  }
  EXPECT_NE(r.body.find("aria-live"), std::string::npos);
  EXPECT_EQ(r.body.find("<script"), std::string::npos);
  EXPECT_EQ(r.body.find("style=\""), std::string::npos);
  const std::string csrf = CookieSet(r, "kp_ws_login");
  EXPECT_EQ(csrf, CsrfOf(r.body));
  EXPECT_NE(Header(r, "Set-Cookie").find("; Path=/login; HttpOnly; Secure; SameSite=Strict"),
            std::string::npos);
  api::Response en = Send("GET", "/login", {}, {}, {{"lang", "en"}});
  EXPECT_NE(en.body.find("<html lang=\"en\">"), std::string::npos);
  EXPECT_EQ(CookieSet(en, "kp_ws_lang"), "en");
}

TEST_F(WorkspaceRoutesTest, LoginShowsTheInboxWithNameOrganisationAndRoles) {
  const std::string session = LogIn();
  ASSERT_EQ(session.size(), 43u);
  api::Response inbox = Send("GET", "/inbox", {{"kp_ws", session}});
  EXPECT_EQ(inbox.status, 200);
  ExpectPageHeaders(inbox);
  EXPECT_NE(inbox.body.find("Jet &lt;de&gt; Vries"), std::string::npos);
  EXPECT_NE(inbox.body.find("SHOP Den Haag"), std::string::npos);
  EXPECT_NE(inbox.body.find("zorgcoördinator, auditor"), std::string::npos);
  api::Response login = Send("GET", "/login", {{"kp_ws", session}});
  EXPECT_EQ(login.status, 303);
  EXPECT_EQ(Header(login, "Location"), "/inbox");
  api::Response en = Send("GET", "/inbox", {{"kp_ws", session}, {"kp_ws_lang", "en"}});
  EXPECT_NE(en.body.find("care coordinator, auditor"), std::string::npos);
}

TEST_F(WorkspaceRoutesTest, AFailedLoginSaysOneThingAndSetsNoSession) {
  api::Response form = Send("GET", "/login");
  const std::string cookie = CookieSet(form, "kp_ws_login");
  api::Response r = Send("POST", "/login", {{"kp_ws_login", cookie}},
                         {{"csrf", CsrfOf(form.body)},
                          {"username", "j.devries"},
                          {"password", "wrong"},
                          {"code", Code()}});
  EXPECT_EQ(r.status, 401);
  ExpectPageHeaders(r);
  EXPECT_NE(r.body.find("data-notice=\"login_failed\""), std::string::npos);
  EXPECT_NE(r.body.find("role=\"alert\""), std::string::npos);
  EXPECT_EQ(CookieSet(r, "kp_ws"), "");
  api::Response unknown = Send("POST", "/login", {{"kp_ws_login", cookie}},
                               {{"csrf", CsrfOf(form.body)},
                                {"username", "nobody"},
                                {"password", password_},
                                {"code", Code()}});
  EXPECT_EQ(unknown.status, 401);
  // The same page but for the username typed, which the form keeps.
  EXPECT_EQ(std::regex_replace(unknown.body, std::regex("nobody"), "j.devries"), r.body);
}

// Guesses spread over many usernames from one address lock no single account, so the address
// itself is refused once it has failed per_address_failures times; the refusal does not even
// look at the password, and it lifts when the window has passed.
TEST_F(WorkspaceRoutesTest, OneAddressWithTooManyFailuresIsRefusedWhateverItTries) {
  api::Response form = Send("GET", "/login");
  const std::string cookie = CookieSet(form, "kp_ws_login");
  auto attempt = [&](const std::string& user, const std::string& password) {
    return Send("POST", "/login", {{"kp_ws_login", cookie}},
                {{"csrf", CsrfOf(form.body)},
                 {"username", user},
                 {"password", password},
                 {"code", Code()}});
  };
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(attempt("guess" + std::to_string(i), "wrong").status, 401);
  api::Response refused = attempt("j.devries", password_);
  EXPECT_EQ(refused.status, 429);
  EXPECT_NE(refused.body.find("data-notice=\"too_many_attempts\""), std::string::npos);
  EXPECT_EQ(CookieSet(refused, "kp_ws"), "");

  // Another network logs in; this one does once the window has passed.
  remote_address_ = "2001:db8:1:2::9";
  api::Response other = Send("GET", "/login");
  EXPECT_EQ(Send("POST", "/login", {{"kp_ws_login", CookieSet(other, "kp_ws_login")}},
                 {{"csrf", CsrfOf(other.body)},
                  {"username", "j.devries"},
                  {"password", password_},
                  {"code", Code()}})
                .status,
            303);
  remote_address_ = "192.0.2.7";
  now_ += 60000;
  EXPECT_EQ(attempt("j.devries", password_).status, 303);  // a new code, a new window
}

TEST(LoginThrottleTest, CountsIpv6PerSlash64AndBoundsItsMemory) {
  EXPECT_EQ(LoginThrottle::KeyOf("2001:db8:1:2::9"), LoginThrottle::KeyOf("2001:db8:1:2:ffff::1"));
  EXPECT_NE(LoginThrottle::KeyOf("2001:db8:1:2::9"), LoginThrottle::KeyOf("2001:db8:1:3::9"));
  EXPECT_EQ(LoginThrottle::KeyOf("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(LoginThrottle::KeyOf("192.0.2.7"), "192.0.2.7");

  LoginThrottle t({.max_failures = 1, .window_ms = 1000, .max_addresses = 2});
  t.Failed("192.0.2.1", 0);
  t.Failed("192.0.2.2", 0);
  t.Failed("192.0.2.3", 0);  // full: not tracked
  EXPECT_FALSE(t.Allowed("192.0.2.1", 10));
  EXPECT_TRUE(t.Allowed("192.0.2.3", 10));
  t.Failed("192.0.2.3", 1000);  // the first two windows have passed: room again
  EXPECT_FALSE(t.Allowed("192.0.2.3", 1001));
  EXPECT_TRUE(t.Allowed("192.0.2.1", 1001));
}

TEST_F(WorkspaceRoutesTest, LoginWithoutTheMatchingCsrfIsRefused) {
  api::Response form = Send("GET", "/login");
  const std::map<std::string, std::string> fields = {{"csrf", CsrfOf(form.body)},
                                                     {"username", "j.devries"},
                                                     {"password", password_},
                                                     {"code", Code()}};
  api::Response no_cookie = Send("POST", "/login", {}, fields);
  EXPECT_EQ(no_cookie.status, 403);
  EXPECT_NE(no_cookie.body.find("data-notice=\"form_expired\""), std::string::npos);
  api::Response other = Send("POST", "/login", {{"kp_ws_login", "another"}}, fields);
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(CookieSet(other, "kp_ws"), "");
}

TEST_F(WorkspaceRoutesTest, LogoutNeedsTheSessionsCsrfAndEndsTheSession) {
  const std::string session = LogIn();
  api::Response inbox = Send("GET", "/inbox", {{"kp_ws", session}});
  api::Response forged = Send("POST", "/logout", {{"kp_ws", session}}, {{"csrf", "forged"}});
  EXPECT_EQ(forged.status, 303);
  EXPECT_EQ(Header(forged, "Location"), "/inbox");
  EXPECT_EQ(Send("GET", "/inbox", {{"kp_ws", session}}).status, 200);
  api::Response out = Send("POST", "/logout", {{"kp_ws", session}}, {{"csrf", CsrfOf(inbox.body)}});
  EXPECT_EQ(out.status, 303);
  EXPECT_EQ(Header(out, "Location"), "/login?notice=logged_out");
  EXPECT_NE(Header(out, "Set-Cookie").find("kp_ws=; Path=/; Max-Age=0"), std::string::npos);
  api::Response after = Send("GET", "/inbox", {{"kp_ws", session}});
  EXPECT_EQ(after.status, 303);
  EXPECT_EQ(Header(after, "Location"), "/login");
  api::Response notice = Send("GET", "/login", {}, {}, {{"notice", "logged_out"}});
  EXPECT_NE(notice.body.find("data-notice=\"logged_out\""), std::string::npos);
}

TEST_F(WorkspaceRoutesTest, AnIdleSessionExpires) {
  const std::string session = LogIn();
  now_ += config_.session_idle_timeout_ms;
  EXPECT_EQ(Send("GET", "/inbox", {{"kp_ws", session}}).status, 200);
  now_ += config_.session_idle_timeout_ms + 1;
  api::Response r = Send("GET", "/inbox", {{"kp_ws", session}});
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(Header(r, "Location"), "/login");
}

TEST_F(WorkspaceRoutesTest, TheStylesheetIsServed) {
  api::Response r = Send("GET", "/assets/workspace.css");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/css; charset=utf-8");
  EXPECT_NE(r.body.find("main{"), std::string::npos);
}

TEST_F(WorkspaceRoutesTest, ComposeChecksTheCsrfTokenFirstAndNeedsAGatewayLink) {
  const std::string session = LogIn();
  const std::string csrf = CsrfOf(Send("GET", "/inbox", {{"kp_ws", session}}).body);
  // A forged form is refused before anything is read or sent.
  api::Response forged = Send("POST", "/compose/signal", {{"kp_ws", session}},
                              {{"csrf", "forged"}, {"compose_step", "send"}, {"region", "GM0599"}});
  EXPECT_EQ(forged.status, 403);
  ExpectPageHeaders(forged);
  EXPECT_NE(forged.body.find("data-notice=\"form_expired\""), std::string::npos);
  EXPECT_EQ(
      Send("POST", "/compose/signal", {{"kp_ws", session}}, {{"compose_step", "send"}}).status,
      403);
  // This test's workspace has no link to a gateway: composing says so, for GET and POST alike.
  for (const api::Response& r : {Send("GET", "/compose", {{"kp_ws", session}}),
                                 Send("GET", "/compose/referral", {{"kp_ws", session}}),
                                 Send("POST", "/compose/signal", {{"kp_ws", session}},
                                      {{"csrf", csrf}, {"compose_step", "preview"}})}) {
    EXPECT_EQ(r.status, 503);
    EXPECT_NE(r.body.find("data-notice=\"no_gateway_link\""), std::string::npos);
  }
  EXPECT_EQ(Send("GET", "/compose").status, 303);  // no session: to /login
}

}  // namespace
}  // namespace ketenpoort::workspace
