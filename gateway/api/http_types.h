// The request and response that route handlers see: plain values, no server or socket types,
// so a handler can be called directly from a test.
//
//   // (compiled in examples_test.cpp)
//   Response GetMessage(Request& req) {                      // route "/v1/messages/{id}"
//     const std::string& id = req.params.at("id");           // percent-decoded
//     auto found = store.Find(req.principal->org, id);
//     if (!found) return Response::FromError(found.error());
//     return Response::Json(200, {{"id", id}, {"status", found->status}});
//   }
//
// Response::FromError writes the error shape of docs/API.md, with the status the kind fixes:
//
//   Response::FromError(NotFound("message_not_found", "no such message", "id"))
//     -> 404 {"error":{"code":"message_not_found","field":"id","message":"no such message"}}
//
// "field" is left out when the error names none; a 401 also carries `WWW-Authenticate: Bearer`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
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
  std::string body;            // at most the server's max_body_bytes; empty on an upload route
  std::string remote_address;  // the peer's IP address as text; may be empty
  // The client certificate of a mutual-TLS connection, verified against the server's client
  // CA during the handshake: its SHA-256 fingerprint as Certificate::Sha256Fingerprint()
  // writes it ("3F:A1:...:09") and its subject's commonName. Both empty when the connection
  // presented none (the server does not ask for one without a client CA).
  std::string client_cert_sha256;
  std::string client_cert_subject_cn;
  std::string request_id;              // random, also sent back as X-Request-Id; for logs only
  std::optional<Principal> principal;  // set by Router::Dispatch on routes that need a token

  // The value of header `name` (any case), or nullopt when absent.
  std::optional<std::string> Header(std::string_view name) const;
};

struct Response;

// A response body made while it is sent, a piece at a time (a large download): the server
// asks for the next piece when the client has taken the previous ones, so memory stays flat.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // Fills up to buffer.size() bytes and returns how many; 0 at the end. Called from one thread
  // at a time, possibly a different one each time. An error, or an end before the promised
  // length, cuts the connection: the client sees a truncated body, never a wrong one.
  virtual Result<std::size_t> Read(std::span<char> buffer) = 0;
};

// A request body taken a piece at a time as it arrives (Router::AddUpload), so that a large
// upload is never held in memory.
class BodySink {
 public:
  // Destroyed without Finish when the request fails (body cut, too large, a Write error, the
  // server stopping): undo whatever Write did.
  virtual ~BodySink() = default;
  // The next bytes of the body, in order. An error becomes the response; the rest of the body
  // is then read and thrown away (or the connection cut, as for any refused body).
  virtual Status Write(std::string_view bytes) = 0;
  // The whole body arrived within the route's limit: the response.
  virtual Response Finish() = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, in order
  // When set, the body is read from `stream` instead of `body`, sent with Content-Length
  // `stream_length` and `content_type`.
  std::shared_ptr<BodySource> stream;
  std::uint64_t stream_length = 0;
  // A response that is ready later, without a thread waiting for it (a submission whose group
  // commit is still running). When set, the server ignores the other fields and calls
  // `deferred(complete)` once, after the handler returned; `complete` must then be called
  // exactly once, from any thread, with the real response (which must not itself be deferred
  // or streamed). Until then the connection waits and no thread is held. `complete` may be
  // called after the connection is gone; it is then a no-op.
  using Completion = std::function<void(Response)>;
  std::function<void(Completion)> deferred;
  // Work that may block, handed on by a HandlerCost::kNonBlocking handler that found it needs
  // the database after all (router.h). When set, the server ignores the other fields, runs
  // `blocking` on its worker pool and sends what it returns (which may be deferred, not
  // blocking again).
  std::function<Response()> blocking;

  // `value` serialised compactly; invalid UTF-8 in strings is replaced (U+FFFD), never thrown.
  static Response Json(int status, const nlohmann::json& value);
  // The error shape of docs/API.md, with the HTTP status of `error.kind`.
  static Response FromError(const Error& error);
  // A deferred response (see `deferred`).
  static Response Later(std::function<void(Completion)> start);
  // The rest of the work, to run on a worker (see `blocking`).
  //
  //   if (kind == "securemail")   // needs the database: off the I/O thread
  //     return Response::OnWorker([=] { return Answer(mail->Submit(...)); });
  static Response OnWorker(std::function<Response()> work);
  // For callers without a server (tests, Router::Dispatch users): `response` itself, or, when
  // blocking or deferred, the response it comes to, run and waited for on this thread.
  static Response Wait(Response response);
};

}  // namespace ketenpoort::api
