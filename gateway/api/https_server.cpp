#include "gateway/api/https_server.h"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <exception>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <thread>
#include <typeinfo>
#include <utility>
#include <vector>

#include "gateway/api/tls_socket.h"
#include "gateway/api/url.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/random.h"
#include "gateway/log/log.h"

namespace ketenpoort::api {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kBodyPiece = 64 * 1024;  // one read of a request body
// One piece of an upload handed to its sink. The socket is not read while the sink writes a
// piece, so a larger piece means longer pauses for the sender (1 MiB pieces were no faster on
// loopback, and the pauses grow with the piece).
constexpr std::size_t kUploadPiece = 64 * 1024;
constexpr std::size_t kStreamPiece = 256 * 1024;  // one read of a streamed response body
constexpr std::size_t kMinDrainAllowance = 64 * 1024;
constexpr std::size_t kReadAhead = 64 * 1024;  // beyond the head limit, in the read buffer
constexpr std::size_t kRequestIdBytes = 12;
// Descriptors kept back from the connection limit for the database, logs and outbound calls.
constexpr rlim_t kReservedDescriptors = 64;
constexpr const char* kHsts = "max-age=31536000";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// Headers this server sets on every response; a handler's own values are dropped, as are
// framing headers, which the server alone decides.
constexpr std::array<std::string_view, 7> kServerHeaders = {"Strict-Transport-Security",
                                                            "X-Content-Type-Options",
                                                            "Cache-Control",
                                                            "X-Request-Id",
                                                            "Connection",
                                                            "Content-Length",
                                                            "Transfer-Encoding"};

bool IsServerHeader(std::string_view name) {
  return std::any_of(kServerHeaders.begin(), kServerHeaders.end(),
                     [&](std::string_view s) { return EqualsIgnoreCase(name, s); });
}

// A control character (other than tab) in a header value: never valid (RFC 9110 5.5).
bool HasControl(std::string_view value) {
  return std::any_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

const boost::system::error_category& HttpCategory() {
  return http::make_error_code(http::error::need_buffer).category();
}

Response InternalErrorResponse() {
  return Response::FromError(
      Internal("internal_error", "the server failed to handle this request; see its log"));
}

Response ErrorResponse(const Error& error) noexcept {
  try {
    return Response::FromError(error);
  } catch (...) {
    Response r;  // out of memory: an empty 500 is all there is to say
    r.status = 500;
    return r;
  }
}

// A log line at most once a second per kind of event, so that a flood cannot fill the log.
class RateLimitedLog {
 public:
  void Warn(std::string_view event) {
    const std::int64_t now = Clock::now().time_since_epoch().count();
    std::int64_t last = last_.load();
    if (now - last < std::chrono::nanoseconds(std::chrono::seconds(1)).count() ||
        !last_.compare_exchange_strong(last, now)) {
      ++suppressed_;
      return;
    }
    log::Warn(event, {{"suppressed", std::to_string(suppressed_.exchange(0))}});
  }

 private:
  std::atomic<std::int64_t> last_{0};
  std::atomic<std::uint64_t> suppressed_{0};
};

class Connection;

// The front door's series in Config::metrics (all null without one), found once at Start.
struct ServerMetrics {
  metrics::CounterFamily* requests = nullptr;   // route, method, status
  metrics::HistogramFamily* latency = nullptr;  // route, method
  metrics::Gauge* open_connections = nullptr;
  metrics::Counter* handshake_failures = nullptr;

  static ServerMetrics In(metrics::Registry* registry) {
    ServerMetrics m;
    if (registry == nullptr)
      return m;
    m.requests =
        &registry->AddCounter("ketenpoort_http_requests_total",
                              "HTTP requests answered, by route pattern, method and status.",
                              {"route", "method", "status"});
    m.latency = &registry->AddHistogram(
        "ketenpoort_http_request_duration_seconds",
        "Time from a request's head to its response's last byte, by route pattern and method.",
        {"route", "method"}, metrics::LatencyBuckets());
    m.open_connections =
        &registry->AddGauge("ketenpoort_http_open_connections", "HTTPS connections open now.")
             .With({});
    m.handshake_failures = &registry
                                ->AddCounter("ketenpoort_tls_handshake_failures_total",
                                             "TLS handshakes that failed or timed out.")
                                .With({});
    return m;
  }
};

// What the acceptor, the connections and HttpsServer share; outlives each through shared_ptr.
struct ServerCore : std::enable_shared_from_this<ServerCore> {
  HttpsServer::Config config;
  const Router* router = nullptr;
  std::optional<ServerTls> tls;
  ossl::SslCtx ctx;
  std::size_t max_connections = 0;
  unsigned io_thread_count = 1;

  // One io_context per I/O thread, each run by its thread alone, so that a connection's events
  // are handled where they arrive, with no hand-off between I/O threads. `ioc` is the first; it
  // also runs the acceptor. Connections are spread over them in turn.
  asio::io_context ioc{1};
  std::vector<std::unique_ptr<asio::io_context>> more_contexts;
  std::size_t next_context = 0;  // on accept_strand
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  asio::strand<asio::io_context::executor_type> accept_strand{ioc.get_executor()};
  tcp::acceptor acceptor{accept_strand};
  asio::steady_timer accept_retry{accept_strand};
  std::optional<asio::thread_pool> workers;
  std::vector<std::thread> io_threads;
  int port = 0;

  std::mutex mu;
  std::condition_variable idle;
  std::size_t in_flight = 0;  // requests between their head and their response's last byte
  // Set under `mu` (so that Begin, which counts a request under `mu`, sees it in order with
  // Stop's wait); read without it on the per-response path.
  std::atomic<bool> stopping{false};
  std::list<std::weak_ptr<Connection>> connections;  // every open connection (for Stop)
  RateLimitedLog refused_log;
  RateLimitedLog accept_log;
  ServerMetrics metrics;

  std::uint64_t drain_allowance() const {
    return std::max<std::uint64_t>(config.max_body_bytes, kMinDrainAllowance);
  }

  using Strand = asio::strand<asio::io_context::executor_type>;
  void Accept();
  void OnAccept(error_code ec, tcp::socket socket, Strand strand);
};

// One request on its way through a connection.
struct Exchange {
  Request request;
  Clock::time_point start = Clock::now();
  std::uint64_t limit = 0;  // max_body_bytes, or the upload route's max_bytes
  std::uint64_t received = 0;
  std::optional<std::uint64_t> content_length;
  bool upload = false;
  bool expect_continue = false;
  bool close = false;  // answer with Connection: close
  std::optional<Response> refusal;
  std::unique_ptr<BodySink> sink;
  std::vector<char> piece;     // an upload's current piece
  std::size_t piece_fill = 0;  // bytes of `piece` read and not yet written to the sink
  int status = 0;
  // Streamed response.
  std::shared_ptr<BodySource> source;
  std::uint64_t stream_left = 0;
};

// One TCP connection: the TLS handshake, then requests one after another (HTTP/1.1
// keep-alive), all on the connection's strand. Work that may block goes to the worker pool
// and comes back to the strand.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Strand = asio::strand<asio::io_context::executor_type>;

  Connection(std::shared_ptr<ServerCore> core, tcp::socket socket, Strand strand)
      : core_(std::move(core)),
        strand_(std::move(strand)),
        stream_(std::move(socket), core_->ctx.get()),
        timer_(strand_),
        buffer_(core_->config.max_header_bytes + kReadAhead) {
    if (core_->metrics.open_connections)
      core_->metrics.open_connections->Add(1);
  }

  ~Connection() {
    if (core_->metrics.open_connections)
      core_->metrics.open_connections->Add(-1);
    std::lock_guard lock(core_->mu);
    if (registered_)
      core_->connections.erase(self_it_);
  }

  void Register(std::list<std::weak_ptr<Connection>>::iterator it) {
    self_it_ = it;
    registered_ = true;
  }

  const Strand& strand() const { return strand_; }

  // On the strand: the handshake, then the first request.
  void Start() {
    if (!stream_.ok()) {
      log::Error("tls_connection_failed", {{"code", "ssl_new"}});
      return Cut();
    }
    error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
    const tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
    if (!ec)
      remote_address_ = peer.address().to_string();
    Arm(core_->config.handshake_timeout);
    phase_ = Phase::kHandshake;
    stream_.async_handshake([self = shared_from_this()](error_code e) { self->OnHandshake(e); });
  }

  // On the strand, from Stop: idle connections close now; with `cut_all`, every connection.
  void OnStop(bool cut_all) {
    stop_requested_ = true;
    if (closed_)
      return;
    if (cut_all || phase_ == Phase::kHandshake || phase_ == Phase::kIdle)
      Cut();
  }

 private:
  enum class Phase { kHandshake, kIdle, kHead, kBusy };

  // --- timers and closing ---------------------------------------------------------------

  // Closes the connection if the current phase is not over within `limit`.
  void Arm(std::chrono::milliseconds limit) {
    ++generation_;
    timer_.expires_after(limit);
    timer_.async_wait([weak = weak_from_this(), g = generation_](error_code ec) {
      auto self = weak.lock();
      if (!ec && self && self->generation_ == g)
        self->Cut();
    });
  }

  void Disarm() {
    ++generation_;
    timer_.cancel();
  }

  // Cuts the connection: pending operations fail and their handlers end the exchange.
  void Cut() { Close(/*graceful=*/false); }

  // Closes after a complete response: close_notify, then the socket.
  void CloseGracefully() { Close(/*graceful=*/true); }

  void Close(bool graceful) {
    if (closed_)
      return;
    closed_ = true;
    Disarm();
    if (graceful)
      stream_.ShutdownAndClose();
    else
      stream_.Close();
  }

  // --- handshake and idle --------------------------------------------------------------

  void OnHandshake(error_code ec) {
    // Counted before the closed_ check: a handshake cut by its timeout ends here too.
    if (ec && !stop_requested_ && core_->metrics.handshake_failures)
      core_->metrics.handshake_failures->Add();
    if (closed_)
      return;
    if (ec)
      return Cut();  // scanners, health checks, bad clients: nothing to log per connection
    if (SSL_get_verify_result(stream_.ssl()) == X509_V_OK) {
      if (X509* peer = SSL_get0_peer_certificate(stream_.ssl())) {
        X509_up_ref(peer);
        const crypto::Certificate cert = crypto::Certificate::Adopt(ossl::X509Ptr(peer));
        client_cert_sha256_ = cert.Sha256Fingerprint();
        client_cert_cn_ = cert.SubjectCommonName();
      }
    }
    WaitForRequest();
  }

  // Waits for the first byte of the next request without holding a read buffer.
  void WaitForRequest() {
    if (stop_requested_)
      return CloseGracefully();
    if (buffer_.size() > 0 || stream_.HasPending())
      return ReadHead();
    phase_ = Phase::kIdle;
    Arm(core_->config.idle_timeout);
    stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
      if (self->closed_)
        return;
      if (ec)
        return self->Cut();
      self->ReadHead();
    });
  }

  // --- the request head ------------------------------------------------------------------

  void ReadHead() {
    phase_ = Phase::kHead;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(core_->config.max_header_bytes));
    // Our own limits are checked here, with our error shape. Not boost::none: Boost 1.74's
    // parser compares the length with the optional limit, and "n > none" is true.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    Arm(core_->config.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, std::size_t) { self->OnHead(ec); });
  }

  void OnHead(error_code ec) {
    if (closed_)
      return;
    if (ec == http::error::header_limit) {
      Begin();
      return Refuse(
          ErrorResponse(Error{ErrorKind::kInvalidArgument, "header_too_large",
                              "the request head is larger than " +
                                  std::to_string(core_->config.max_header_bytes) + " bytes",
                              ""}),
          431);
    }
    if (ec && ec.category() == HttpCategory() && ec != http::error::end_of_stream &&
        ec != http::error::partial_message) {
      Begin();
      const bool length = ec == http::error::bad_content_length;
      return Refuse(ErrorResponse(
          InvalidArgument(length ? "invalid_content_length" : "invalid_framing",
                          length ? "Content-Length is not one byte count"
                                 : "the request is not well-formed HTTP/1.1 (" + ec.message() + ")",
                          length ? "Content-Length" : "")));
    }
    if (ec)
      return Cut();  // the client went away or timed out
    Begin();
    Prepare();
  }

  // The request counts as in flight from here until EndExchange.
  void Begin() {
    phase_ = Phase::kBusy;
    Disarm();
    ex_.emplace();
    ex_->request.request_id = crypto::RandomToken(kRequestIdBytes);
    ex_->request.remote_address = remote_address_;
    ex_->request.client_cert_sha256 = client_cert_sha256_;
    ex_->request.client_cert_subject_cn = client_cert_cn_;
    std::lock_guard lock(core_->mu);
    ++core_->in_flight;
    if (core_->stopping)
      ex_->refusal = ErrorResponse(Unavailable("shutting_down", "the server is shutting down"));
  }

  // Fills the Request from the head and decides the refusals that need no body.
  void Prepare() {
    Exchange& ex = *ex_;
    Request& req = ex.request;
    const auto& head = parser_->get();
    req.method = std::string(head.method_string());
    const std::string_view target(head.target().data(), head.target().size());
    const std::size_t q = target.find('?');
    req.path = std::string(target.substr(0, q));

    bool transfer_encoding = false;
    for (const auto& field : head) {
      const std::string_view name(field.name_string().data(), field.name_string().size());
      const std::string_view value(field.value().data(), field.value().size());
      if (HasControl(value)) {
        return Refuse(ErrorResponse(InvalidArgument(
            "invalid_header", "a header value holds a control character", std::string(name))));
      }
      transfer_encoding = transfer_encoding || EqualsIgnoreCase(name, "Transfer-Encoding");
      auto [it, fresh] = req.headers.emplace(std::string(name), std::string(value));
      if (!fresh)
        it->second.append(", ").append(value);
    }
    if (ex.refusal)  // shutting down
      return Refuse(std::move(*ex.refusal));
    if (transfer_encoding &&
        !EqualsIgnoreCase(TrimHttpWhitespace(*req.Header("Transfer-Encoding")), "chunked")) {
      return Refuse(ErrorResponse(InvalidArgument("unsupported_transfer_encoding",
                                                  "the only transfer coding accepted is 'chunked'",
                                                  "Transfer-Encoding")));
    }
    if (auto expect = req.Header("Expect"))
      ex.expect_continue = EqualsIgnoreCase(TrimHttpWhitespace(*expect), "100-continue");

    ex.limit = core_->config.max_body_bytes;
    if (auto upload_limit = core_->router->UploadLimit(req)) {
      ex.upload = true;
      ex.limit = *upload_limit;
    }
    if (auto length = parser_->content_length()) {
      ex.content_length = *length;
      if (*length > ex.limit)
        return RefuseTooLarge();
    }
    auto query =
        ParseQuery(q == std::string_view::npos ? std::string_view() : target.substr(q + 1));
    if (!query)
      return Refuse(ErrorResponse(query.error()));
    req.query = std::move(*query);

    if (!ex.upload)
      return ProceedToBody();
    // An upload is routed, authenticated and opened before any of its body is read, so that a
    // refused one is never taken in.
    OnWorker([this] {
      Router::UploadStart start =
          core_->router->StartUpload(ex_->request, core_->config.authenticate);
      return [this, start = std::make_shared<Router::UploadStart>(std::move(start))] {
        if (start->refusal)
          return Refuse(std::move(*start->refusal));
        ex_->sink = std::move(start->sink);
        ProceedToBody();
      };
    });
  }

  // --- the request body ------------------------------------------------------------------

  void ProceedToBody() {
    if (parser_->is_done())
      return Dispatch();
    if (!ex_->expect_continue)
      return ReadBody();
    Arm(core_->config.body_stall_timeout);
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](error_code ec, std::size_t) {
                        if (self->closed_ || ec)
                          return self->Abandon();
                        self->ReadBody();
                      });
  }

  // Reads more of the body into the request, or into the upload's piece buffer. An upload's
  // piece is filled by as many reads as it takes, each one restarting the stall timer, so a
  // slow client is cut only when it stops, not for filling a large piece slowly.
  void ReadBody() {
    Exchange& ex = *ex_;
    auto& body = parser_->get().body();
    if (ex.upload) {
      ex.piece.resize(kUploadPiece);
      const std::size_t want = kUploadPiece - ex.piece_fill;
      body.data = ex.piece.data() + ex.piece_fill;
      body.size = want;
      Arm(core_->config.body_stall_timeout);
      http::async_read_some(stream_, buffer_, *parser_,
                            [self = shared_from_this(), want](error_code ec, std::size_t) {
                              self->OnBody(ec, want);
                            });
      return;
    }
    // At most one byte past the limit: enough to know it was passed. The body grows with what
    // arrives: with a Content-Length, by what is still to come; chunked, by doubling from 4 KiB.
    // A small request thus costs a small buffer, and a client's promise of a large body costs
    // nothing until the bytes come.
    std::uint64_t want64 = std::min<std::uint64_t>(kBodyPiece, ex.limit + 1 - ex.received);
    if (ex.content_length && *ex.content_length > ex.received)
      want64 = std::min<std::uint64_t>(want64, *ex.content_length - ex.received);
    else if (!ex.content_length)
      want64 = std::min<std::uint64_t>(want64, std::max<std::uint64_t>(4096, ex.received));
    const auto want = static_cast<std::size_t>(want64);
    ex.request.body.resize(ex.received + want);
    body.data = ex.request.body.data() + ex.received;
    body.size = want;
    Arm(core_->config.body_stall_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this(), want](error_code ec, std::size_t) { self->OnBody(ec, want); });
  }

  void OnBody(error_code ec, std::size_t want) {
    if (closed_)
      return Abandon();
    if (ec == http::error::need_buffer)
      ec = {};
    Exchange& ex = *ex_;
    const std::size_t got = want - parser_->get().body().size;
    ex.received += got;
    if (!ex.upload)
      ex.request.body.resize(ex.received);
    if (ec && ec.category() == HttpCategory() && ec != http::error::partial_message &&
        ec != http::error::end_of_stream) {
      return Refuse(ErrorResponse(InvalidArgument(
          "invalid_framing", "the request body is not well-formed (" + ec.message() + ")")));
    }
    if (ec)
      return Cut(), Abandon();  // cut short, or the client went away
    if (ex.received > ex.limit)
      return RefuseTooLarge();
    if (!ex.upload)
      return parser_->is_done() ? Dispatch() : ReadBody();
    ex.piece_fill += got;
    if (ex.piece_fill < ex.piece.size() && !parser_->is_done())
      return ReadBody();  // the piece is not full yet
    if (ex.piece_fill == 0)
      return Dispatch();  // done, nothing left to write
    // Flow control: the next piece is read only once the sink took this one.
    Disarm();
    OnWorker([this] {
      Status written = Internal("internal_error", "the upload could not be stored");
      try {
        written = ex_->sink->Write(std::string_view(ex_->piece.data(), ex_->piece_fill));
      } catch (const std::exception& e) {
        LogException(&e);
      } catch (...) {
        LogException(nullptr);
      }
      return [this, written = std::move(written)] {
        ex_->piece_fill = 0;
        if (!written)
          return Refuse(ErrorResponse(written.error()));
        if (parser_->is_done())
          return Dispatch();
        ReadBody();
      };
    });
  }

  // --- answers ---------------------------------------------------------------------------

  void RefuseTooLarge() {
    ex_->request.body.clear();
    ex_->request.body.shrink_to_fit();
    over_limit_ = true;
    Refuse(ErrorResponse(TooLarge(
        "body_too_large", "request body is larger than " + std::to_string(ex_->limit) + " bytes")));
  }

  // Answers without the router. A body not yet read in full is then drained or cut, so the
  // connection closes after this response.
  void Refuse(Response response, int status_override = 0) {
    Exchange& ex = *ex_;
    ex.sink.reset();
    if (status_override != 0)
      response.status = status_override;
    const bool body_pending = !parser_ || !parser_->is_header_done() || !parser_->is_done();
    ex.close = ex.close || body_pending || response.status == 400 || response.status == 431 ||
               response.status == 503;
    // The rest of the body is read and dropped up to an allowance, so that the client can
    // finish sending and read this answer: up to max_body_bytes + allowance in all for an
    // ordinary route, and the allowance past the point of refusal for an upload (whose limit
    // may be far larger). A client that sent Expect: 100-continue sends nothing more.
    draining_ = body_pending && parser_ && parser_->is_header_done() && !ex.expect_continue;
    if (draining_) {
      const std::uint64_t allowance = core_->drain_allowance();
      const std::uint64_t from =
          !ex.upload ? core_->config.max_body_bytes : (over_limit_ ? ex.limit : ex.received);
      drain_limit_ = from > UINT64_MAX - allowance ? UINT64_MAX : from + allowance;
      drain_received_ = ex.received;
      if (ex.content_length && *ex.content_length > drain_limit_)
        draining_ = false;  // more than we would read: cut after the answer
    }
    Send(std::move(response));
  }

  // Runs the handler (or the upload's Finish) on the worker pool; its response comes back
  // through one completion, at once or later (Response::Later), and is sent on the strand.
  void Dispatch() {
    Disarm();
    if (!ex_->upload) {
      // A cheap route is answered here, on the strand: two thread wake-ups fewer per request.
      std::optional<Response> inline_answer;
      try {
        inline_answer =
            core_->router->TryDispatchInline(ex_->request, core_->config.authenticate_cached);
      } catch (...) {
        LogException(nullptr);
        inline_answer = InternalErrorResponse();
      }
      if (inline_answer && !inline_answer->deferred && !inline_answer->blocking)
        return Send(std::move(*inline_answer));
      if (inline_answer && !inline_answer->blocking) {
        ++outstanding_;  // the answer
        return Complete(shared_from_this(), std::move(*inline_answer));
      }
      if (inline_answer) {
        // The handler handed on work that may block: it runs on the worker pool.
        ++outstanding_;  // the answer
        asio::post(*core_->workers,
                   [self = shared_from_this(), work = std::move(inline_answer->blocking)] {
                     Complete(self, self->RunBlocking(work));
                   });
        return;
      }
    }
    ++outstanding_;  // the answer
    asio::post(*core_->workers, [self = shared_from_this()] {
      Response response = self->Answer();
      if (response.blocking)  // already on a worker: run it here
        response = self->RunBlocking(response.blocking);
      Complete(self, std::move(response));
    });
  }

  // `work`'s response, or a 500. On the worker pool; never throws.
  Response RunBlocking(const std::function<Response()>& work) noexcept {
    try {
      Response r = work();
      if (r.blocking)  // handed on twice: a programming error
        return InternalErrorResponse();
      return r;
    } catch (const std::exception& e) {
      LogException(&e);
    } catch (...) {
      LogException(nullptr);
    }
    return InternalErrorResponse();
  }

  // Brings `response` to the strand through one Completion: at once, or when its deferred work
  // finishes (Response::Later), from whatever thread finishes it; no thread waits meanwhile.
  static void Complete(const std::shared_ptr<Connection>& self, Response response) {
    auto completion = std::make_shared<Completion>(self);
    if (!response.deferred)
      return completion->Deliver(std::move(response));
    try {
      response.deferred([completion](Response later) {
        // A deferred answer must be a plain response: no second deferral, no stream.
        if (later.deferred || later.stream)
          later = InternalErrorResponse();
        completion->Deliver(std::move(later));
      });
    } catch (...) {
      self->LogException(nullptr);
      completion->Deliver(InternalErrorResponse());
    }
  }

  // Brings an exchange's answer to the strand, once. Dropped without an answer (a deferred
  // response whose work was abandoned), it answers 500, so that no exchange waits forever.
  class Completion {
   public:
    explicit Completion(std::shared_ptr<Connection> connection)
        : connection_(std::move(connection)) {}
    ~Completion() {
      if (!done_.load())
        Deliver(InternalErrorResponse());
    }
    void Deliver(Response response) {
      if (done_.exchange(true))
        return;
      auto c = connection_;
      asio::post(c->strand_, [c, r = std::move(response)]() mutable {
        --c->outstanding_;
        if (c->closed_)
          return c->Abandon();
        c->Send(std::move(r));
      });
    }

   private:
    std::shared_ptr<Connection> connection_;
    std::atomic<bool> done_{false};
  };

  // The handler's response, or a 500. Runs on the worker pool; never throws.
  Response Answer() noexcept {
    Exchange& ex = *ex_;
    try {
      if (ex.upload) {
        if (!ex.sink)
          return InternalErrorResponse();
        Response r = ex.sink->Finish();
        ex.sink.reset();
        return r;
      }
      return core_->router->Dispatch(ex.request, core_->config.authenticate);
    } catch (const std::exception& e) {
      LogException(&e);
    } catch (...) {
      LogException(nullptr);
    }
    ex.sink.reset();
    return InternalErrorResponse();
  }

  void LogException(const std::exception* e) noexcept {
    try {
      log::Error("http_handler_exception", {{"request_id", ex_->request.request_id},
                                            {"route", ex_->request.route},
                                            {"exception", e ? typeid(*e).name() : "unknown"}});
    } catch (...) {
      // Nothing more to say.
    }
  }

  // Our headers on a response of either body type.
  template <class Message>
  void SetHeaders(Message& out, const Response& response) {
    out.version(11);
    out.result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers) {
      if (IsServerHeader(name) || HasControl(name) || HasControl(value))
        continue;
      out.insert(name, value);
    }
    out.set(http::field::strict_transport_security, kHsts);
    out.set("X-Content-Type-Options", "nosniff");
    out.set(http::field::cache_control, "no-store");
    out.set("X-Request-Id", ex_->request.request_id);
    out.keep_alive(!ex_->close);
  }

  void Send(Response response) {
    if (closed_)
      return Abandon();
    Exchange& ex = *ex_;
    ex.status = response.status;
    ex.close = ex.close || core_->stopping.load() || stop_requested_;
    if (!parser_ || !parser_->is_header_done() || !parser_->keep_alive())
      ex.close = true;
    if (response.stream)
      return SendStream(std::move(response));
    reply_.emplace();
    SetHeaders(*reply_, response);
    if (!response.body.empty())
      reply_->set(http::field::content_type, response.content_type);
    reply_->body() = std::move(response.body);
    reply_->prepare_payload();
    Arm(core_->config.body_stall_timeout);
    http::async_write(stream_, *reply_, [self = shared_from_this()](error_code ec, std::size_t) {
      self->reply_.reset();
      self->AfterResponse(ec);
    });
  }

  // A streamed response: the head, then each piece read from the source on the worker pool
  // once the client took the one before.
  void SendStream(Response response) {
    Exchange& ex = *ex_;
    ex.source = std::move(response.stream);
    ex.stream_left = response.stream_length;
    stream_reply_.emplace();
    SetHeaders(*stream_reply_, response);
    stream_reply_->set(http::field::content_type, response.content_type);
    stream_reply_->content_length(response.stream_length);
    stream_reply_->body().data = nullptr;
    stream_reply_->body().more = true;
    serializer_.emplace(*stream_reply_);
    Arm(core_->config.stream_stall_timeout);
    http::async_write_header(stream_, *serializer_,
                             [self = shared_from_this()](error_code ec, std::size_t) {
                               if (self->closed_ || ec)
                                 return self->EndStream(ec ? "client_gone" : "closed");
                               self->NextStreamPiece();
                             });
  }

  void NextStreamPiece() {
    Disarm();
    OnWorker([this] {
      const char* why = nullptr;
      std::size_t n = 0;
      try {
        Exchange& ex = *ex_;
        if (ex.stream_left > 0) {
          stream_piece_.resize(
              static_cast<std::size_t>(std::min<std::uint64_t>(kStreamPiece, ex.stream_left)));
          Result<std::size_t> got = ex.source->Read(std::span<char>(stream_piece_));
          if (!got) {
            log::Warn("http_stream_read_failed",
                      {{"request_id", ex.request.request_id}, {"code", got.error().code}});
            why = "read_failed";
          } else if (*got == 0 || *got > stream_piece_.size()) {
            why = *got == 0 ? "shorter_than_promised" : "read_overran";
          } else {
            n = *got;
          }
        }
        // The last piece waits until the source confirms its end: a source longer than it
        // promised must not look like a complete body.
        if (!why && n == ex.stream_left) {
          char probe[1];
          Result<std::size_t> more = ex.source->Read(std::span<char>(probe, sizeof probe));
          if (!more || *more != 0)
            why = more ? "longer_than_promised" : "read_failed";
        }
      } catch (...) {
        why = "exception";
      }
      return [this, why, n] {
        if (closed_)
          return EndStream("closed");
        if (why)
          return EndStream(why);
        Exchange& ex = *ex_;
        ex.stream_left -= n;
        auto& body = stream_reply_->body();
        body.data = n > 0 ? stream_piece_.data() : nullptr;
        body.size = n;
        body.more = ex.stream_left > 0;
        Arm(core_->config.stream_stall_timeout);
        http::async_write(stream_, *serializer_,
                          [self = shared_from_this()](error_code ec, std::size_t) {
                            if (ec == http::error::need_buffer)
                              ec = {};
                            if (self->closed_ || ec)
                              return self->EndStream(ec ? "client_gone" : "closed");
                            if (self->serializer_->is_done())
                              return self->EndStream(nullptr);
                            self->NextStreamPiece();
                          });
      };
    });
  }

  // The stream is over: complete (why == nullptr), or cut.
  void EndStream(const char* why) {
    ex_->source.reset();  // before the request counts as done: it may refer to what Stop ends
    serializer_.reset();
    stream_reply_.reset();
    stream_piece_ = std::vector<char>();
    if (!why)
      return AfterResponse({});
    if (!closed_) {
      try {
        log::Warn("http_stream_cut", {{"request_id", ex_->request.request_id}, {"reason", why}});
      } catch (...) {
        // The cut itself is what matters.
      }
    }
    Cut();
    Abandon();
  }

  void AfterResponse(error_code ec) {
    if (closed_ || ec) {
      Cut();
      return Abandon();
    }
    const bool close = ex_->close;
    const bool drain = draining_;
    EndExchange();
    if (drain)
      return Drain();
    if (close)
      return CloseGracefully();
    parser_.reset();
    if (buffer_.size() == 0)
      buffer_.shrink_to_fit();  // an idle connection holds no read buffer
    WaitForRequest();
  }

  // --- draining a refused body -------------------------------------------------------------

  // Reads and throws away the rest of a refused body, up to drain_limit_, then closes; a body
  // beyond that is cut.
  void Drain() {
    if (parser_->is_done())
      return CloseGracefully();
    if (drain_received_ > drain_limit_)
      return Cut();
    drain_piece_.resize(kBodyPiece);
    auto& body = parser_->get().body();
    body.data = drain_piece_.data();
    body.size = drain_piece_.size();
    Arm(core_->config.body_stall_timeout);
    http::async_read(
        stream_, buffer_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) {
          if (self->closed_)
            return;
          if (ec == http::error::need_buffer)
            ec = {};
          self->drain_received_ += self->drain_piece_.size() - self->parser_->get().body().size;
          if (ec)
            return self->Cut();
          self->Drain();
        });
  }

  // --- bookkeeping -----------------------------------------------------------------------

  // Runs `work` on the worker pool; the function it returns runs back on the strand. `work`
  // may touch the exchange: the strand does nothing with it until the result comes back.
  template <class Work>
  void OnWorker(Work work) {
    ++outstanding_;
    asio::post(*core_->workers, [self = shared_from_this(), work = std::move(work)]() mutable {
      std::function<void()> then;
      try {
        then = work();
      } catch (...) {
        self->LogException(nullptr);
      }
      asio::post(self->strand_, [self, then = std::move(then)] {
        --self->outstanding_;
        if (self->closed_)
          return self->Abandon();
        if (then)
          return then();
        self->Send(InternalErrorResponse());
      });
    });
  }

  // The exchange can no longer be answered (connection cut): it ends once nothing owes it
  // anything (no worker task, no deferred completion).
  void Abandon() {
    Cut();
    if (outstanding_ == 0)
      EndExchange();
  }

  // Logs the request and counts it as done. Idempotent.
  void EndExchange() {
    if (!ex_)
      return;
    Exchange& ex = *ex_;
    try {
      const auto ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - ex.start).count();
      const Request& r = ex.request;
      log::Info("http_request", {{"request_id", r.request_id},
                                 {"method", r.method.empty() ? "-" : r.method},
                                 {"route", r.route.empty() ? "-" : r.route},
                                 {"status", std::to_string(ex.status)},
                                 {"ms", std::to_string(ms)},
                                 {"org", r.principal ? r.principal->org : ""}});
    } catch (...) {
      // Logging must not keep the request counted as in flight.
    }
    CountRequest(ex);
    ex_.reset();
    draining_ = false;
    over_limit_ = false;
    std::lock_guard lock(core_->mu);
    if (--core_->in_flight == 0)
      core_->idle.notify_all();
  }

  // The request's series in Config::metrics. No allocation for a series seen before.
  void CountRequest(const Exchange& ex) noexcept {
    const ServerMetrics& m = core_->metrics;
    if (!m.requests)
      return;
    try {
      const Request& r = ex.request;
      // Only a routed request's method: a made-up method must not add a series.
      const std::string_view route = r.route.empty() ? std::string_view("-") : r.route;
      const std::string_view method = r.route.empty() ? std::string_view("-") : r.method;
      char status[16];
      const char* end = std::to_chars(status, status + sizeof status, ex.status).ptr;
      m.requests->With({route, method, std::string_view(status, end - status)}).Add();
      m.latency->With({route, method})
          .Observe(std::chrono::duration<double>(Clock::now() - ex.start).count());
    } catch (...) {
      // Out of memory for a new series: the request still ends.
    }
  }

  std::shared_ptr<ServerCore> core_;
  Strand strand_;
  TlsSocket stream_;
  asio::steady_timer timer_;
  std::uint64_t generation_ = 0;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::buffer_body>> parser_;
  std::optional<Exchange> ex_;
  std::optional<http::response<http::string_body>> reply_;
  std::optional<http::response<http::buffer_body>> stream_reply_;
  std::optional<http::response_serializer<http::buffer_body>> serializer_;
  std::vector<char> stream_piece_;
  std::vector<char> drain_piece_;
  Phase phase_ = Phase::kHandshake;
  int outstanding_ = 0;  // worker tasks and deferred completions the exchange waits for
  bool closed_ = false;
  bool stop_requested_ = false;
  bool draining_ = false;
  bool over_limit_ = false;
  std::uint64_t drain_limit_ = 0;     // body bytes to read of a refused request, at most
  std::uint64_t drain_received_ = 0;  // body bytes read of it so far
  std::string remote_address_;
  std::string client_cert_sha256_;
  std::string client_cert_cn_;
  std::list<std::weak_ptr<Connection>>::iterator self_it_;
  bool registered_ = false;
};

void ServerCore::Accept() {
  const std::size_t pick = next_context++ % (more_contexts.size() + 1);
  auto strand = asio::make_strand(pick == 0 ? ioc : *more_contexts[pick - 1]);
  acceptor.async_accept(strand,
                        [self = shared_from_this(), strand](error_code ec, tcp::socket socket) {
                          self->OnAccept(ec, std::move(socket), strand);
                        });
}

void ServerCore::OnAccept(error_code ec, tcp::socket socket, Strand strand) {
  if (ec == asio::error::operation_aborted || !acceptor.is_open())
    return;
  if (ec) {
    // Out of descriptors (EMFILE) and the like: try again shortly rather than spin.
    accept_log.Warn("https_accept_failed");
    accept_retry.expires_after(std::chrono::milliseconds(50));
    accept_retry.async_wait([self = shared_from_this()](error_code e) {
      if (!e)
        self->Accept();
    });
    return;
  }
  std::shared_ptr<Connection> connection;
  {
    std::lock_guard lock(mu);
    if (!stopping && connections.size() < max_connections) {
      connection = std::make_shared<Connection>(shared_from_this(), std::move(socket), strand);
      connection->Register(connections.insert(connections.end(), connection));
    }
  }
  if (connection) {
    asio::dispatch(connection->strand(), [connection] { connection->Start(); });
  } else {
    refused_log.Warn("https_connection_refused_limit");
    error_code ignored;
    socket.close(ignored);
  }
  Accept();
}

// The descriptor limit, raised to its hard maximum where allowed, minus a reserve.
std::size_t DescriptorBudget() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return 1024 - kReservedDescriptors;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
      limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY)
    return SIZE_MAX;
  return limit.rlim_cur > 2 * kReservedDescriptors ? limit.rlim_cur - kReservedDescriptors
                                                   : limit.rlim_cur / 2;
}

}  // namespace

struct HttpsServer::Core : ServerCore {};

HttpsServer::HttpsServer(Config config) : config_(std::move(config)) {}

HttpsServer::~HttpsServer() {
  Stop();
}

int HttpsServer::port() const {
  return core_ ? core_->port : 0;
}

Status HttpsServer::Start(const Router& router) {
  if (core_)
    return Internal("already_started", "the HTTPS server is already running");
  const std::string where = config_.host + ":" + std::to_string(config_.port);
  if (config_.port < 0 || config_.port > 65535)
    return InvalidArgument("invalid_listen_address", "port must be 0..65535", "port");
  if (config_.host.empty() || config_.host.find_first_of("/[]@ ") != std::string::npos) {
    return InvalidArgument("invalid_listen_address", "host must be an IP address or a name",
                           "host");
  }
  struct Positive {
    bool ok;
    const char* code;
    const char* field;
  };
  for (const Positive& p : {
           Positive{config_.max_body_bytes > 0, "invalid_body_limit", "max_body_bytes"},
           Positive{config_.max_header_bytes >= 1024 && config_.max_header_bytes <= (1u << 30),
                    "invalid_header_limit", "max_header_bytes"},
           Positive{config_.stream_stall_timeout.count() > 0, "invalid_stall_timeout",
                    "stream_stall_timeout"},
           Positive{config_.handshake_timeout.count() > 0, "invalid_timeout", "handshake_timeout"},
           Positive{config_.header_timeout.count() > 0, "invalid_timeout", "header_timeout"},
           Positive{config_.idle_timeout.count() > 0, "invalid_timeout", "idle_timeout"},
           Positive{config_.body_stall_timeout.count() > 0, "invalid_timeout",
                    "body_stall_timeout"},
           Positive{config_.max_connections > 0, "invalid_connection_limit", "max_connections"},
           Positive{config_.worker_threads > 0, "invalid_thread_count", "worker_threads"},
       }) {
    if (!p.ok)
      return InvalidArgument(p.code, std::string(p.field) + " is out of range", p.field);
  }
  KP_ASSIGN_OR_RETURN(ServerTls tls, ServerTls::Create(config_.install_certificate_and_key,
                                                       config_.client_ca_file));

  auto core = std::make_shared<Core>();
  core->config = config_;
  core->router = &router;
  core->metrics = ServerMetrics::In(config_.metrics);
  core->ctx.reset(SSL_CTX_new(TLS_server_method()));
  if (!core->ctx)
    return Internal("tls_setup_failed", "cannot create the TLS context");
  KP_RETURN_IF_ERROR(tls.Configure(core->ctx.get()));
  core->tls.emplace(std::move(tls));

  const std::size_t budget = DescriptorBudget();
  core->max_connections = std::min(config_.max_connections, budget);
  if (core->max_connections < config_.max_connections) {
    log::Warn("https_connection_limit_lowered",
              {{"configured", std::to_string(config_.max_connections)},
               {"descriptor_budget", std::to_string(budget)}});
  }

  error_code ec;
  tcp::resolver resolver(core->ioc);
  auto endpoints = resolver.resolve(config_.host, std::to_string(config_.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return Unavailable("listen_failed", "cannot listen on " + where + ": " +
                                            (ec ? ec.message() : "no such address"));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  tcp::acceptor& acceptor = core->acceptor;
  if (acceptor.open(endpoint.protocol(), ec) ||
      acceptor.set_option(tcp::acceptor::reuse_address(true), ec) || acceptor.bind(endpoint, ec) ||
      acceptor.listen(asio::socket_base::max_listen_connections, ec)) {
    return Unavailable("listen_failed", "cannot listen on " + where + ": " + ec.message());
  }
  core->port = acceptor.local_endpoint(ec).port();

  core->io_thread_count = config_.io_threads > 0
                              ? config_.io_threads
                              : std::max(1u, std::thread::hardware_concurrency());
  // OpenSSL writes to the socket with write(2): a client that reset its connection would
  // raise SIGPIPE, whose default action ends the process.
  std::signal(SIGPIPE, SIG_IGN);
  core->workers.emplace(config_.worker_threads);
  core->work.push_back(asio::make_work_guard(core->ioc));
  for (unsigned i = 1; i < core->io_thread_count; ++i) {
    core->more_contexts.push_back(std::make_unique<asio::io_context>(1));
    core->work.push_back(asio::make_work_guard(*core->more_contexts.back()));
  }
  core->Accept();
  core->io_threads.emplace_back([c = core.get()] { c->ioc.run(); });
  for (auto& context : core->more_contexts)
    core->io_threads.emplace_back([context = context.get()] { context->run(); });
  core_ = std::move(core);
  log::Info("https_listening", {{"address", config_.host},
                                {"port", std::to_string(core_->port)},
                                {"mutual_tls", core_->tls->mutual() ? "yes" : "no"},
                                {"max_connections", std::to_string(core_->max_connections)}});
  return Ok();
}

void HttpsServer::Stop() {
  if (!core_)
    return;
  ServerCore& core = *core_;
  // Every connection, told on its own strand: idle ones close now, or all of them.
  auto tell_all = [&core](bool cut_all) {
    std::vector<std::shared_ptr<Connection>> open;
    {
      std::lock_guard lock(core.mu);
      for (const auto& weak : core.connections) {
        if (auto c = weak.lock())
          open.push_back(std::move(c));
      }
    }
    for (auto& c : open)
      asio::post(c->strand(), [c, cut_all] { c->OnStop(cut_all); });
  };
  {
    std::lock_guard lock(core.mu);
    core.stopping = true;
  }
  asio::post(core.accept_strand, [&core] {
    error_code ignored;
    core.acceptor.close(ignored);
    core.accept_retry.cancel();
  });
  tell_all(false);
  {
    std::unique_lock lock(core.mu);
    core.idle.wait_for(lock, config_.drain_timeout, [&] { return core.in_flight == 0; });
  }
  tell_all(true);
  {
    // Cut connections end their requests as their handlers return.
    std::unique_lock lock(core.mu);
    core.idle.wait(lock, [&] { return core.in_flight == 0; });
  }
  core.work.clear();
  for (std::thread& t : core.io_threads)
    t.join();
  core.workers->join();
  core_.reset();
  log::Info("https_stopped");
}

}  // namespace ketenpoort::api
