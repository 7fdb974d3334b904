// HTTPS serving on cpprestsdk's http_listener: our TLS policy (server_tls.h), body limits,
// security headers and one log line per request around a Router.
//
//   HttpsServer::Config c;
//   c.host = "127.0.0.1";
//   c.port = 8443;
//   c.install_certificate_and_key = [&](SSL_CTX* ctx) {
//     return keyring.InstallInTlsContext("tls", chain, ctx);   // the key stays in the keyring
//   };
//   c.client_ca_file = "certs/ca.cert.pem";                    // optional: mutual TLS
//   c.authenticate = [&](std::string_view token, const Request&) { return Check(token); };
//   HttpsServer server(std::move(c));
//   KP_RETURN_IF_ERROR(server.Start(router));  // e.g. "cannot listen on 127.0.0.1:8443: ..."
//   ...
//   server.Stop();                             // graceful; the destructor does it too
//
// Per request, before the router runs:
//   Content-Length above the body limit -> 413 body_too_large, decided before reading: the body
//     is never held in memory. The limit is max_body_bytes, or an upload route's own max_bytes
//     (Router::AddUpload). A chunked body is counted as it arrives and refused the same way
//     once it passes the limit. A refused body is read and thrown away for up to another
//     max_body_bytes (at least 64 KiB) beyond the limit, or, for an upload refused before or
//     while its body arrived, beyond the point of refusal, so that a client can finish sending
//     and read the answer; beyond that the connection is cut.
//   Content-Length that is not a number, both Content-Length and Transfer-Encoding, or a
//     transfer coding other than "chunked" -> 400 (and the connection is closed)
//   a malformed or repeated query parameter -> 400 (url.h)
//   after Stop() began -> 503 shutting_down, Connection: close
// Uploads (a route added with Router::AddUpload): once the headers are in and none of the
// above refused the request, Router::StartUpload routes, authenticates and opens the sink,
// before any of the body is read; a refusal there (401, 403, 404, the sink's own error) is
// the answer and the body is drained or cut as above. Each piece of the body (up to 64 KiB)
// then goes to BodySink::Write as it arrives, never gathered in Request::body, and the
// response is BodySink::Finish() once the whole body is in. A Write error (that error is the
// response), the limit passed, a body cut short, a client gone or Stop() closing connections
// destroy the sink without Finish.
// Streamed responses (Response::stream): sent with Content-Length stream_length, the body read
// from the BodySource by a thread of its own in 64 KiB pieces while fewer than 2 MiB wait to
// be sent, so memory stays flat whatever the size and however slowly the client reads. A
// Read error, a source that ends early or runs past stream_length, a client that takes
// nothing for stream_stall_timeout (120 s) or Stop() after drain_timeout cut the connection:
// the client sees a truncated body, never a complete-looking wrong one. The source is
// destroyed before the request counts as finished, so Stop() returns only after every source
// is gone.
//   router.Add("GET", "/v1/files/{id}", Access::AnyToken(), [&](Request& req) {
//     Response r;
//     r.content_type = "application/octet-stream";
//     r.stream = files.OpenReader(req.params.at("id"));   // a std::shared_ptr<BodySource>
//     r.stream_length = r.stream ? files.Size(req.params.at("id")) : 0;
//     return r;
//   });
// Every response carries Strict-Transport-Security, X-Content-Type-Options: nosniff,
// Cache-Control: no-store and X-Request-Id (a handler's own headers of those names are
// replaced), and every request logs one line:
//   info http_request request_id=... method=POST route=/v1/messages/{id}/status status=202 ms=3
//        org=shop-denhaag
// with the route pattern, never the raw path, the query, the body or a token.
//
// Handlers, upload routes' open, BodySink::Write and Finish run on cpprestsdk's thread pool,
// which also does its I/O (40 threads): one that blocks for long ties up one of them.
// BodySource::Read runs on its response's own thread.
//
// cpprestsdk 2.10 limits what this server can offer:
//   - a handler cannot see the client certificate of a mutual-TLS connection (the listener
//     exposes no SSL*); with client_ca_file set, every connection has passed verification
//     against that CA, and that is all a handler knows.
//   - the peer's IP address is available (Request::remote_address), its port is not.
//   - no handshake, header or idle timeouts; no limit on the size of the request head.
//   - port 0 ("any free port") and IPv6 literal hosts are not supported: Start refuses them.
//   - with several servers in one process, a stopped server's port stays bound (handshakes
//     to it fail) until the last server stops: cpprestsdk closes all acceptors at once. Only
//     HttpsServer may create cpprestsdk listeners in the process, or this bookkeeping breaks.
//   - cpprestsdk answers some malformed requests (bad request line) itself, without our
//     headers or error shape.
//   - response headers form a map: a header can be sent only once (no repeated Set-Cookie).
//   - it never sends "100 Continue": a client that sends "Expect: 100-continue" waits for its
//     own timeout (curl: 1 s) before sending the body. Clients should not send Expect.
//   - it reads a request body from the socket as fast as the client sends it, into a buffer of
//     its own without flow control: it never waits for our reader, so an upload sink slower
//     than the network lets that buffer grow with the body. Measured on loopback (one 200 MB
//     upload, peak RSS growth of the receiving process): a sink that only counts +5..23 MiB;
//     one that writes a file and fsyncs once, in Finish, +22..25 MiB (1 GB: +81 MiB); one
//     that fsyncs every 8 MiB +57..120 MiB (1 GB: +240 MiB). Keep sinks fast: no fsync in
//     Write.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "gateway/api/router.h"
#include "gateway/api/server_tls.h"
#include "gateway/core/error.h"

namespace ketenpoort::api {

class HttpsServer {
 public:
  struct Config {
    std::string host = "127.0.0.1";  // an IPv4 address or a name; "0.0.0.0" for all
    int port = 8443;                 // 1..65535
    // Installs the certificate chain and private key into each TLS context (required).
    ServerTls::InstallCertificateAndKey install_certificate_and_key;
    std::string client_ca_file;  // empty: no client certificates; else mutual TLS against it
    std::size_t max_body_bytes = 1024 * 1024;
    Authenticator authenticate;  // empty: every route that needs a token answers 401
    // How long Stop() lets requests in flight finish before it closes their connections.
    std::chrono::milliseconds drain_timeout{10000};
    // A streamed response (Response::stream) whose client takes nothing for this long is cut.
    std::chrono::milliseconds stream_stall_timeout{120000};
  };

  explicit HttpsServer(Config config);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  // Checks the TLS setup (server_tls.h) and starts listening; `router` must outlive Stop().
  // Errors: bad config -> kInvalidArgument "invalid_listen_address"; the address cannot be
  // bound -> kUnavailable "listen_failed" naming host:port and the reason ("Address already in
  // use"); TLS setup errors as in ServerTls::Create. Calling Start twice is an error.
  Status Start(const Router& router);

  // Refuses new requests (503), waits up to drain_timeout for those in flight, closes the
  // listener and its connections, then waits for any handler still running. Idempotent.
  void Stop();

 private:
  struct State;
  struct Listener;

  Config config_;
  std::shared_ptr<State> state_;
  std::unique_ptr<Listener> listener_;
};

}  // namespace ketenpoort::api
