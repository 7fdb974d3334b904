#include "gateway/api/https_server.h"

#include <cpprest/astreambuf.h>
#include <cpprest/http_listener.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <ios>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <typeinfo>
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
// A streamed response body is read from its BodySource kStreamChunk bytes at a time, until
// kStreamHighWater bytes wait to be sent; reading resumes once they are down to kStreamLowWater.
constexpr std::size_t kStreamChunk = 64 * 1024;
constexpr std::size_t kStreamHighWater = 2 * 1024 * 1024;
constexpr std::size_t kStreamLowWater = 1024 * 1024;
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
  std::uint64_t limit = 0;          // max_body_bytes, or the upload route's max_bytes
  std::optional<std::uint64_t> content_length;
  std::optional<std::uint64_t> drain_until;  // refused: read and drop up to here, then cut
  bool over_limit = false;                   // refused because the body passed `limit`
  bool upload = false;                       // an upload route: the body goes to `sink`
  std::unique_ptr<BodySink> sink;            // set once StartUpload opened it
  std::array<std::uint8_t, kReadChunk> chunk{};
};

class StreamPipe;

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
  std::chrono::milliseconds stream_stall_timeout{0};
  // Streamed responses being sent (under mu); once streams_cut, Stop has cut them all.
  std::set<std::shared_ptr<StreamPipe>> streams;
  bool streams_cut = false;

  // How much of a refused body is read and thrown away beyond where the drain starts.
  std::uint64_t drain_allowance() const {
    return std::max<std::uint64_t>(max_body_bytes, kMinDrainAllowance);
  }
  std::uint64_t drain_limit() const {
    const std::uint64_t limit = max_body_bytes;
    const std::uint64_t allowance = drain_allowance();
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

// The first refusal is the answer. An upload's sink is destroyed without Finish.
void Refuse(Exchange& ex, Response response, bool close) noexcept {
  if (!ex.refusal)
    ex.refusal = std::move(response);
  ex.close = ex.close || close;
  ex.sink.reset();
}

void Refuse(Exchange& ex, const Error& error, bool close) noexcept {
  Response response;
  try {
    response = Response::FromError(error);
  } catch (...) {
    response.status = 500;  // out of memory: an empty 500 is all there is to say
  }
  Refuse(ex, std::move(response), close);
}

// 413: the body is larger than ex.limit.
void RefuseTooLarge(Exchange& ex) noexcept {
  ex.over_limit = ex.over_limit || !ex.refusal;
  Refuse(ex,
         TooLarge("body_too_large",
                  "request body is larger than " + std::to_string(ex.limit) + " bytes"),
         true);
}

// For a refused request: decides how much more of the body to read and throw away (so that the
// client can finish sending and read the answer), and cuts the body once it goes beyond.
// Ordinary routes drain up to max_body_bytes + allowance; an upload from the point it was
// refused (or from its limit, for 413), since its limit may be far larger.
void LimitDrain(const State& st, Exchange& ex) {
  if (!ex.refusal || ex.aborted)
    return;
  if (!ex.drain_until) {
    if (!ex.upload) {
      ex.drain_until = st.drain_limit();
    } else {
      const std::uint64_t from = ex.over_limit ? ex.limit : ex.received;
      const std::uint64_t allowance = st.drain_allowance();
      ex.drain_until = from > UINT64_MAX - allowance ? UINT64_MAX : from + allowance;
    }
  }
  if (ex.received > *ex.drain_until || (ex.content_length && *ex.content_length > *ex.drain_until))
    AbortBody(ex);
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

  ex.limit = st.max_body_bytes;
  if (auto upload_limit = st.router->UploadLimit(req)) {
    ex.upload = true;
    ex.limit = *upload_limit;
  }

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
    ex.content_length = *length;
    if (*length > ex.limit)
      RefuseTooLarge(ex);
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
  ex->sink.reset();
  ex->http = http::http_request();  // let go of cpprestsdk's request before Stop() may return
  std::lock_guard lock(st->mu);
  if (--st->in_flight == 0)
    st->idle.notify_all();
}

// The body of a streamed response on its way from a BodySource to cpprestsdk's writer, which
// takes it with getn a few KiB at a time. The pump thread puts pieces in while fewer than
// kStreamHighWater bytes wait; Cut fails the writer's current and next getn, which makes
// cpprestsdk close the connection (the client sees a truncated body).
class StreamPipe {
 public:
  StreamPipe() : last_progress_(std::chrono::steady_clock::now()) {}

  // For the writer: up to `count` bytes into `out`, now or as soon as the pump has them; 0 only
  // after End with nothing left.
  pplx::task<std::size_t> Take(std::uint8_t* out, std::size_t count) {
    std::unique_lock lock(mu_);
    if (cut_) {
      return pplx::task_from_exception<std::size_t>(
          std::make_exception_ptr(std::runtime_error("response body cut")));
    }
    if (buffered_ == 0) {
      if (ended_ || count == 0)
        return pplx::task_from_result<std::size_t>(0);
      pending_.emplace(Pending{out, count, {}});
      return pplx::create_task(pending_->done);
    }
    const std::size_t n = CopyOut(out, count);
    const bool wake = pump_waiting_ && buffered_ <= kStreamLowWater;
    lock.unlock();
    if (wake)
      room_.notify_one();
    return pplx::task_from_result(n);
  }

  std::size_t Available() {
    std::lock_guard lock(mu_);
    return buffered_;
  }

  // For the pump: true once there is room for another piece (below the high-water mark, or,
  // once it was reached, down to the low one); false, with the reason in *why, when the pump
  // should stop: cut, the reply is over (the client went away), or nothing was taken for
  // `stall`.
  bool WaitForRoom(std::chrono::steady_clock::duration stall, const char** why) {
    std::unique_lock lock(mu_);
    bool room = buffered_ < kStreamHighWater;
    pump_waiting_ = true;
    for (;;) {
      if (cut_ || replied_) {
        *why = cut_ ? "server_stopping" : "client_gone";
        room = false;
        break;
      }
      if (room || buffered_ <= kStreamLowWater) {
        room = true;
        break;
      }
      const auto deadline = last_progress_ + stall;
      if (std::chrono::steady_clock::now() >= deadline) {
        *why = "stalled";
        break;
      }
      room_.wait_until(lock, deadline);
    }
    pump_waiting_ = false;
    return room;
  }

  void Put(std::vector<char> piece) {
    std::optional<Pending> give;
    std::size_t given = 0;
    {
      std::lock_guard lock(mu_);
      if (cut_ || replied_ || piece.empty())
        return;
      last_progress_ = std::chrono::steady_clock::now();
      buffered_ += piece.size();
      pieces_.push_back(std::move(piece));
      if (pending_) {
        give = std::move(pending_);
        pending_.reset();
        given = CopyOut(give->out, give->count);
      }
    }
    if (give)
      give->done.set(given);
  }

  // Every byte has been put: a getn on an empty pipe now returns 0.
  void End() {
    std::optional<Pending> give;
    {
      std::lock_guard lock(mu_);
      ended_ = true;
      if (pending_ && buffered_ == 0) {
        give = std::move(pending_);
        pending_.reset();
      }
    }
    if (give)
      give->done.set(0);
  }

  // The body will not be complete: the writer's getn fails from now on.
  void Cut() { Fail(&cut_); }
  // cpprestsdk is done with the response (sent or failed): the pump stops.
  void Replied() { Fail(&replied_); }

 private:
  struct Pending {
    std::uint8_t* out;
    std::size_t count;
    pplx::task_completion_event<std::size_t> done;
  };

  void Fail(bool* flag) {
    std::optional<Pending> fail;
    {
      std::lock_guard lock(mu_);
      *flag = true;
      pieces_.clear();
      buffered_ = 0;
      front_offset_ = 0;
      if (pending_) {
        fail = std::move(pending_);
        pending_.reset();
      }
    }
    room_.notify_all();
    if (fail)
      fail->done.set_exception(std::make_exception_ptr(std::runtime_error("response body cut")));
  }

  // Moves up to `count` buffered bytes to `out`; needs mu_.
  std::size_t CopyOut(std::uint8_t* out, std::size_t count) {
    std::size_t n = 0;
    while (n < count && !pieces_.empty()) {
      const std::vector<char>& front = pieces_.front();
      const std::size_t take = std::min(count - n, front.size() - front_offset_);
      std::memcpy(out + n, front.data() + front_offset_, take);
      n += take;
      front_offset_ += take;
      if (front_offset_ == front.size()) {
        pieces_.pop_front();
        front_offset_ = 0;
      }
    }
    buffered_ -= n;
    if (n > 0)
      last_progress_ = std::chrono::steady_clock::now();
    return n;
  }

  std::mutex mu_;
  std::condition_variable room_;
  std::deque<std::vector<char>> pieces_;
  std::size_t front_offset_ = 0;
  std::size_t buffered_ = 0;
  std::optional<Pending> pending_;
  std::chrono::steady_clock::time_point last_progress_;
  bool pump_waiting_ = false;
  bool ended_ = false;
  bool cut_ = false;
  bool replied_ = false;
};

// The read side of a StreamPipe as the stream buffer cpprestsdk's response writer pulls from.
// Only getn (and in_avail) carry data; everything else is what a read-once, unseekable stream
// answers.
class PipeStreambuf : public concurrency::streams::details::streambuf_state_manager<uint8_t> {
 public:
  explicit PipeStreambuf(std::shared_ptr<StreamPipe> pipe)
      : streambuf_state_manager<uint8_t>(std::ios_base::in), pipe_(std::move(pipe)) {}

  bool can_seek() const override { return false; }
  bool has_size() const override { return false; }
  size_t buffer_size(std::ios_base::openmode) const override { return 0; }
  void set_buffer_size(size_t, std::ios_base::openmode) override {}
  size_t in_avail() const override { return pipe_->Available(); }
  pos_type getpos(std::ios_base::openmode) const override { return traits::eof(); }
  pos_type seekpos(pos_type, std::ios_base::openmode) override { return traits::eof(); }
  pos_type seekoff(off_type, std::ios_base::seekdir, std::ios_base::openmode) override {
    return traits::eof();
  }
  bool acquire(uint8_t*& ptr, size_t& count) override {
    ptr = nullptr;
    count = 0;
    return false;
  }
  void release(uint8_t*, size_t) override {}

 protected:
  pplx::task<size_t> _getn(uint8_t* ptr, size_t count) override { return pipe_->Take(ptr, count); }
  pplx::task<int_type> _putc(uint8_t) override { return pplx::task_from_result(traits::eof()); }
  pplx::task<size_t> _putn(const uint8_t*, size_t) override {
    return pplx::task_from_result<size_t>(0);
  }
  pplx::task<int_type> _bumpc() override { return pplx::task_from_result(traits::eof()); }
  int_type _sbumpc() override { return traits::requires_async(); }
  pplx::task<int_type> _getc() override { return pplx::task_from_result(traits::eof()); }
  int_type _sgetc() override { return traits::requires_async(); }
  pplx::task<int_type> _nextc() override { return pplx::task_from_result(traits::eof()); }
  pplx::task<int_type> _ungetc() override { return pplx::task_from_result(traits::eof()); }
  size_t _scopy(uint8_t*, size_t) override { return 0; }
  pplx::task<bool> _sync() override { return pplx::task_from_result(true); }
  uint8_t* _alloc(size_t) override { return nullptr; }
  void _commit(size_t) override {}

 private:
  std::shared_ptr<StreamPipe> pipe_;
};

// One streamed response: done (Done) once both the pump and cpprestsdk's reply have finished,
// the pump having destroyed the source first.
struct StreamJob {
  std::shared_ptr<StreamPipe> pipe = std::make_shared<StreamPipe>();
  std::shared_ptr<BodySource> source;
  std::uint64_t length = 0;
  int status = 200;
  std::atomic<int> unfinished{2};
};

void StreamFinished(const std::shared_ptr<State>& st, const std::shared_ptr<Exchange>& ex,
                    const std::shared_ptr<StreamJob>& job) noexcept {
  if (job->unfinished.fetch_sub(1) == 1)
    Done(st, ex, job->status);
}

void ForgetStream(State& st, const std::shared_ptr<StreamPipe>& pipe) noexcept {
  std::lock_guard lock(st.mu);
  st.streams.erase(pipe);
}

// nullptr when `source` is at its end (a Read gives 0), else why not.
const char* ConfirmEnd(BodySource& source) {
  char probe[1];
  Result<std::size_t> more = source.Read(std::span<char>(probe, sizeof probe));
  if (!more)
    return "read_failed";
  return *more == 0 ? nullptr : "longer_than_promised";
}

// Reads job->source into job->pipe until the promised length has been put and the source has
// confirmed its end, then ends the pipe; on any failure cuts it. Runs on its own thread.
void PumpStream(std::shared_ptr<State> st, std::shared_ptr<Exchange> ex,
                std::shared_ptr<StreamJob> job) noexcept {
  StreamPipe& pipe = *job->pipe;
  const char* why = nullptr;
  try {
    BodySource& source = *job->source;
    std::uint64_t put = 0;
    std::vector<char> piece;
    if (job->length == 0)
      why = ConfirmEnd(source);
    while (put < job->length) {
      if (!pipe.WaitForRoom(st->stream_stall_timeout, &why))
        break;
      piece.resize(
          static_cast<std::size_t>(std::min<std::uint64_t>(kStreamChunk, job->length - put)));
      Result<std::size_t> n = source.Read(std::span<char>(piece));
      if (!n) {
        log::Warn("http_stream_read_failed",
                  {{"request_id", ex->request.request_id}, {"code", n.error().code}});
        why = "read_failed";
        break;
      }
      if (*n == 0 || *n > piece.size()) {
        why = *n == 0 ? "shorter_than_promised" : "read_overran";
        break;
      }
      piece.resize(*n);
      put += *n;
      // The last piece waits until the source confirms its end: a source longer than it
      // promised must not look like a complete body.
      if (put == job->length && (why = ConfirmEnd(source)) != nullptr)
        break;
      pipe.Put(std::move(piece));
      piece = std::vector<char>();
    }
  } catch (...) {
    why = "exception";
  }
  if (why == nullptr) {
    pipe.End();
  } else {
    pipe.Cut();
    try {
      log::Warn("http_stream_cut", {{"request_id", ex->request.request_id}, {"reason", why}});
    } catch (...) {
      // The cut itself is what matters.
    }
  }
  job->source.reset();  // before the request counts as done: it may refer to things Stop ends
  ForgetStream(*st, job->pipe);
  StreamFinished(st, ex, job);
}

// cpprestsdk's response: status, the handler's headers and ours, and a body held in memory.
http::http_response Outgoing(const Exchange& ex, const Response& response) {
  http::http_response out(static_cast<http::status_code>(response.status));
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
  headers["X-Request-Id"] = ex.request.request_id;
  if (ex.close)
    headers["Connection"] = "close";
  if (!response.stream && !response.body.empty()) {
    // The byte-vector overload: the std::string one type-puns a char buffer as a byte
    // buffer inside cpprestsdk (undefined behaviour that UBSan reports).
    headers["Content-Type"] = response.content_type;
    out.set_body(std::vector<unsigned char>(response.body.begin(), response.body.end()));
  }
  return out;
}

// Sends a response whose body comes from response.stream, with a pump thread feeding it. False
// when it could not start (nothing was sent; the source is destroyed); otherwise Done follows.
bool SendStream(const std::shared_ptr<State>& st, const std::shared_ptr<Exchange>& ex,
                Response& response) noexcept {
  auto job = std::make_shared<StreamJob>();
  job->source = std::move(response.stream);
  job->length = response.stream_length;
  job->status = response.status;
  http::http_response out;
  try {
    out = Outgoing(*ex, response);
    concurrency::streams::streambuf<uint8_t> body(std::make_shared<PipeStreambuf>(job->pipe));
    out.set_body(body.create_istream(), job->length, response.content_type);
    std::lock_guard lock(st->mu);
    st->streams.insert(job->pipe);
    if (st->streams_cut)
      job->pipe->Cut();
  } catch (...) {
    job->source.reset();
    ForgetStream(*st, job->pipe);
    return false;
  }
  try {
    std::thread(PumpStream, st, ex, job).detach();
  } catch (...) {
    job->source.reset();
    ForgetStream(*st, job->pipe);
    return false;
  }
  // From here the pump finishes on its own; the reply is the job's other half.
  bool handed_off = false;
  try {
    pplx::task<void> sent = ex->http.reply(out);
    handed_off = true;
    sent.then([st, ex, job](pplx::task<void> t) {
      try {
        t.get();
      } catch (...) {
        // The client went away or the connection was cut; the pump stops.
      }
      job->pipe->Replied();
      StreamFinished(st, ex, job);
    });
  } catch (...) {
    // reply() throws when cpprestsdk already answered (the listener is closing).
    if (!handed_off) {
      job->pipe->Replied();
      StreamFinished(st, ex, job);
    }
  }
  return true;
}

// The response: the refusal, the upload sink's Finish, or the router's. Never throws.
Response Answer(const std::shared_ptr<State>& st, Exchange& ex) noexcept {
  try {
    if (ex.refusal)
      return std::move(*ex.refusal);
    if (ex.upload) {
      if (!ex.sink)
        return InternalErrorResponse();
      Response r = ex.sink->Finish();
      ex.sink.reset();
      return r;
    }
    return st->router->Dispatch(ex.request, st->authenticate);
  } catch (const std::exception& e) {
    log::Error("http_handler_exception", {{"request_id", ex.request.request_id},
                                          {"route", ex.request.route},
                                          {"exception", typeid(e).name()}});
  } catch (...) {
    log::Error("http_handler_exception",
               {{"request_id", ex.request.request_id}, {"route", ex.request.route}});
  }
  ex.sink.reset();
  return InternalErrorResponse();
}

// Answers the request (refusal, upload or router), then Done(). Never throws.
void Finish(const std::shared_ptr<State>& st, const std::shared_ptr<Exchange>& ex) noexcept {
  Response response = Answer(st, *ex);
  if (response.stream) {
    if (SendStream(st, ex, response))
      return;
    response = InternalErrorResponse();
  }
  const int status = response.status;
  bool handed_off = false;
  try {
    http::http_response out = Outgoing(*ex, response);
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

// Takes one chunk of the body: kept in request.body, or written to the upload's sink, up to
// the limit; counted and dropped once refused.
void TakeChunk(const State& st, Exchange& ex, std::size_t n) {
  ex.received += n;
  if (!ex.refusal && ex.received > ex.limit) {
    RefuseTooLarge(ex);
    ex.request.body.clear();
    ex.request.body.shrink_to_fit();
  }
  if (!ex.refusal && n > 0) {
    const char* bytes = reinterpret_cast<const char*>(ex.chunk.data());
    if (!ex.upload) {
      ex.request.body.append(bytes, n);
    } else {
      Status written = Internal("internal_error", "the upload could not be stored");
      try {
        written = ex.sink->Write(std::string_view(bytes, n));
      } catch (const std::exception& e) {
        log::Error("http_handler_exception", {{"request_id", ex.request.request_id},
                                              {"route", ex.request.route},
                                              {"exception", typeid(e).name()}});
      } catch (...) {
        log::Error("http_handler_exception",
                   {{"request_id", ex.request.request_id}, {"route", ex.request.route}});
      }
      if (!written)
        Refuse(ex, written.error(), false);
    }
  }
  LimitDrain(st, ex);
}

// Reads the body a chunk at a time (TakeChunk), then finishes.
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
        TakeChunk(*st, *ex, n);
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
    // An upload is routed, authenticated and opened before any of its body is read, so that a
    // refused one is never taken in.
    if (ex->upload && !ex->refusal) {
      Router::UploadStart start = st->router->StartUpload(ex->request, st->authenticate);
      if (start.refusal) {
        Refuse(*ex, std::move(*start.refusal), false);
      } else {
        ex->sink = std::move(start.sink);
      }
    }
    LimitDrain(*st, *ex);
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
  if (config_.stream_stall_timeout.count() <= 0) {
    return InvalidArgument("invalid_stall_timeout", "stream_stall_timeout must be positive",
                           "stream_stall_timeout");
  }
  KP_ASSIGN_OR_RETURN(ServerTls tls, ServerTls::Create(config_.install_certificate_and_key,
                                                       config_.client_ca_file));

  auto st = std::make_shared<State>();
  st->max_body_bytes = config_.max_body_bytes;
  st->stream_stall_timeout = config_.stream_stall_timeout;
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
    // Streamed responses still going are cut now: a writer waiting for the next piece would
    // keep its connection, and so close() below, from finishing.
    std::set<std::shared_ptr<StreamPipe>> streams;
    {
      std::lock_guard lock(st.mu);
      st.streams_cut = true;
      streams = st.streams;
    }
    for (const auto& pipe : streams)
      pipe->Cut();
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
