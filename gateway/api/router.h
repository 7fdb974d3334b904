// Routes requests to handlers by method and path pattern, after checking the bearer token and
// the role the route needs. Every refusal is an error response in the shape of docs/API.md.
//
//   // (compiled in examples_test.cpp)
//   Router router;
//   router.Add("GET", "/healthz", Access::Public(),
//              [](Request&) { return Response::Json(200, {{"status", "ok"}}); });
//   router.Add("POST", "/v1/messages/{id}/status", Access::Roles({Role::kRecipient}),
//              [&](Request& req) {
//                auto body = ParseJsonBody(req);
//                if (!body) return Response::FromError(body.error());
//                return SetStatus(*req.principal, req.params.at("id"), *body);
//              });
//   Response r = router.Dispatch(request, authenticate);   // HttpsServer does this
//
// Dispatch, in this order:
//   path with a "." or ".." segment, a bad escape or NUL -> 400 invalid_path
//   no pattern matches the path                          -> 404 not_found
//   patterns match but none for this method              -> 405 method_not_allowed + Allow
//   no Authorization header, and Access::without_token_if says yes -> the handler, no principal
//   route needs a token; Authorization is not "Bearer T"  -> 401 unauthenticated
//   `authenticate` refuses T (or is empty)               -> 401 + WWW-Authenticate: Bearer
//   a principal check refuses the principal              -> its error (AddPrincipalCheck)
//   the token's role is not one the route accepts        -> 403 forbidden
//   the handler throws                                   -> 500 internal_error (logged by
//                                                           request id and route, never body)
// A principal check sees every authenticated request, whatever its route, so that a rule about
// a kind of token cannot be forgotten on one route (a peer token is valid only from the
// connection with its certificate, auth/peer_binding.h):
//
//   router.AddPrincipalCheck([&](const Principal& p, const Request& req) -> Status {
//     return auth::CheckPeerCertificate(p, req.client_cert_sha256);
//   });
//
// A literal segment beats a {param} when two patterns match the same path. Add all routes
// before serving: Dispatch is const and safe to call from many threads at once.
//
// An upload route streams its body into a BodySink instead of Request::body, with a limit of
// its own (a large attachment):
//
//   router.AddUpload("PUT", "/v1/files/{id}", Access::Roles({Role::kSender}), 200 << 20,
//                    [&](Request& req) -> Result<std::unique_ptr<BodySink>> {
//                      return files.OpenWriter(*req.principal, req.params.at("id"));
//                    });
//
// HttpsServer asks UploadLimit(request) when the headers arrive, then StartUpload (the same
// refusals as above, then the route's `open`; an error from `open` is the response) before it
// reads any of the body, then Write per piece as it arrives and Finish at the end.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/api/http_types.h"
#include "gateway/core/error.h"
#include "gateway/core/role.h"

namespace ketenpoort::api {

// Who may call a route.
struct Access {
  bool authenticated = true;
  std::vector<Role> roles;  // the token's role must satisfy one (HasRole); empty = any role
  // Optional, on a route that needs a token: a request that sends no Authorization header at
  // all is let through without a principal when this says yes (GET /metrics from a scraper's
  // configured address). A request that sends a token is checked as always, whatever it says.
  std::function<bool(const Request&)> without_token_if;

  static Access Public() { return Access{false, {}, {}}; }
  static Access AnyToken() { return Access{true, {}, {}}; }
  static Access Roles(std::vector<Role> roles) { return Access{true, std::move(roles), {}}; }
  // `roles`, or no token at all from a request `trusted` accepts.
  static Access RolesOrTrusted(std::vector<Role> roles,
                               std::function<bool(const Request&)> trusted) {
    return Access{true, std::move(roles), std::move(trusted)};
  }
};

using Handler = std::function<Response(Request&)>;

// A route as registered (Router::Routes), without its handler.
struct RouteInfo {
  std::string method;   // "GET"
  std::string pattern;  // "/v1/messages/{id}"
  Access access;
  bool upload = false;  // added with AddUpload: the body is streamed to a BodySink
};

// Where the server may run a route's handler (Router::Add).
//   kMayBlock     on the worker pool: any handler that reads or writes the database or a file,
//                 waits on a lock held for long, or calls out (the default).
//   kNonBlocking  the handler only computes, in microseconds, from memory it may read without a
//                 lock held by slow work; the server may run it on the connection's I/O thread,
//                 saving the two thread hand-offs of the worker pool (see TryDispatchInline).
enum class HandlerCost { kMayBlock, kNonBlocking };

// Opens the sink for a streamed request body (Router::AddUpload) once the request is routed and
// authenticated, before any of the body is read. An error is the response.
using UploadHandler = std::function<Result<std::unique_ptr<BodySink>>(Request&)>;

// Turns a bearer token into a Principal. Supplied by the application (auth::); called only for
// routes that need a token. A kUnauthenticated error becomes 401; any other error is passed
// through with its own status (a database outage is 503, not 401).
using Authenticator =
    std::function<Result<Principal>(std::string_view bearer_token, const Request& request)>;

// Answers from memory alone, never blocking and never writing: the principal of a token the
// application verified a moment ago (auth/token_cache.h), as the request makes it act (its
// headers: auth/acting_user.h), or nullopt when it would have to look. nullopt is not a refusal:
// the request then takes the full path through Authenticator, which gives any refusal.
using CachedAuthenticator =
    std::function<std::optional<Principal>(std::string_view bearer_token, const Request& request)>;

// A rule a request's authenticated principal must meet on every route that takes a token
// (Router::AddPrincipalCheck). An error is the response, with its own status.
using PrincipalCheck = std::function<Status(const Principal& principal, const Request& request)>;

class Router {
 public:
  // `method` is upper case ("GET"); `pattern` starts with '/' and has literal segments and
  // "{name}" segments. An invalid pattern or a second route with the same method and pattern is
  // a programming error: Add logs it and aborts.
  void Add(std::string method, std::string pattern, Access access, Handler handler,
           HandlerCost cost = HandlerCost::kMayBlock);

  // A route whose body is streamed into a BodySink instead of being held in Request::body, with
  // its own size limit `max_bytes` in place of the server's max_body_bytes (an upload of a
  // large file). Refusals as for Add; they come before any of the body is read.
  void AddUpload(std::string method, std::string pattern, Access access, std::uint64_t max_bytes,
                 UploadHandler open);

  // Adds a check that every authenticated request passes after `authenticate` and before the
  // route's roles, in the order added; the first error is the response (an exception thrown is
  // 500). Add before serving, like routes.
  void AddPrincipalCheck(PrincipalCheck check);

  // Every route added, in the order added. What the gateway serves, read by the test that keeps
  // the published description of the API (gateway/server/openapi.json) true to it.
  std::vector<RouteInfo> Routes() const;

  // The body limit of the upload route `request` (method and path) would take, or nullopt when
  // it would not take an upload route. Cheap: no authentication.
  std::optional<std::uint64_t> UploadLimit(const Request& request) const;

  // For HttpsServer, before it reads the body of a request UploadLimit named: routes and
  // authenticates as Dispatch does and opens the route's sink. Exactly one of the two is set.
  struct UploadStart {
    std::unique_ptr<BodySink> sink;
    std::optional<Response> refusal;
  };
  UploadStart StartUpload(Request& request, const Authenticator& authenticate) const;

  // Routes `request` (method, path and headers set; route, params and principal are filled in
  // here) and returns the handler's response or the refusal. Never throws. An upload route
  // gets Request::body as its one piece (StartUpload, one Write unless the body is empty,
  // Finish; a body above max_bytes is 413 body_too_large): handy in tests.
  Response Dispatch(Request& request, const Authenticator& authenticate) const;

  // Dispatch without blocking, for the server's I/O thread: the response when the request is
  // refused by routing (400, 404, 405) or takes a kNonBlocking route that is public or whose
  // token `cached` knows; nullopt when it needs the worker pool (a kMayBlock route, an upload
  // route, a token `cached` does not know), and then `request` is as it was. The answer is the
  // one Dispatch would give: the same checks, in the same order.
  //
  //   if (auto r = router.TryDispatchInline(req, cache)) Send(std::move(*r));
  //   else PostToWorkers([&] { Send(router.Dispatch(req, authenticate)); });
  std::optional<Response> TryDispatchInline(Request& request,
                                            const CachedAuthenticator& cached) const;

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool is_param = false;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    Access access;
    Handler handler;     // set for Add
    UploadHandler open;  // set for AddUpload
    std::uint64_t max_bytes = 0;
    HandlerCost cost = HandlerCost::kMayBlock;
  };
  // The route a request takes with its path's decoded segments, or the refusal (400, 404, 405).
  struct Selection {
    const Route* route = nullptr;
    std::vector<std::string> segments;
    std::optional<Response> refusal;
  };

  void AddRoute(Route route);
  Selection Select(const Request& request) const;
  // Sets request.route and request.params from a selection without refusal.
  static void Bind(const Selection& selection, Request& request);
  // The handler's response after Authorize, or a 500 for an exception.
  Response Run(const Route& route, Request& request, const Authenticator& authenticate) const;
  // Authenticates for the upload route `route` and opens its sink.
  UploadStart OpenSink(const Route& route, Request& request,
                       const Authenticator& authenticate) const;

  std::vector<Route> routes_;
  std::vector<PrincipalCheck> principal_checks_;
};

// The request body as a JSON object.
//   Content-Type is not application/json (charset, if given, utf-8) -> 400 unsupported_media_type
//   (a missing Content-Type is refused too: it keeps browser "simple" cross-site posts, which
//   cannot send application/json, away from JSON routes; docs/API.md lists no 415)
//   not JSON -> 400 malformed_json, naming the byte offset, never echoing the body (a number
//   beyond double's range, 1e400, is malformed_json too)
//   nested deeper than 64 levels -> 400 json_too_deep
//   valid JSON but not an object -> 400 expected_object
Result<nlohmann::json> ParseJsonBody(const Request& request);

}  // namespace ketenpoort::api
