#include "gateway/api/tls_socket.h"

#include <cerrno>

namespace ketenpoort::api {

namespace {

class TlsCategory : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "tls"; }
  std::string message(int ev) const override {
    if (ev == 0)
      return "tls error";
    char text[256];
    ERR_error_string_n(static_cast<unsigned long>(ev), text, sizeof text);
    return text;
  }
};

// A TLS failure as an error code: OpenSSL's first queued error, or a generic one.
boost::system::error_code TlsFailure() {
  unsigned long err = ERR_get_error();
  ERR_clear_error();
  // Error codes are ints; the reason and library survive the cut for logging.
  return {static_cast<int>(err & 0x7fffffff), TlsErrorCategory()};
}

// SSL_ERROR_SYSCALL: a TCP end of stream without close_notify (errno 0), or a socket error.
boost::system::error_code SyscallFailure() {
  const int e = errno;
  ERR_clear_error();
  if (e == 0 || e == EAGAIN)
    return boost::asio::error::eof;
  return {e, boost::system::system_category()};
}

}  // namespace

const boost::system::error_category& TlsErrorCategory() {
  static const TlsCategory category;
  return category;
}

TlsSocket::TlsSocket(tcp::socket socket, SSL_CTX* ctx) : socket_(std::move(socket)) {
  boost::system::error_code ignored;
  socket_.non_blocking(true, ignored);
  ssl_.reset(SSL_new(ctx));
  if (!ssl_ || SSL_set_fd(ssl_.get(), socket_.native_handle()) != 1) {
    ERR_clear_error();
    ssl_.reset();
    return;
  }
  SSL_set_accept_state(ssl_.get());
}

void TlsSocket::ShutdownAndClose() {
  if (ssl_ && handshake_done_ && socket_.is_open()) {
    // One non-blocking attempt: the close_notify goes out if the socket has room; the peer's
    // reply is not awaited (RFC 8446 lets the closing side go without it).
    SSL_shutdown(ssl_.get());
    ERR_clear_error();
  }
  Close();
}

void TlsSocket::Close() {
  handshake_done_ = false;
  boost::system::error_code ignored;
  socket_.close(ignored);
}

TlsSocket::Attempt TlsSocket::Handshake() {
  if (!ssl_)
    return {Step::kDone, boost::asio::error::bad_descriptor, 0};
  ERR_clear_error();
  errno = 0;
  const int r = SSL_do_handshake(ssl_.get());
  if (r == 1) {
    handshake_done_ = true;
    return {};
  }
  switch (SSL_get_error(ssl_.get(), r)) {
    case SSL_ERROR_WANT_READ:
      return {Step::kWaitRead, {}, 0};
    case SSL_ERROR_WANT_WRITE:
      return {Step::kWaitWrite, {}, 0};
    case SSL_ERROR_SYSCALL:
      return {Step::kDone, SyscallFailure(), 0};
    case SSL_ERROR_ZERO_RETURN:
      ERR_clear_error();
      return {Step::kDone, boost::asio::error::eof, 0};
    default:
      return {Step::kDone, TlsFailure(), 0};
  }
}

TlsSocket::Attempt TlsSocket::Transfer(void* data, std::size_t size, bool read) {
  if (!ssl_ || !handshake_done_)
    return {Step::kDone, boost::asio::error::not_connected, 0};
  ERR_clear_error();
  errno = 0;
  std::size_t n = 0;
  const int r =
      read ? SSL_read_ex(ssl_.get(), data, size, &n) : SSL_write_ex(ssl_.get(), data, size, &n);
  if (r == 1) {
    // SSL_read returns one TLS record (at most 16 KiB) per call. Take every record that has
    // already arrived, up to the buffer's size, so that a large read costs one completion
    // rather than one per record; stop at the first that would block or fail (a failure
    // shows again on the next read).
    while (read && n < size) {
      std::size_t more = 0;
      if (SSL_read_ex(ssl_.get(), static_cast<char*>(data) + n, size - n, &more) != 1) {
        ERR_clear_error();
        break;
      }
      n += more;
    }
    return {Step::kDone, {}, n};
  }
  switch (SSL_get_error(ssl_.get(), r)) {
    case SSL_ERROR_WANT_READ:
      return {Step::kWaitRead, {}, 0};
    case SSL_ERROR_WANT_WRITE:
      return {Step::kWaitWrite, {}, 0};
    case SSL_ERROR_ZERO_RETURN:  // the peer's close_notify
      ERR_clear_error();
      return {Step::kDone, boost::asio::error::eof, 0};
    case SSL_ERROR_SYSCALL:
      return {Step::kDone, SyscallFailure(), 0};
    default:
      return {Step::kDone, TlsFailure(), 0};
  }
}

}  // namespace ketenpoort::api
