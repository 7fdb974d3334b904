// The request and response that route handlers see: plain values, no cpprestsdk types, so a
// handler can be called directly from a test.
//
//   Response GetMessage(Request& req) {                      // route "/v1/messages/{id}"
//     const std::string& id = req.params.at("id");           // percent-decoded
//     auto found = store.Find(req.principal->org, id);
//     if (!found) return Response::FromError(found.error());
//     return Response::Json(200, {{"id", id}, {"status", found->status}});
//   }
//
// Response::FromError writes API.md's error shape with the status the error's kind fixes:
//
//   Response::FromError(NotFound("message_not_found", "no such message", "id"))
//     -> 404 {"error":{"code":"message_not_found","message":"no such message","field":"id"}}
//
// "field" is left out when the error names none; a 401 also carries `WWW-Authenticate: Bearer`.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/error.h"
#include "gateway/core/role.h"

namespace ketenpoort::api {

// Orders ASCII strings ignoring case; transparent, so lookups take a string_view.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

// True when a and b are equal ignoring ASCII case (header names, tokens like "chunked").
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// `s` without leading and trailing spaces and tabs (HTTP optional whitespace).
std::string_view TrimHttpWhitespace(std::string_view s);

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // the request target's path, still percent-encoded, without the query
  std::string route;   // the matched pattern ("/v1/messages/{id}"); set by Router::Dispatch
  std::map<std::string, std::string> params;  // {name} in the route pattern -> decoded segment
  std::map<std::string, std::string> query;   // decoded; each name at most once
  // Header names compare case-insensitively; repeated headers are joined with ", ".
  std::map<std::string, std::string, CaseInsensitiveLess> headers;
  std::string body;                    // at most the server's max_body_bytes
  std::string remote_address;          // the peer's IP address as text; may be empty
  std::string request_id;              // random, also sent back as X-Request-Id; for logs only
  std::optional<Principal> principal;  // set by Router::Dispatch on routes that need a token

  // The value of header `name` (any case), or nullopt when absent.
  std::optional<std::string> Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, in order

  // `value` serialised compactly; invalid UTF-8 in strings is replaced (U+FFFD), never thrown.
  static Response Json(int status, const nlohmann::json& value);
  // API.md's error shape, with the HTTP status of `error.kind`.
  static Response FromError(const Error& error);
};

}  // namespace ketenpoort::api
