#include "gateway/api/https_server.h"

#include <cpprest/http_listener.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "gateway/api/url.h"
#include "gateway/crypto/random.h"
#include "gateway/log/log.h"

namespace ketenpoort::api {

namespace {

namespace http = web::http;
using http::experimental::listener::http_listener;
using http::experimental::listener::http_listener_config;

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMinDrainAllowance = 64 * 1024;
constexpr std::size_t kRequestIdBytes = 12;
constexpr const char* kHsts = "max-age=31536000";

// Headers this server sets on every response; a handler's own values are dropped.
constexpr std::array<std::string_view, 5> kServerHeaders = {
    "Strict-Transport-Security", "X-Content-Type-Options", "Cache-Control", "X-Request-Id",
    "Connection"};

std::optional<std::uint64_t> ParseContentLength(std::string_view text) {
  text = TrimHttpWhitespace(text);
  if (text.empty() || text.size() > 18)
    return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

// cpprestsdk (2.10) keeps every acceptor open until the last listener in the process closes,
// each acceptor holds a reference to its listener's TLS callback, and a connection whose
// handshake is still in flight when its listener closes is finished on cpprestsdk's threads
// later, with references to the listener (seen as a crash when a client aborted a handshake
// just before Stop). So a closed listener is never destroyed: it stays here, handshakes to its
// port failing, for the life of the process. The registry itself is never destroyed either,
// so no listener dies under cpprestsdk's threads during exit. Each one costs a few hundred
// bytes; a process opens a handful. Opening and closing are serialised.
struct ListenerRegistry {
  std::mutex mu;
  int open = 0;
  std::vector<std::unique_ptr<http_listener>> closed;
};

ListenerRegistry& Registry() {
  static ListenerRegistry* registry = std::make_unique<ListenerRegistry>().release();
  return *registry;
}

Response InternalErrorResponse() {
  return Response::FromError(
      Internal("internal_error", "the server failed to handle this request; see its log"));
}

// One request on its way through the server.
struct Exchange {
  http::http_request http;
  Request request;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::optional<Response> refusal;  // answered without the router
  bool close = false;               // answer with Connection: close
  bool aborted = false;             // body stream cut: stop reading
  std::uint64_t received = 0;       // body bytes seen, kept or not
  std::array<std::uint8_t, kReadChunk> chunk{};
};

// What the listener's callbacks share with HttpsServer; outlives both through shared_ptr.
struct ServerState {
  std::size_t max_body_bytes = 0;
  Authenticator authenticate;
  std::optional<ServerTls> tls;
  const Router* router = nullptr;

  std::mutex mu;
  std::condition_variable idle;
  int in_flight = 0;
  bool stopping = false;
  std::atomic<bool> closed{false};  // listener closed: refuse every new TLS handshake
  std::shared_mutex tls_mu;         // held shared by TLS callbacks, exclusively to close
  // steady_clock time (ns) of the latest TLS callback, i.e. of the latest accepted connection.
  std::atomic<std::int64_t> last_accept_ns{0};

  std::uint64_t drain_limit() const {
    const std::uint64_t limit = max_body_bytes;
    const std::uint64_t allowance = std::max<std::uint64_t>(limit, kMinDrainAllowance);
    return limit > UINT64_MAX - allowance ? UINT64_MAX : limit + allowance;
  }
};

using State = ServerState;

// Stops cpprestsdk from buffering any more of the body: its next write into the body stream
// fails, which completes the request with an error and lets the response go out.
void AbortBody(Exchange& ex) {
  ex.aborted = true;
  ex.close = true;
  try {
    ex.http.body().streambuf().close(std::ios_base::out,
                                     std::make_exception_ptr(std::runtime_error("body refused")));
  } catch (...) {
    // Already closed or failed: nothing more will be buffered either way.
  }
}

void Refuse(Exchange& ex, const Error& error, bool close) noexcept {
  if (!ex.refusal)
    ex.refusal = Response::FromError(error);
  ex.close = ex.close || close;
}

// Fills ex.request from the cpprestsdk request and decides the refusals that need no body.
void Prepare(const State& st, Exchange& ex) {
  const http::http_request& in = ex.http;
  Request& req = ex.request;
  req.method = in.method();
  req.remote_address = in.remote_address();
  for (const auto& [name, value] : in.headers())
    req.headers[name] = value;
  const web::uri& uri = in.request_uri();
  req.path = uri.path();

  auto query = ParseQuery(uri.query());
  if (query) {
    req.query = std::move(*query);
  } else {
    Refuse(ex, query.error(), false);
  }

  auto content_length = req.Header("Content-Length");
  auto transfer_encoding = req.Header("Transfer-Encoding");
  if (content_length && transfer_encoding) {
    Refuse(ex,
           InvalidArgument("invalid_framing",
                           "send either Content-Length or Transfer-Encoding, not both"),
           true);
    AbortBody(ex);
    return;
  }
  if (transfer_encoding && !EqualsIgnoreCase(TrimHttpWhitespace(*transfer_encoding), "chunked")) {
    Refuse(ex,
           InvalidArgument("unsupported_transfer_encoding",
                           "the only transfer coding accepted is 'chunked'", "Transfer-Encoding"),
           true);
    AbortBody(ex);
    return;
  }
  if (content_length) {
    auto length = ParseContentLength(*content_length);
    if (!length) {
      Refuse(ex,
             InvalidArgument("invalid_content_length", "Content-Length is not a byte count",
                             "Content-Length"),
             true);
      AbortBody(ex);
      return;
    }
    if (*length > st.max_body_bytes) {
      Refuse(ex,
             TooLarge("body_too_large", "request body is larger than " +
                                            std::to_string(st.max_body_bytes) + " bytes"),
             true);
      if (*length > st.drain_limit())
        AbortBody(ex);
    }
  }
}

void Done(const std::shared_ptr<State>& st, const std::shared_ptr<Exchange>& ex,
          int status) noexcept {
  try {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - ex->start)
                  .count();
    const Request& r = ex->request;
    log::Info("http_request", {{"request_id", r.request_id},
                               {"method", r.method},
                               {"route", r.route.empty() ? "-" : r.route},
                               {"status", std::to_string(status)},
                               {"ms", std::to_string(ms)},
                               {"org", r.principal ? r.principal->org : ""}});
  } catch (...) {
    // Logging must not keep the request counted as in flight.
  }
  ex->http = http::http_request();  // let go of cpprestsdk's request before Stop() may return
  std::lock_guard lock(st->mu);
  if (--st->in_flight == 0)
    st->idle.notify_all();
}

// Answers the request (refusal or router), then Done(). Never throws.
void Finish(const std::shared_ptr<State>& st, const std::shared_ptr<Exchange>& ex) noexcept {
  Response response;
  try {
    response =
        ex->refusal ? std::move(*ex->refusal) : st->router->Dispatch(ex->request, st->authenticate);
  } catch (...) {
    response = InternalErrorResponse();
  }
  const int status = response.status;
  bool handed_off = false;
  try {
    http::http_response out(static_cast<http::status_code>(status));
    http::http_headers& headers = out.headers();
    for (const auto& [name, value] : response.headers) {
      bool ours = false;
      for (std::string_view s : kServerHeaders)
        ours = ours || EqualsIgnoreCase(name, s);
      if (!ours)
        headers.add(name, value);
    }
    headers["Strict-Transport-Security"] = kHsts;
    headers["X-Content-Type-Options"] = "nosniff";
    headers["Cache-Control"] = "no-store";
    headers["X-Request-Id"] = ex->request.request_id;
    if (ex->close)
      headers["Connection"] = "close";
    if (!response.body.empty()) {
      // The byte-vector overload: the std::string one type-puns a char buffer as a byte
      // buffer inside cpprestsdk (undefined behaviour that UBSan reports).
      headers["Content-Type"] = response.content_type;
      out.set_body(std::vector<unsigned char>(response.body.begin(), response.body.end()));
    }
    pplx::task<void> sent = ex->http.reply(out);
    handed_off = true;
    sent.then([st, ex, status](pplx::task<void> t) {
      try {
        t.get();
      } catch (...) {
        // The client went away; nothing to tell anyone but the log line.
      }
      Done(st, ex, status);
    });
  } catch (...) {
    // reply() throws when cpprestsdk already answered (the listener is closing).
    if (!handed_off)
      Done(st, ex, status);
  }
}

// Reads the body a chunk at a time (kept up to the limit, then only counted), then finishes.
void ReadBody(const std::shared_ptr<State>& st, const std::shared_ptr<Exchange>& ex) noexcept {
  if (ex->aborted) {
    Finish(st, ex);
    return;
  }
  try {
    auto body = ex->http.body().streambuf();
    body.getn(ex->chunk.data(), ex->chunk.size()).then([st, ex](pplx::task<size_t> t) {
      bool more = false;
      try {
        std::size_t n = t.get();
        more = n > 0;
        ex->received += n;
        if (!ex->refusal && ex->received > st->max_body_bytes) {
          Refuse(*ex,
                 TooLarge("body_too_large", "request body is larger than " +
                                                std::to_string(st->max_body_bytes) + " bytes"),
                 true);
          ex->request.body.clear();
          ex->request.body.shrink_to_fit();
        }
        if (!ex->refusal) {
          ex->request.body.append(reinterpret_cast<const char*>(ex->chunk.data()), n);
        } else if (ex->received > st->drain_limit()) {
          AbortBody(*ex);
        }
      } catch (...) {
        // cpprestsdk failed the body stream: the client went away or sent a broken chunk.
        Refuse(*ex, InvalidArgument("body_unreadable", "the request body could not be read"), true);
        more = false;
      }
      if (more) {
        ReadBody(st, ex);
      } else {
        Finish(st, ex);
      }
    });
  } catch (...) {
    Refuse(*ex, InvalidArgument("body_unreadable", "the request body could not be read"), true);
    AbortBody(*ex);
    Finish(st, ex);
  }
}

void HandleRequest(const std::shared_ptr<State>& st, http::http_request in) {
  auto ex = std::make_shared<Exchange>();
  ex->http = std::move(in);
  ex->request.request_id = crypto::RandomToken(kRequestIdBytes);
  {
    std::lock_guard lock(st->mu);
    ++st->in_flight;
    if (st->stopping) {
      Refuse(*ex, Unavailable("shutting_down", "the server is shutting down"), true);
    }
  }
  try {
    Prepare(*st, *ex);
  } catch (...) {
    Refuse(*ex, InvalidArgument("bad_request", "the request could not be read"), true);
    AbortBody(*ex);
  }
  ReadBody(st, ex);
}

}  // namespace

struct HttpsServer::State : ServerState {};

struct HttpsServer::Listener {
  std::unique_ptr<http_listener> listener;
};

HttpsServer::HttpsServer(Config config)
    : config_(std::move(config)), state_(std::make_shared<State>()) {}

HttpsServer::~HttpsServer() {
  Stop();
}

Status HttpsServer::Start(const Router& router) {
  if (listener_)
    return Internal("already_started", "the HTTPS server is already running");
  const std::string where = config_.host + ":" + std::to_string(config_.port);
  if (config_.port < 1 || config_.port > 65535) {
    return InvalidArgument("invalid_listen_address", "port must be 1..65535 (0 is not supported)",
                           "port");
  }
  if (config_.host.empty() || config_.host.find_first_of(":/[]@ ") != std::string::npos) {
    return InvalidArgument("invalid_listen_address",
                           "host must be an IPv4 address or a name (IPv6 literals are not "
                           "supported)",
                           "host");
  }
  if (config_.max_body_bytes == 0) {
    return InvalidArgument("invalid_body_limit", "max_body_bytes must be positive",
                           "max_body_bytes");
  }
  KP_ASSIGN_OR_RETURN(ServerTls tls, ServerTls::Create(config_.install_certificate_and_key,
                                                       config_.client_ca_file));

  auto st = std::make_shared<State>();
  st->max_body_bytes = config_.max_body_bytes;
  st->authenticate = config_.authenticate;
  st->tls.emplace(std::move(tls));
  st->router = &router;

  http_listener_config lc;
  lc.set_ssl_context_callback([st](boost::asio::ssl::context& context) {
    // Runs for every accepted connection. On failure the context is left without a
    // certificate, so the handshake fails; it must not throw into cpprestsdk.
    std::shared_lock lock(st->tls_mu);  // Stop waits for this before the owner's state goes
    st->last_accept_ns = std::chrono::steady_clock::now().time_since_epoch().count();
    if (st->closed)
      return;
    try {
      Status s = st->tls->Configure(context.native_handle());
      if (!s)
        log::Error("tls_context_failed", {{"code", s.error().code}});
    } catch (...) {
      log::Error("tls_context_failed", {{"code", "exception"}});
    }
  });

  auto listener = std::make_unique<Listener>();
  try {
    web::uri uri(utility::conversions::to_string_t("https://" + where + "/"));
    listener->listener = std::make_unique<http_listener>(uri, lc);
    listener->listener->support([st](http::http_request request) {
      try {
        HandleRequest(st, std::move(request));
      } catch (...) {
        // HandleRequest answers every request itself; nothing may escape into cpprestsdk.
      }
    });
    std::lock_guard lock(Registry().mu);
    listener->listener->open().wait();
    ++Registry().open;
  } catch (const std::exception& e) {
    return Unavailable("listen_failed", "cannot listen on " + where + ": " + e.what());
  }
  state_ = std::move(st);
  listener_ = std::move(listener);
  log::Info("https_listening",
            {{"address", where}, {"mutual_tls", state_->tls->mutual() ? "yes" : "no"}});
  return Ok();
}

void HttpsServer::Stop() {
  if (!listener_)
    return;
  State& st = *state_;
  {
    std::unique_lock lock(st.mu);
    st.stopping = true;
    st.idle.wait_for(lock, config_.drain_timeout, [&] { return st.in_flight == 0; });
  }
  {
    std::unique_lock tls_lock(st.tls_mu);  // no TLS callback runs past this point
    st.closed = true;
  }
  // cpprestsdk 2.10 can crash in close() while a TLS handshake is still being torn down
  // (cpprestsdk issue 1480; seen here when a client aborted its handshake just before Stop).
  // A handshake on a connection accepted a moment ago is over within milliseconds, so wait
  // until the latest accepted connection is kSettle old, at most kSettleLimit in all.
  constexpr auto kSettle = std::chrono::milliseconds(250);
  constexpr auto kSettleLimit = std::chrono::milliseconds(1000);
  const auto settle_start = std::chrono::steady_clock::now();
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    const auto last = std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(st.last_accept_ns.load()));
    if (now - last >= kSettle || now - settle_start >= kSettleLimit)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    ListenerRegistry& registry = Registry();
    std::lock_guard lock(registry.mu);
    try {
      listener_->listener->close().wait();
    } catch (const std::exception&) {
      log::Warn("https_close_failed");
    }
    --registry.open;
    registry.closed.push_back(std::move(listener_->listener));
  }
  {
    // Closing failed every connection; handlers still running finish now.
    std::unique_lock lock(st.mu);
    st.idle.wait(lock, [&] { return st.in_flight == 0; });
  }
  listener_.reset();
  log::Info("https_stopped");
}

}  // namespace ketenpoort::api
