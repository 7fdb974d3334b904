// The front door: HTTPS serving on Boost.Beast over Boost.Asio, with OpenSSL for TLS
// (tls_socket.h, our policy in server_tls.h), around a Router.
//
//   // (compiled in examples_test.cpp)
//   HttpsServer::Config c;
//   c.host = "127.0.0.1";
//   c.port = 8443;                                             // 0: any free port (port())
//   c.install_certificate_and_key = [&](SSL_CTX* ctx) {
//     return keyring.InstallInTlsContext("tls", chain, ctx);   // the key stays in the keyring
//   };
//   c.client_ca_file = "certs/ca.cert.pem";                    // optional: mutual TLS
//   c.authenticate = [&](std::string_view token, const Request&) { return Check(token); };
//   HttpsServer server(std::move(c));
//   KP_RETURN_IF_ERROR(server.Start(router));  // e.g. "cannot listen on 127.0.0.1:8443: ..."
//   ...
//   server.Stop();                             // drains, then closes; the destructor does it too
//
// What a connection may cost (every limit in Config, from gateway.json `limits`):
//   TLS handshake not finished within handshake_timeout          -> closed
//   a request head (request line + headers) above max_header_bytes -> 431, closed
//   a request head not complete within header_timeout of its first byte -> closed
//   a keep-alive connection idle for idle_timeout between requests -> closed
//   a request or response body that makes no progress for body_stall_timeout -> closed
//   more than max_connections open: a new connection is closed at once, those being served
//     are not disturbed
// A connection closed before, during or after its handshake is released at once (descriptor
// and memory). An idle connection holds its socket and SSL object only (no read buffer).
//
// Strict HTTP/1.1 framing (Beast's parser plus the checks here), each a 400 with the
// connection closed: a NUL, bare CR or LF or other control character in a header; two
// different Content-Lengths, or one that is not a number; Content-Length with
// Transfer-Encoding; a transfer coding other than "chunked"; a malformed request line or
// chunk. A malformed or repeated query parameter is a 400 too (url.h), on a kept connection.
//
// Bodies:
//   Content-Length above the body limit -> 413 body_too_large before any of the body is read.
//     The limit is max_body_bytes, or an upload route's own max_bytes (Router::AddUpload). A
//     chunked body is counted as it arrives and refused the same way once past the limit.
//   "Expect: 100-continue" is answered "100 Continue" only when the request was accepted so
//     far (routed, authenticated, sink opened for an upload); a refused one gets its error
//     instead, and its client never sends the body.
//   A refused body sent without Expect is read and thrown away for up to another
//     max(max_body_bytes, 64 KiB) so that the client can finish sending and read the answer;
//     beyond that the connection is cut.
//   Flow control: the next piece of a body is read from the socket only once the previous
//     one was taken (kept, or written to an upload's sink), so a slow sink slows the client
//     instead of growing memory.
// Uploads (a route added with Router::AddUpload): once the head is in and none of the above
// refused it, Router::StartUpload routes, authenticates and opens the sink before any of the
// body is read; a refusal there (401, 403, 404, the sink's own error) is the answer. Each
// piece (up to 64 KiB, filled by as many reads as it takes) goes to BodySink::Write; the
// response is BodySink::Finish() once the whole body is in. A Write error (that error is the
// response), the limit passed, a body cut short, a client gone or Stop() closing connections
// destroy the sink without Finish. Streamed responses (Response::stream): sent with Content-Length
// stream_length, the body read from the BodySource a piece at a time, the next piece only once the
// client took the last, so memory stays flat whatever the size and however slowly the client reads.
// A Read error, a source that ends early or runs past stream_length, a client that takes nothing
// for stream_stall_timeout or Stop() after drain_timeout cut the connection: the client sees a
// truncated body, never a complete-looking wrong one. The source is destroyed before the
// request counts as finished.
//   router.Add("GET", "/v1/files/{id}", Access::AnyToken(), [&](Request& req) {
//     Response r;
//     r.content_type = "application/octet-stream";
//     r.stream = files.OpenReader(req.params.at("id"));   // a std::shared_ptr<BodySource>
//     r.stream_length = r.stream ? files.Size(req.params.at("id")) : 0;
//     return r;
//   });
// Deferred responses (Response::Later): the connection waits, holding no thread, until the
// completion is called (a submission answered when its group commit is on disk).
// Mutual TLS: with client_ca_file set, every connection presents a certificate that verifies
// against it, and handlers see it as Request::client_cert_sha256 / client_cert_subject_cn.
//
// Every response carries Strict-Transport-Security, X-Content-Type-Options: nosniff,
// Cache-Control: no-store and X-Request-Id (a handler's own headers of those names are
// replaced; any other header may repeat, e.g. Set-Cookie), and every request logs one line:
//   info http_request request_id=... method=POST route=/v1/messages/{id}/status status=202 ms=3
//        org=shop-denhaag
// with the route pattern, never the raw path, the query, the body or a token.
//
// Threads: io_threads threads (one per core by default) do all socket and TLS work, each with
// an io_context of its own (a connection stays on the thread that accepted it for its life,
// on a strand); they never block. Handlers, Router::StartUpload, BodySink::Write and Finish
// and BodySource::Read run on a pool of worker_threads threads (they may block on the
// database or the disk): a request costs one hand-off to the pool and one back. Except:
//   - a route added with HandlerCost::kNonBlocking whose token authenticate_cached knows (or
//     that needs none), and every routing refusal (400, 404, 405), is answered on the I/O
//     thread itself (Router::TryDispatchInline), with no hand-off;
//   - such a handler may still hand the rest of its work to the pool (Response::OnWorker),
//     or complete later (Response::Later).
// One TLS context serves every connection, with session resumption (a session cache and
// tickets).
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "gateway/api/router.h"
#include "gateway/api/server_tls.h"
#include "gateway/core/error.h"
#include "gateway/metrics/registry.h"

namespace ketenpoort::api {

class HttpsServer {
 public:
  struct Config {
    std::string host = "127.0.0.1";  // an IPv4 or IPv6 address or a name; "0.0.0.0" for all
    int port = 8443;                 // 0..65535; 0 picks a free port (see port())
    // Installs the certificate chain and private key into the TLS context (required).
    ServerTls::InstallCertificateAndKey install_certificate_and_key;
    std::string client_ca_file;  // empty: no client certificates; else mutual TLS against it
    std::size_t max_body_bytes = 1024 * 1024;
    std::size_t max_header_bytes = 16 * 1024;
    Authenticator authenticate;  // empty: every route that needs a token answers 401
    // Optional. With it, a HandlerCost::kNonBlocking route whose token it knows is answered on
    // the connection's I/O thread (Router::TryDispatchInline), with no hand-off to a worker.
    CachedAuthenticator authenticate_cached;
    std::chrono::milliseconds handshake_timeout{10000};
    std::chrono::milliseconds header_timeout{10000};
    std::chrono::milliseconds idle_timeout{60000};
    std::chrono::milliseconds body_stall_timeout{30000};
    // A streamed response (Response::stream) whose client takes nothing for this long is cut.
    std::chrono::milliseconds stream_stall_timeout{120000};
    // How long Stop() lets requests in flight finish before it closes their connections.
    std::chrono::milliseconds drain_timeout{10000};
    std::size_t max_connections = 4096;  // capped by the process's descriptor limit at Start
    unsigned io_threads = 0;             // 0: one per core
    unsigned worker_threads = 16;
    // Optional; must outlive the server. The server adds and keeps up to date:
    //   ketenpoort_http_requests_total{route,method,status}   counter, at each request's end
    //   ketenpoort_http_request_duration_seconds{route,method} histogram, head to last byte
    //   ketenpoort_http_open_connections                      gauge, accepted and not closed
    //   ketenpoort_tls_handshake_failures_total               counter (failed or timed out)
    // `route` is the matched pattern, never the raw path; a request no route took (400, 404,
    // 405, 431, ...) is route="-" method="-", so a client cannot add series. `status` 0 is a
    // request whose connection was cut before any answer.
    metrics::Registry* metrics = nullptr;
  };

  explicit HttpsServer(Config config);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  // Checks the TLS setup (server_tls.h) and starts listening; `router` must outlive Stop().
  // Errors: bad config -> kInvalidArgument "invalid_listen_address" (or the limit's own code);
  // the address cannot be resolved or bound -> kUnavailable "listen_failed" naming host:port
  // and the reason ("Address already in use"); TLS setup errors as in ServerTls::Create.
  // Calling Start twice is an error.
  Status Start(const Router& router);

  // The port listened on (the one picked, for port 0); 0 before Start.
  int port() const;

  // Closes the listener (new connections are refused) and idle connections, answers a request
  // that still arrives on an open connection 503 shutting_down, waits up to drain_timeout for
  // requests in flight, closes every connection, then waits for handlers still running (and
  // deferred responses still owed) and stops the threads. Waits on events, never polls.
  // Idempotent.
  void Stop();

 private:
  struct Core;

  Config config_;
  std::shared_ptr<Core> core_;
};

}  // namespace ketenpoort::api
