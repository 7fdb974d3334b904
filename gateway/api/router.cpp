#include "gateway/api/router.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <set>
#include <typeinfo>
#include <utility>

#include "gateway/api/url.h"
#include "gateway/log/log.h"

namespace ketenpoort::api {

namespace {

using nlohmann::json;

constexpr int kMaxJsonDepth = 64;

[[noreturn]] void BadRoute(const std::string& method, const std::string& pattern, const char* why) {
  log::Error("router_bad_route", {{"method", method}, {"pattern", pattern}, {"reason", why}});
  std::fprintf(stderr, "Router::Add(%s %s): %s\n", method.c_str(), pattern.c_str(), why);
  std::abort();
}

// RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool IsB64Token(std::string_view t) {
  std::size_t i = 0;
  auto tokenChar = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
  };
  while (i < t.size() && tokenChar(t[i]))
    ++i;
  if (i == 0)
    return false;
  while (i < t.size() && t[i] == '=')
    ++i;
  return i == t.size();
}

// The token of "Bearer TOKEN" (scheme in any case), or empty when the header is not that.
std::string_view BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "Bearer";
  if (authorization.size() <= kScheme.size() ||
      !EqualsIgnoreCase(authorization.substr(0, kScheme.size()), kScheme) ||
      authorization[kScheme.size()] != ' ') {
    return {};
  }
  std::string_view token = TrimHttpWhitespace(authorization.substr(kScheme.size() + 1));
  return IsB64Token(token) ? token : std::string_view();
}

Response WithAuthenticateHeader(Response r, std::string_view value) {
  for (auto& [name, v] : r.headers) {
    if (EqualsIgnoreCase(name, "WWW-Authenticate"))
      v = std::string(value);
  }
  return r;
}

Response InternalErrorResponse() {
  return Response::FromError(
      Internal("internal_error", "the server failed to handle this request; see its log"));
}

bool IsJsonContentType(std::string_view value) {
  std::size_t semi = value.find(';');
  if (!EqualsIgnoreCase(TrimHttpWhitespace(value.substr(0, semi)), "application/json"))
    return false;
  while (semi != std::string_view::npos) {
    value.remove_prefix(semi + 1);
    semi = value.find(';');
    std::string_view param = TrimHttpWhitespace(value.substr(0, semi));
    std::size_t eq = param.find('=');
    if (eq == std::string_view::npos)
      continue;
    if (!EqualsIgnoreCase(TrimHttpWhitespace(param.substr(0, eq)), "charset"))
      continue;
    std::string_view charset = TrimHttpWhitespace(param.substr(eq + 1));
    if (charset.size() >= 2 && charset.front() == '"' && charset.back() == '"') {
      charset = charset.substr(1, charset.size() - 2);
    }
    if (!EqualsIgnoreCase(charset, "utf-8"))
      return false;
  }
  return true;
}

// Deepest nesting of arrays and objects in `text`, counting only brackets outside strings.
int JsonDepth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

// The refusal for a request that `access` does not let through, or nullopt with
// request.principal set (when the route needs a token). May throw (the authenticator).
std::optional<Response> Authorize(const Access& access, Request& request,
                                  const Authenticator& authenticate,
                                  const std::vector<PrincipalCheck>& checks) {
  if (!access.authenticated)
    return std::nullopt;
  auto header = request.Header("Authorization");
  if (!header && access.without_token_if && access.without_token_if(request))
    return std::nullopt;
  std::string_view token = header ? BearerToken(*header) : std::string_view();
  if (token.empty()) {
    return Response::FromError(
        Unauthenticated("this resource needs an 'Authorization: Bearer TOKEN' header"));
  }
  if (!authenticate) {
    log::Error("http_no_authenticator", {{"request_id", request.request_id}});
    return WithAuthenticateHeader(
        Response::FromError(Unauthenticated("token authentication is not configured")),
        "Bearer realm=\"ketenpoort\", error=\"invalid_token\"");
  }
  Result<Principal> principal = authenticate(token, request);
  if (!principal) {
    Response r = Response::FromError(principal.error());
    if (principal.error().kind != ErrorKind::kUnauthenticated)
      return r;
    return WithAuthenticateHeader(std::move(r),
                                  "Bearer realm=\"ketenpoort\", error=\"invalid_token\"");
  }
  for (const PrincipalCheck& check : checks) {
    if (Status s = check(*principal, request); !s)
      return Response::FromError(s.error());
  }
  bool allowed_role = access.roles.empty();
  for (Role needed : access.roles)
    allowed_role = allowed_role || HasRole(principal->role, needed);
  if (!allowed_role) {
    return Response::FromError(PermissionDenied(
        "forbidden",
        "role '" + std::string(RoleName(principal->role)) + "' may not use this resource"));
  }
  request.principal = std::move(*principal);
  return std::nullopt;
}

void LogHandlerException(const Request& request, const std::string& route, const char* what) {
  log::Error("http_handler_exception",
             {{"request_id", request.request_id}, {"route", route}, {"exception", what}});
}

Response BodyTooLarge(std::uint64_t limit) {
  return Response::FromError(TooLarge(
      "body_too_large", "request body is larger than " + std::to_string(limit) + " bytes"));
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Access access, Handler handler,
                 HandlerCost cost) {
  if (!handler)
    BadRoute(method, pattern, "empty handler");
  Route route;
  route.method = std::move(method);
  route.pattern = std::move(pattern);
  route.access = std::move(access);
  route.cost = cost;
  route.handler = std::move(handler);
  AddRoute(std::move(route));
}

void Router::AddUpload(std::string method, std::string pattern, Access access,
                       std::uint64_t max_bytes, UploadHandler open) {
  if (!open)
    BadRoute(method, pattern, "empty upload handler");
  if (max_bytes == 0)
    BadRoute(method, pattern, "max_bytes must be positive");
  Route route;
  route.method = std::move(method);
  route.pattern = std::move(pattern);
  route.access = std::move(access);
  route.open = std::move(open);
  route.max_bytes = max_bytes;
  AddRoute(std::move(route));
}

void Router::AddPrincipalCheck(PrincipalCheck check) {
  if (!check)
    BadRoute("", "", "empty principal check");
  principal_checks_.push_back(std::move(check));
}

void Router::AddRoute(Route route) {
  const std::string& method = route.method;
  const std::string& pattern = route.pattern;
  if (method.empty())
    BadRoute(method, pattern, "empty method");
  for (char c : method) {
    if (c < 'A' || c > 'Z')
      BadRoute(method, pattern, "method must be upper-case letters");
  }
  if (pattern.empty() || pattern.front() != '/')
    BadRoute(method, pattern, "must start with '/'");

  std::set<std::string> names;
  if (pattern != "/") {
    std::size_t start = 1;
    while (true) {
      std::size_t slash = pattern.find('/', start);
      std::string text = pattern.substr(start, slash == std::string::npos ? slash : slash - start);
      if (text.empty())
        BadRoute(method, pattern, "empty segment");
      bool is_param = text.size() >= 2 && text.front() == '{' && text.back() == '}';
      if (is_param) {
        text = text.substr(1, text.size() - 2);
        if (text.empty() || text.find_first_of("{}") != std::string::npos) {
          BadRoute(method, pattern, "bad parameter name");
        }
        if (!names.insert(text).second)
          BadRoute(method, pattern, "repeated parameter name");
      } else if (text.find_first_of("{}%") != std::string::npos || text == "." || text == "..") {
        BadRoute(method, pattern, "literal segment has '{', '}', '%' or is a dot segment");
      }
      route.segments.push_back({std::move(text), is_param});
      if (slash == std::string::npos)
        break;
      start = slash + 1;
    }
  }
  for (const Route& r : routes_) {
    if (r.method == route.method && r.pattern == route.pattern) {
      BadRoute(method, pattern, "route added twice");
    }
  }
  routes_.push_back(std::move(route));
}

Router::Selection Router::Select(const Request& request) const {
  Selection out;
  auto segments = SplitPath(request.path);
  if (!segments) {
    out.refusal = Response::FromError(segments.error());
    return out;
  }

  auto matches = [&](const Route& r) {
    if (r.segments.size() != segments->size())
      return false;
    for (std::size_t i = 0; i < r.segments.size(); ++i) {
      if (!r.segments[i].is_param && r.segments[i].text != (*segments)[i])
        return false;
    }
    return true;
  };
  // True when `a` is more specific than `b`: at the first segment where they differ in kind,
  // `a` has the literal.
  auto more_specific = [](const Route& a, const Route& b) {
    for (std::size_t i = 0; i < a.segments.size(); ++i) {
      if (a.segments[i].is_param != b.segments[i].is_param)
        return !a.segments[i].is_param;
    }
    return false;
  };

  const Route* best = nullptr;
  std::set<std::string> allowed;
  for (const Route& r : routes_) {
    if (!matches(r))
      continue;
    allowed.insert(r.method);
    if (r.method != request.method)
      continue;
    if (best == nullptr || more_specific(r, *best))
      best = &r;
  }
  if (best == nullptr && allowed.empty()) {
    out.refusal = Response::FromError(NotFound("not_found", "no such resource"));
    return out;
  }
  if (best == nullptr) {
    Response r = Response::FromError(
        InvalidArgument("method_not_allowed", "this resource does not support this method"));
    r.status = 405;
    std::string allow;
    for (const std::string& m : allowed)
      allow += (allow.empty() ? "" : ", ") + m;
    r.headers.emplace_back("Allow", std::move(allow));
    out.refusal = std::move(r);
    return out;
  }
  out.route = best;
  out.segments = std::move(*segments);
  return out;
}

void Router::Bind(const Selection& selection, Request& request) {
  const Route& route = *selection.route;
  request.route = route.pattern;
  for (std::size_t i = 0; i < route.segments.size(); ++i) {
    if (route.segments[i].is_param)
      request.params[route.segments[i].text] = selection.segments[i];
  }
}

std::vector<RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  out.reserve(routes_.size());
  for (const Route& r : routes_)
    out.push_back(RouteInfo{r.method, r.pattern, r.access, static_cast<bool>(r.open)});
  return out;
}

std::optional<std::uint64_t> Router::UploadLimit(const Request& request) const {
  Selection selection = Select(request);
  if (selection.refusal || !selection.route->open)
    return std::nullopt;
  return selection.route->max_bytes;
}

Router::UploadStart Router::StartUpload(Request& request, const Authenticator& authenticate) const {
  request.route.clear();
  request.params.clear();
  request.principal.reset();

  Selection selection = Select(request);
  if (selection.refusal)
    return {nullptr, std::move(selection.refusal)};
  Bind(selection, request);
  const Route& route = *selection.route;
  if (!route.open) {
    log::Error("router_not_an_upload_route",
               {{"request_id", request.request_id}, {"route", route.pattern}});
    return {nullptr, InternalErrorResponse()};
  }
  return OpenSink(route, request, authenticate);
}

Router::UploadStart Router::OpenSink(const Route& route, Request& request,
                                     const Authenticator& authenticate) const {
  UploadStart out;
  try {
    out.refusal = Authorize(route.access, request, authenticate, principal_checks_);
    if (out.refusal)
      return out;
    Result<std::unique_ptr<BodySink>> sink = route.open(request);
    if (!sink) {
      out.refusal = Response::FromError(sink.error());
    } else if (*sink == nullptr) {
      log::Error("router_upload_without_sink",
                 {{"request_id", request.request_id}, {"route", route.pattern}});
      out.refusal = InternalErrorResponse();
    } else {
      out.sink = std::move(*sink);
    }
    return out;
  } catch (const std::exception& e) {
    LogHandlerException(request, route.pattern, typeid(e).name());
  } catch (...) {
    LogHandlerException(request, route.pattern, "?");
  }
  return {nullptr, InternalErrorResponse()};
}

Response Router::Dispatch(Request& request, const Authenticator& authenticate) const {
  request.route.clear();
  request.params.clear();
  request.principal.reset();

  Selection selection = Select(request);
  if (selection.refusal)
    return std::move(*selection.refusal);
  Bind(selection, request);
  const Route& route = *selection.route;

  if (route.open) {
    UploadStart start = OpenSink(route, request, authenticate);
    if (start.refusal)
      return std::move(*start.refusal);
    try {
      if (request.body.size() > route.max_bytes)
        return BodyTooLarge(route.max_bytes);
      if (!request.body.empty()) {
        Status written = start.sink->Write(request.body);
        if (!written)
          return Response::FromError(written.error());
      }
      return start.sink->Finish();
    } catch (const std::exception& e) {
      LogHandlerException(request, route.pattern, typeid(e).name());
    } catch (...) {
      LogHandlerException(request, route.pattern, "?");
    }
    return InternalErrorResponse();
  }

  return Run(route, request, authenticate);
}

std::optional<Response> Router::TryDispatchInline(Request& request,
                                                  const CachedAuthenticator& cached) const {
  Selection selection = Select(request);
  if (selection.refusal)
    return std::move(*selection.refusal);
  const Route& route = *selection.route;
  if (route.open || route.cost != HandlerCost::kNonBlocking)
    return std::nullopt;
  std::optional<Principal> known;
  if (route.access.authenticated) {
    auto header = request.Header("Authorization");
    std::string_view token = header ? BearerToken(*header) : std::string_view();
    if (token.empty() || !cached)
      return std::nullopt;  // the refusal, its audit entry and its log line are the pool's
    try {
      known = cached(token, request);
    } catch (...) {
      return std::nullopt;
    }
    if (!known)
      return std::nullopt;
  }
  request.route.clear();
  request.params.clear();
  request.principal.reset();
  Bind(selection, request);
  // Authorize's path with the principal already known: the same checks in the same order.
  Authenticator from_cache = [&known](std::string_view, const Request&) -> Result<Principal> {
    return *known;
  };
  return Run(route, request, from_cache);
}

Response Router::Run(const Route& route, Request& request,
                     const Authenticator& authenticate) const {
  try {
    if (auto refusal = Authorize(route.access, request, authenticate, principal_checks_))
      return std::move(*refusal);
    return route.handler(request);
  } catch (const std::exception& e) {
    LogHandlerException(request, route.pattern, typeid(e).name());
  } catch (...) {
    LogHandlerException(request, route.pattern, "?");
  }
  return InternalErrorResponse();
}

Result<json> ParseJsonBody(const Request& request) {
  auto content_type = request.Header("Content-Type");
  if (!content_type || !IsJsonContentType(*content_type)) {
    return InvalidArgument("unsupported_media_type",
                           "request body must be sent as 'Content-Type: application/json'",
                           "Content-Type");
  }
  if (JsonDepth(request.body) > kMaxJsonDepth) {
    return InvalidArgument("json_too_deep", "request body nests arrays or objects more than " +
                                                std::to_string(kMaxJsonDepth) + " levels deep");
  }
  json value;
  try {
    value = json::parse(request.body);
  } catch (const json::parse_error& e) {
    return InvalidArgument("malformed_json", "request body is not valid JSON (error at byte " +
                                                 std::to_string(e.byte) + ")");
  } catch (const json::out_of_range&) {
    return InvalidArgument("malformed_json",
                           "request body has a number too large to represent (such as 1e400)");
  } catch (const std::exception&) {
    return InvalidArgument("malformed_json", "request body is not valid JSON");
  }
  if (!value.is_object()) {
    return InvalidArgument("expected_object", "request body must be a JSON object");
  }
  return value;
}

}  // namespace ketenpoort::api
