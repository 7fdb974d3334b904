#include "gateway/api/router.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace ketenpoort::api {
namespace {

using nlohmann::json;

Result<Principal> TestAuthenticate(std::string_view token, const Request&) {
  if (token == "sender-token")
    return Principal{1, "shop-denhaag", Role::kSender, "a.dekker"};
  if (token == "coordinator-token")
    return Principal{2, "essm-rotterdam", Role::kCoordinator, ""};
  if (token == "auditor-token")
    return Principal{3, "comensha", Role::kAuditor, ""};
  if (token == "db-down")
    return Unavailable("database_unavailable", "try again later");
  return Unauthenticated("token not recognised");
}

json Body(const Response& r) {
  return json::parse(r.body);
}

std::string HeaderOf(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name)
      return v;
  }
  return "<absent>";
}

class RouterTest : public testing::Test {
 protected:
  RouterTest() {
    router_.Add("GET", "/healthz", Access::Public(), [](Request&) {
      return Response::Json(200, {{"status", "ok"}});
    });
    router_.Add("GET", "/v1/messages/{id}", Access::AnyToken(), [](Request& r) {
      return Response::Json(200, {{"id", r.params.at("id")}, {"org", r.principal->org}});
    });
    router_.Add("GET", "/v1/messages/inbox", Access::Roles({Role::kRecipient}), [](Request&) {
      return Response::Json(200, {{"inbox", true}});
    });
    router_.Add("POST", "/v1/messages/{id}/status", Access::Roles({Role::kRecipient}),
                [](Request& r) {
                  return Response::Json(200, {{"id", r.params.at("id")}});
                });
    router_.Add("POST", "/v1/messages", Access::Roles({Role::kSender}), [](Request& r) {
      auto body = ParseJsonBody(r);
      if (!body)
        return Response::FromError(body.error());
      return Response::Json(202, {{"kind", body->value("kind", "")}});
    });
    router_.Add("GET", "/boom", Access::Public(),
                [](Request&) -> Response { throw std::runtime_error("secret detail"); });
  }

  Response Call(std::string method, std::string path, std::string token = "") {
    Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.request_id = "test";
    if (!token.empty())
      r.headers["Authorization"] = "Bearer " + token;
    last_ = r;
    Response out = router_.Dispatch(last_, TestAuthenticate);
    return out;
  }

  Router router_;
  Request last_;
};

TEST_F(RouterTest, PublicRouteNeedsNoToken) {
  Response r = Call("GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(Body(r), (json{{"status", "ok"}}));
  EXPECT_EQ(last_.route, "/healthz");
  EXPECT_FALSE(last_.principal.has_value());
}

TEST(RouterRoutesTest, ListsEveryRouteInOrderWithItsAccessAndWhetherItStreams) {
  Router router;
  router.Add("GET", "/healthz", Access::Public(), [](Request&) { return Response{}; });
  router.Add("POST", "/v1/messages/{id}/status", Access::Roles({Role::kSender, Role::kRecipient}),
             [](Request&) { return Response{}; });
  router.AddUpload(
      "POST", "/v1/attachments", Access::Roles({Role::kSender}), 10,
      [](Request&) -> Result<std::unique_ptr<BodySink>> { return Internal("unused", "unused"); });
  std::vector<RouteInfo> routes = router.Routes();
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(routes[0].method, "GET");
  EXPECT_EQ(routes[0].pattern, "/healthz");
  EXPECT_FALSE(routes[0].access.authenticated);
  EXPECT_FALSE(routes[0].upload);
  EXPECT_EQ(routes[1].pattern, "/v1/messages/{id}/status");
  EXPECT_TRUE(routes[1].access.authenticated);
  EXPECT_EQ(routes[1].access.roles, (std::vector<Role>{Role::kSender, Role::kRecipient}));
  EXPECT_EQ(routes[2].method, "POST");
  EXPECT_EQ(routes[2].pattern, "/v1/attachments");
  EXPECT_TRUE(routes[2].upload);
}

TEST_F(RouterTest, UnknownPathIs404InApiErrorShape) {
  Response r = Call("GET", "/v1/nothing-here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Body(r), (json{{"error", {{"code", "not_found"}, {"message", "no such resource"}}}}));
  EXPECT_EQ(last_.route, "");
  EXPECT_EQ(Call("GET", "/healthz/").status, 404) << "a trailing slash is another path";
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  Response r = Call("DELETE", "/v1/messages/abc", "sender-token");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(Body(r)["error"]["code"], "method_not_allowed");
  EXPECT_EQ(HeaderOf(r, "Allow"), "GET");
  Response s = Call("PUT", "/v1/messages");
  EXPECT_EQ(s.status, 405);
  EXPECT_EQ(HeaderOf(s, "Allow"), "POST");
}

TEST_F(RouterTest, ParamsAreDecodedAndLiteralSegmentsWin) {
  Response r = Call("GET", "/v1/messages/01HX%2D7%2Fz", "sender-token");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["id"], "01HX-7/z");
  EXPECT_EQ(last_.route, "/v1/messages/{id}");
  EXPECT_EQ(last_.params.at("id"), "01HX-7/z");

  Response inbox = Call("GET", "/v1/messages/inbox", "coordinator-token");
  EXPECT_EQ(inbox.status, 200);
  EXPECT_EQ(Body(inbox), (json{{"inbox", true}}));
  EXPECT_EQ(last_.route, "/v1/messages/inbox");
}

TEST_F(RouterTest, BadPathsAre400) {
  for (const char* path :
       {"/v1/messages/..", "/v1/messages/%2e%2e", "/v1/messages/a%00", "/v1/messages/%zz"}) {
    Response r = Call("GET", path, "sender-token");
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_EQ(Body(r)["error"]["code"], "invalid_path") << path;
  }
}

TEST_F(RouterTest, MissingOrMalformedAuthorizationIs401) {
  Response none = Call("GET", "/v1/messages/x");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(Body(none)["error"]["code"], "unauthenticated");
  EXPECT_EQ(HeaderOf(none, "WWW-Authenticate").rfind("Bearer", 0), 0u);

  for (const char* header :
       {"Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer a b", "Bearertoken", "Bearer tok\"en"}) {
    Request r;
    r.method = "GET";
    r.path = "/v1/messages/x";
    r.headers["authorization"] = header;
    Response out = router_.Dispatch(r, TestAuthenticate);
    EXPECT_EQ(out.status, 401) << header;
    EXPECT_FALSE(r.principal.has_value());
  }
  Request lower;
  lower.method = "GET";
  lower.path = "/v1/messages/x";
  lower.headers["AUTHORIZATION"] = "bearer sender-token";  // scheme and name in any case
  EXPECT_EQ(router_.Dispatch(lower, TestAuthenticate).status, 200);
}

TEST_F(RouterTest, BadTokenIs401WithInvalidTokenChallenge) {
  Response r = Call("GET", "/v1/messages/x", "not-a-token");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Body(r)["error"]["code"], "unauthenticated");
  EXPECT_EQ(HeaderOf(r, "WWW-Authenticate"),
            "Bearer realm=\"ketenpoort\", error=\"invalid_token\"");
  EXPECT_EQ(r.body.find("not-a-token"), std::string::npos);
}

TEST_F(RouterTest, AuthenticatorOutageKeepsItsStatus) {
  Response r = Call("GET", "/v1/messages/x", "db-down");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(Body(r)["error"]["code"], "database_unavailable");
}

TEST_F(RouterTest, NoAuthenticatorMeans401) {
  Request r;
  r.method = "GET";
  r.path = "/v1/messages/x";
  r.headers["Authorization"] = "Bearer sender-token";
  EXPECT_EQ(router_.Dispatch(r, nullptr).status, 401);
  r.path = "/healthz";
  EXPECT_EQ(router_.Dispatch(r, nullptr).status, 200);
}

TEST_F(RouterTest, WrongRoleIs403AndCoordinatorActsAsBoth) {
  Response r = Call("POST", "/v1/messages/x/status", "sender-token");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Body(r)["error"]["code"], "forbidden");
  EXPECT_EQ(Call("POST", "/v1/messages/x/status", "auditor-token").status, 403);
  EXPECT_EQ(Call("POST", "/v1/messages/x/status", "coordinator-token").status, 200);
  ASSERT_TRUE(last_.principal.has_value());
  EXPECT_EQ(last_.principal->org, "essm-rotterdam");
}

// A check that lets a token through only from a connection with the client certificate "CERT".
Status NeedsCertificate(const Principal& p, const Request& req) {
  if (p.role != Role::kCoordinator || req.client_cert_sha256 == "CERT")
    return Ok();
  return PermissionDenied("certificate_mismatch", "token " + std::to_string(p.token_id));
}

TEST_F(RouterTest, PrincipalChecksSeeEveryAuthenticatedRouteBeforeItsRoles) {
  int checked = 0;
  router_.AddPrincipalCheck([&checked](const Principal&, const Request&) -> Status {
    ++checked;
    return Ok();
  });
  router_.AddPrincipalCheck(NeedsCertificate);
  // Refused on a route of its role, on an any-token route and on a route of another role: the
  // check's error, not `forbidden`, and the handler never runs.
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/v1/messages/x/status"}, {"GET", "/v1/messages/x"}, {"GET", "/boom"}}) {
    Response r = Call(method, path, "coordinator-token");
    if (path == "/boom") {  // public: no token is looked at, so nothing to check
      EXPECT_EQ(r.status, 500);
      continue;
    }
    EXPECT_EQ(r.status, 403) << path;
    EXPECT_EQ(Body(r)["error"]["code"], "certificate_mismatch") << path;
    EXPECT_FALSE(last_.principal.has_value()) << path;
  }
  EXPECT_EQ(checked, 2);
  // With the certificate, and for a principal the check does not concern, nothing changes.
  Request with_cert;
  with_cert.method = "POST";
  with_cert.path = "/v1/messages/x/status";
  with_cert.headers["Authorization"] = "Bearer coordinator-token";
  with_cert.client_cert_sha256 = "CERT";
  EXPECT_EQ(router_.Dispatch(with_cert, TestAuthenticate).status, 200);
  EXPECT_EQ(Call("GET", "/v1/messages/x", "sender-token").status, 200);
  EXPECT_EQ(Call("POST", "/v1/messages/x/status", "sender-token").status, 403);
  EXPECT_EQ(Body(Call("POST", "/v1/messages/x/status", "sender-token"))["error"]["code"],
            "forbidden");
  // A bad token never reaches a check.
  const int before = checked;
  EXPECT_EQ(Call("GET", "/v1/messages/x", "nope").status, 401);
  EXPECT_EQ(checked, before);
}

TEST_F(RouterTest, HandlerExceptionIsGeneric500) {
  Response r = Call("GET", "/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(Body(r)["error"]["code"], "internal_error");
  EXPECT_EQ(r.body.find("secret detail"), std::string::npos);
}

// A CachedAuthenticator that knows only the sender's token, and counts its questions.
struct KnowsSender {
  int* asked;
  std::optional<Principal> operator()(std::string_view token, const Request&) const {
    ++*asked;
    if (token == "sender-token")
      return Principal{1, "shop-denhaag", Role::kSender, "a.dekker"};
    return std::nullopt;
  }
};

TEST_F(RouterTest, TryDispatchInlineAnswersOnlyNonBlockingRoutesWithAKnownToken) {
  int handled = 0;
  router_.Add(
      "POST", "/v1/routes/resolve", Access::Roles({Role::kSender}),
      [&handled](Request& r) {
        ++handled;
        return Response::Json(200, {{"org", r.principal->org}, {"user", r.principal->user}});
      },
      HandlerCost::kNonBlocking);
  router_.Add(
      "GET", "/v1/ping", Access::Public(),
      [&handled](Request&) {
        ++handled;
        return Response::Json(200, {{"pong", true}});
      },
      HandlerCost::kNonBlocking);
  int asked = 0;
  const CachedAuthenticator cached = KnowsSender{&asked};
  auto request = [](std::string method, std::string path, std::string token) {
    Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    if (!token.empty())
      r.headers["Authorization"] = "Bearer " + token;
    return r;
  };

  // A known token on a non-blocking route: the handler's answer, principal set.
  Request known = request("POST", "/v1/routes/resolve", "sender-token");
  auto r = router_.TryDispatchInline(known, cached);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Body(*r)["user"], "a.dekker");
  EXPECT_EQ(known.route, "/v1/routes/resolve");
  EXPECT_EQ(handled, 1);

  // A public non-blocking route needs no token.
  Request ping = request("GET", "/v1/ping", "");
  ASSERT_TRUE(router_.TryDispatchInline(ping, cached));
  EXPECT_EQ(handled, 2);

  // Routing refusals are answered as Dispatch answers them.
  Request missing = request("GET", "/nowhere", "");
  auto refused = router_.TryDispatchInline(missing, cached);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 404);
  Request wrong_method = request("GET", "/v1/routes/resolve", "sender-token");
  ASSERT_TRUE(router_.TryDispatchInline(wrong_method, cached));
  EXPECT_EQ(router_.TryDispatchInline(wrong_method, cached)->status, 405);

  // Everything else goes to the full path, and the handler has not run.
  for (Request full : {request("POST", "/v1/routes/resolve", "auditor-token"),  // not cached
                       request("POST", "/v1/routes/resolve", ""),               // no token
                       request("POST", "/v1/routes/resolve", "nope"),           // unknown
                       request("GET", "/v1/messages/x", "sender-token"),        // may block
                       request("GET", "/healthz", "")}) {                       // may block
    EXPECT_FALSE(router_.TryDispatchInline(full, cached)) << full.path;
    EXPECT_FALSE(full.principal.has_value()) << full.path;
  }
  EXPECT_EQ(handled, 2);

  // A known token is still held to the route's roles and the principal checks.
  Request auditor_route = request("POST", "/v1/routes/resolve", "sender-token");
  router_.AddPrincipalCheck([](const Principal& p, const Request&) -> Status {
    if (p.user == "a.dekker")
      return PermissionDenied("user_suspended", "this user may not act now");
    return Ok();
  });
  auto checked = router_.TryDispatchInline(auditor_route, cached);
  ASSERT_TRUE(checked);
  EXPECT_EQ(checked->status, 403);
  EXPECT_EQ(Body(*checked)["error"]["code"], "user_suspended");
  EXPECT_EQ(handled, 2);
}

Request JsonRequest(std::string body, std::string content_type = "application/json") {
  Request r;
  r.method = "POST";
  r.path = "/v1/messages";
  r.headers["Authorization"] = "Bearer sender-token";
  if (!content_type.empty())
    r.headers["Content-Type"] = content_type;
  r.body = std::move(body);
  return r;
}

TEST(ParseJsonBodyTest, AcceptsAnObject) {
  auto v = ParseJsonBody(JsonRequest(R"({"kind":"signal","n":[1,2]})"));
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  EXPECT_EQ((*v)["kind"], "signal");
  EXPECT_TRUE(ParseJsonBody(JsonRequest("{}", "Application/JSON; charset=\"UTF-8\"")).ok());
}

TEST(ParseJsonBodyTest, MalformedNamesTheByteOffsetWithoutEchoingTheBody) {
  auto v = ParseJsonBody(JsonRequest(R"({"kind": "secret-subject", )"));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(v.error().code, "malformed_json");
  EXPECT_NE(v.error().message.find("byte"), std::string::npos) << v.error().message;
  EXPECT_EQ(v.error().message.find("secret"), std::string::npos) << v.error().message;
  EXPECT_EQ(ParseJsonBody(JsonRequest("")).error().code, "malformed_json");
  EXPECT_EQ(ParseJsonBody(JsonRequest("{\"a\":\"\xff\"}")).error().code, "malformed_json");
}

TEST(ParseJsonBodyTest, ANumberBeyondDoubleIsMalformedJson) {
  for (const char* body : {R"({"amount":1e400})", R"({"a":[-1E999]})"}) {
    auto v = ParseJsonBody(JsonRequest(body));
    ASSERT_FALSE(v.ok()) << body;
    EXPECT_EQ(v.error().code, "malformed_json") << body;
    EXPECT_NE(v.error().message.find("too large"), std::string::npos) << v.error().message;
  }
}

TEST(ParseJsonBodyTest, RequiresAnObject) {
  for (const char* body : {"[]", "1", "\"x\"", "null"}) {
    EXPECT_EQ(ParseJsonBody(JsonRequest(body)).error().code, "expected_object") << body;
  }
}

TEST(ParseJsonBodyTest, RequiresJsonContentType) {
  for (const char* type :
       {"", "text/plain", "application/jsonx", "application/json; charset=latin1",
        "application/x-www-form-urlencoded"}) {
    auto v = ParseJsonBody(JsonRequest("{}", type));
    ASSERT_FALSE(v.ok()) << type;
    EXPECT_EQ(v.error().code, "unsupported_media_type") << type;
    EXPECT_EQ(v.error().field, "Content-Type");
  }
}

TEST(ParseJsonBodyTest, RefusesDeepNesting) {
  std::string deep = "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(ParseJsonBody(JsonRequest(deep)).error().code, "json_too_deep");
  std::string brackets_in_string = "{\"a\":\"" + std::string(100, '[') + "\\\"\"}";
  EXPECT_TRUE(ParseJsonBody(JsonRequest(brackets_in_string)).ok());
}

TEST(ResponseTest, FromErrorOmitsEmptyField) {
  Response r =
      Response::FromError(Refused("envelope_recipient_mismatch", "not for 'comensha'", "payload"));
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(json::parse(r.body), (json{{"error",
                                        {{"code", "envelope_recipient_mismatch"},
                                         {"message", "not for 'comensha'"},
                                         {"field", "payload"}}}}));
  Response c = Response::FromError(Conflict("idempotency_conflict", "other body"));
  EXPECT_EQ(c.status, 409);
  EXPECT_FALSE(json::parse(c.body)["error"].contains("field"));
  EXPECT_TRUE(c.headers.empty());
}

TEST(ResponseTest, JsonNeverThrowsOnInvalidUtf8) {
  Response r = Response::Json(200, {{"name", std::string("a\xff")}});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(json::accept(r.body));
}

TEST(RequestTest, HeaderLookupIgnoresCase) {
  Request r;
  r.headers["Content-Type"] = "application/json";
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("CONTENT-TYPE"), "application/json");
  EXPECT_FALSE(r.Header("Content-Length").has_value());
}

TEST(RouterDeathTest, InvalidPatternsAbort) {
  Router router;
  auto h = [](Request&) { return Response{}; };
  EXPECT_DEATH(router.Add("GET", "no-slash", Access::Public(), h), "must start");
  EXPECT_DEATH(router.Add("get", "/x", Access::Public(), h), "upper-case");
  EXPECT_DEATH(router.Add("GET", "/a/{id}/{id}", Access::Public(), h), "repeated");
  EXPECT_DEATH(router.Add("GET", "/a//b", Access::Public(), h), "empty segment");
  router.Add("GET", "/x", Access::Public(), h);
  EXPECT_DEATH(router.Add("GET", "/x", Access::Public(), h), "twice");
}

// ---- upload routes -------------------------------------------------------------------------

// What an upload route's sinks were given.
struct SinkLog {
  int opened = 0;
  int finished = 0;
  int destroyed = 0;
  std::vector<std::string> writes;
  std::string org;
  std::string id;
};

class RecordingSink : public BodySink {
 public:
  explicit RecordingSink(SinkLog* log) : log_(log) {}
  ~RecordingSink() override { ++log_->destroyed; }
  Status Write(std::string_view bytes) override {
    if (bytes.find("bad") != std::string_view::npos)
      return Refused("attachment_rejected", "the attachment cannot be stored");
    log_->writes.emplace_back(bytes);
    return Ok();
  }
  Response Finish() override {
    ++log_->finished;
    std::size_t total = 0;
    for (const auto& w : log_->writes)
      total += w.size();
    return Response::Json(201, {{"bytes", total}});
  }

 private:
  SinkLog* log_;
};

class RouterUploadTest : public testing::Test {
 protected:
  RouterUploadTest() {
    router_.Add("GET", "/v1/files/{id}", Access::AnyToken(), [](Request&) {
      return Response::Json(200, {{"get", true}});
    });
    router_.Add("POST", "/v1/messages", Access::AnyToken(),
                [](Request&) { return Response::Json(202, {}); });
    router_.AddUpload("PUT", "/v1/files/{id}", Access::Roles({Role::kSender}), 10,
                      [this](Request& r) -> Result<std::unique_ptr<BodySink>> {
                        ++log_.opened;
                        log_.org = r.principal->org;
                        log_.id = r.params.at("id");
                        if (log_.id == "refused")
                          return Conflict("file_exists", "that file already exists");
                        if (log_.id == "throws")
                          throw std::runtime_error("secret detail");
                        if (log_.id == "null")
                          return std::unique_ptr<BodySink>();
                        return std::unique_ptr<BodySink>(std::make_unique<RecordingSink>(&log_));
                      });
  }

  Request Make(std::string method, std::string path, std::string token = "sender-token") {
    Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.request_id = "test";
    if (!token.empty())
      r.headers["Authorization"] = "Bearer " + token;
    return r;
  }

  Router router_;
  SinkLog log_;
};

TEST_F(RouterUploadTest, UploadLimitNamesOnlyUploadRoutes) {
  EXPECT_EQ(router_.UploadLimit(Make("PUT", "/v1/files/a")), 10u);
  EXPECT_EQ(router_.UploadLimit(Make("PUT", "/v1/files/a", "")), 10u) << "no authentication";
  EXPECT_FALSE(router_.UploadLimit(Make("GET", "/v1/files/a")).has_value());
  EXPECT_FALSE(router_.UploadLimit(Make("POST", "/v1/messages")).has_value());
  EXPECT_FALSE(router_.UploadLimit(Make("PUT", "/v1/nothing")).has_value());
  EXPECT_FALSE(router_.UploadLimit(Make("PUT", "/v1/files/%zz")).has_value());
  EXPECT_FALSE(router_.UploadLimit(Make("DELETE", "/v1/files/a")).has_value());
  EXPECT_EQ(log_.opened, 0);
}

TEST_F(RouterUploadTest, StartUploadAuthenticatesThenOpens) {
  Request r = Make("PUT", "/v1/files/report%2Epdf");
  Router::UploadStart start = router_.StartUpload(r, TestAuthenticate);
  ASSERT_FALSE(start.refusal.has_value()) << start.refusal->body;
  ASSERT_NE(start.sink, nullptr);
  EXPECT_EQ(log_.opened, 1);
  EXPECT_EQ(log_.org, "shop-denhaag");
  EXPECT_EQ(log_.id, "report.pdf");
  EXPECT_EQ(r.route, "/v1/files/{id}");
  EXPECT_EQ(r.params.at("id"), "report.pdf");
  ASSERT_TRUE(r.principal.has_value());
  ASSERT_TRUE(start.sink->Write("abc").ok());
  EXPECT_EQ(start.sink->Finish().status, 201);
  start.sink.reset();
  EXPECT_EQ(log_.destroyed, 1);
}

TEST_F(RouterUploadTest, StartUploadRefusalsComeBeforeOpen) {
  struct Case {
    Request request;
    int status;
    std::string code;
  };
  std::vector<Case> cases = {
      {Make("PUT", "/v1/files/a", ""), 401, "unauthenticated"},
      {Make("PUT", "/v1/files/a", "not-a-token"), 401, "unauthenticated"},
      {Make("PUT", "/v1/files/a", "db-down"), 503, "database_unavailable"},
      {Make("PUT", "/v1/files/a", "auditor-token"), 403, "forbidden"},
      {Make("PUT", "/v1/elsewhere"), 404, "not_found"},
      {Make("PUT", "/v1/files/..", "sender-token"), 400, "invalid_path"},
      {Make("PATCH", "/v1/files/a"), 405, "method_not_allowed"},
  };
  for (Case& c : cases) {
    SCOPED_TRACE(c.request.method + " " + c.request.path);
    Router::UploadStart start = router_.StartUpload(c.request, TestAuthenticate);
    EXPECT_EQ(start.sink, nullptr);
    ASSERT_TRUE(start.refusal.has_value());
    EXPECT_EQ(start.refusal->status, c.status);
    EXPECT_EQ(Body(*start.refusal)["error"]["code"], c.code);
    if (c.status == 405) {
      EXPECT_EQ(HeaderOf(*start.refusal, "Allow"), "GET, PUT");
    }
  }
  EXPECT_EQ(log_.opened, 0);
  Request no_authenticator = Make("PUT", "/v1/files/a");
  EXPECT_EQ(router_.StartUpload(no_authenticator, nullptr).refusal->status, 401);
  EXPECT_EQ(log_.opened, 0);
}

TEST_F(RouterUploadTest, PrincipalChecksComeBeforeTheSinkOpens) {
  router_.AddPrincipalCheck([](const Principal& p, const Request& req) -> Status {
    if (req.client_cert_sha256 == "CERT")
      return Ok();
    return PermissionDenied("certificate_mismatch", "token " + std::to_string(p.token_id));
  });
  Request r = Make("PUT", "/v1/files/a");
  Router::UploadStart refused = router_.StartUpload(r, TestAuthenticate);
  ASSERT_TRUE(refused.refusal.has_value());
  EXPECT_EQ(refused.refusal->status, 403);
  EXPECT_EQ(log_.opened, 0);
  Request ok = Make("PUT", "/v1/files/a");
  ok.client_cert_sha256 = "CERT";
  Router::UploadStart started = router_.StartUpload(ok, TestAuthenticate);
  EXPECT_FALSE(started.refusal.has_value());
  EXPECT_EQ(log_.opened, 1);
}

TEST_F(RouterUploadTest, StartUploadPassesOpenErrorsOn) {
  Request refused = Make("PUT", "/v1/files/refused");
  Router::UploadStart a = router_.StartUpload(refused, TestAuthenticate);
  ASSERT_TRUE(a.refusal.has_value());
  EXPECT_EQ(a.refusal->status, 409);
  EXPECT_EQ(Body(*a.refusal)["error"]["code"], "file_exists");

  for (const char* id : {"throws", "null"}) {
    Request r = Make("PUT", std::string("/v1/files/") + id);
    Router::UploadStart s = router_.StartUpload(r, TestAuthenticate);
    EXPECT_EQ(s.sink, nullptr) << id;
    ASSERT_TRUE(s.refusal.has_value()) << id;
    EXPECT_EQ(s.refusal->status, 500) << id;
    EXPECT_EQ(s.refusal->body.find("secret"), std::string::npos);
  }
  // A route that takes no upload is a server bug, not the client's.
  Request plain = Make("GET", "/v1/files/a");
  EXPECT_EQ(router_.StartUpload(plain, TestAuthenticate).refusal->status, 500);
}

TEST_F(RouterUploadTest, DispatchWritesTheBodyAsOnePieceThenFinishes) {
  Request r = Make("PUT", "/v1/files/a");
  r.body = "0123456789";
  Response out = router_.Dispatch(r, TestAuthenticate);
  EXPECT_EQ(out.status, 201);
  EXPECT_EQ(Body(out)["bytes"], 10);
  EXPECT_EQ(log_.writes, std::vector<std::string>{"0123456789"});
  EXPECT_EQ(log_.finished, 1);
  EXPECT_EQ(log_.destroyed, 1);
  EXPECT_EQ(r.route, "/v1/files/{id}");

  Request empty = Make("PUT", "/v1/files/b");
  EXPECT_EQ(router_.Dispatch(empty, TestAuthenticate).status, 201);
  EXPECT_EQ(log_.writes.size(), 1u) << "an empty body is not written";
  EXPECT_EQ(log_.finished, 2);
}

TEST_F(RouterUploadTest, DispatchRefusesWithoutFinishing) {
  Request big = Make("PUT", "/v1/files/a");
  big.body = "01234567890";  // one byte above max_bytes
  Response too_large = router_.Dispatch(big, TestAuthenticate);
  EXPECT_EQ(too_large.status, 413);
  EXPECT_EQ(Body(too_large)["error"]["code"], "body_too_large");

  Request bad = Make("PUT", "/v1/files/a");
  bad.body = "bad";
  Response rejected = router_.Dispatch(bad, TestAuthenticate);
  EXPECT_EQ(rejected.status, 422);
  EXPECT_EQ(Body(rejected)["error"]["code"], "attachment_rejected");

  Request anonymous = Make("PUT", "/v1/files/a", "");
  anonymous.body = "x";
  EXPECT_EQ(router_.Dispatch(anonymous, TestAuthenticate).status, 401);

  EXPECT_EQ(log_.opened, 2);
  EXPECT_EQ(log_.finished, 0);
  EXPECT_EQ(log_.destroyed, 2);
  EXPECT_TRUE(log_.writes.empty());
}

TEST(RouterDeathTest, InvalidUploadRoutesAbort) {
  Router router;
  auto open = [](Request&) -> Result<std::unique_ptr<BodySink>> {
    return Internal("unused", "unused");
  };
  EXPECT_DEATH(router.AddUpload("PUT", "/f", Access::Public(), 0, open), "max_bytes");
  EXPECT_DEATH(router.AddUpload("PUT", "/f", Access::Public(), 1, nullptr), "empty upload");
  EXPECT_DEATH(router.AddUpload("put", "/f", Access::Public(), 1, open), "upper-case");
  router.Add("PUT", "/f", Access::Public(), [](Request&) { return Response{}; });
  EXPECT_DEATH(router.AddUpload("PUT", "/f", Access::Public(), 1, open), "twice");
}

// A handler whose response is completed later, from another thread.
Response CompletedLater(Request&) {
  return Response::Later([](Response::Completion complete) {
    std::thread([complete] { complete(Response::Json(202, {{"later", true}})); }).detach();
  });
}

TEST(RouterDeferredTest, ADeferredResponseIsPassedThroughForTheServerToHold) {
  Router router;
  router.Add("GET", "/later", Access::Public(), CompletedLater);
  Request req;
  req.method = "GET";
  req.path = "/later";
  Response r = router.Dispatch(req, TestAuthenticate);
  ASSERT_TRUE(r.deferred);
  EXPECT_EQ(Response::Wait(std::move(r)).status, 202);
}

// A route that takes a role, or no token at all from a trusted request (GET /metrics from a
// scraper's address): a token sent is always checked; no token from elsewhere is 401.
TEST(RouterTrustedWithoutTokenTest, LetsATrustedRequestWithoutATokenThroughAndChecksEveryToken) {
  Router router;
  router.Add("GET", "/metrics",
             Access::RolesOrTrusted(
                 {Role::kAuditor}, [](const Request& r) { return r.remote_address == "10.0.0.7"; }),
             [](Request& r) {
               return Response::Json(200, {{"principal", r.principal.has_value()}});
             });
  auto call = [&](const std::string& from, const std::string& token) {
    Request r;
    r.method = "GET";
    r.path = "/metrics";
    r.request_id = "test";
    r.remote_address = from;
    if (!token.empty())
      r.headers["Authorization"] = "Bearer " + token;
    return router.Dispatch(r, TestAuthenticate);
  };
  Response trusted = call("10.0.0.7", "");
  EXPECT_EQ(trusted.status, 200);
  EXPECT_EQ(Body(trusted)["principal"], false);
  EXPECT_EQ(call("10.0.0.8", "").status, 401);
  EXPECT_EQ(call("10.0.0.8", "auditor-token").status, 200);
  EXPECT_EQ(call("10.0.0.7", "sender-token").status, 403);  // a token sent is checked
  EXPECT_EQ(call("10.0.0.7", "nonsense").status, 401);
  ASSERT_EQ(router.Routes().size(), 1u);
  EXPECT_TRUE(router.Routes()[0].access.without_token_if);
}

}  // namespace
}  // namespace ketenpoort::api
