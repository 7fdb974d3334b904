#include "gateway/api/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

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

TEST_F(RouterTest, HandlerExceptionIsGeneric500) {
  Response r = Call("GET", "/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(Body(r)["error"]["code"], "internal_error");
  EXPECT_EQ(r.body.find("secret detail"), std::string::npos);
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

}  // namespace
}  // namespace ketenpoort::api
