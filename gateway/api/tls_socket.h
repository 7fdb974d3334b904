// A TLS connection on a TCP socket, with OpenSSL reading and writing the socket's descriptor
// itself, offered as an Asio/Beast AsyncStream (async_read_some, async_write_some) plus an
// asynchronous handshake.
//
//   // (compiled in examples_test.cpp)
//   TlsSocket tls(std::move(accepted_socket), ssl_ctx);     // a server-side connection
//   tls.async_handshake([&](boost::system::error_code ec) { ... });
//   http::async_read_header(tls, buffer, parser, handler);  // Beast reads through it
//   tls.ShutdownAndClose();                                  // close_notify, best effort
//
// Why not asio::ssl::stream: that stream keeps two 17 KiB buffers for the life of the
// connection and routes every byte through a BIO pair that grows two more 17 KiB buffers once
// used, about 100 KiB per idle connection (the figure the earlier server, which used it,
// showed). Here OpenSSL works on the descriptor with SSL_MODE_RELEASE_BUFFERS, so an idle
// connection holds the SSL object and a socket only: a few KiB. No cryptography is done here;
// this is the glue between OpenSSL's non-blocking I/O and Asio's readiness waits.
//
// Contract:
// - Every operation completes through the socket's executor, never inside the call that
//   started it. Run all operations of one TlsSocket on one strand, at most one read and one
//   write at a time, and never a read and a write at once (an SSL object is not safe for two
//   simultaneous operations; the HTTP server reads and writes in turn).
// - Errors: the peer's close_notify or a TCP end of stream -> asio::error::eof; a TLS failure
//   -> `ssl_error` (the OpenSSL reason in the message, for logs only); closing the socket
//   fails pending operations with asio::error::operation_aborted.
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <memory>
#include <string>

#include "gateway/crypto/openssl_handles.h"

namespace ketenpoort::api {

// The error category of TLS failures reported by TlsSocket.
const boost::system::error_category& TlsErrorCategory();

class TlsSocket {
 public:
  using tcp = boost::asio::ip::tcp;
  using executor_type = tcp::socket::executor_type;

  // Takes the accepted socket; the SSL object is made from `ctx` in server mode. Check ok()
  // before use: false when OpenSSL could not create the object (out of memory).
  TlsSocket(tcp::socket socket, SSL_CTX* ctx);
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;

  bool ok() const { return ssl_ != nullptr; }
  executor_type get_executor() { return socket_.get_executor(); }
  tcp::socket& socket() { return socket_; }
  SSL* ssl() const { return ssl_.get(); }
  // True when OpenSSL holds decrypted bytes not yet read (no need to wait for the socket).
  bool HasPending() const { return ssl_ && SSL_has_pending(ssl_.get()) == 1; }

  // Sends close_notify if the connection is up (without waiting for the peer's), then closes
  // the socket, which fails pending operations. Idempotent.
  void ShutdownAndClose();
  // Closes the socket without close_notify (a connection being cut). Idempotent.
  void Close();

  template <class Token>
  auto async_handshake(Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code)>(
        HandshakeOp{Op{this, false, false, {}}}, token, socket_);
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    boost::asio::mutable_buffer first;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      if (boost::asio::mutable_buffer(*it).size() > 0) {
        first = *it;
        break;
      }
    }
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        TransferOp{Op{this, false, false, {}}, first.data(), first.size(), nullptr, true}, token,
        socket_);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    // Several small buffers (an HTTP head and the start of a body) go out as one TLS record:
    // up to kCoalesce bytes are gathered into one piece. A single buffer is written in place.
    std::size_t count = 0;
    boost::asio::const_buffer first;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::const_buffer b(*it);
      if (b.size() == 0)
        continue;
      if (count++ == 0)
        first = b;
    }
    std::shared_ptr<char[]> gathered;
    const void* data = first.data();
    std::size_t size = first.size();
    if (count > 1) {
      size = std::min(boost::asio::buffer_size(buffers), kCoalesce);
      gathered = std::make_shared_for_overwrite<char[]>(size);  // filled just below
      boost::asio::buffer_copy(boost::asio::buffer(gathered.get(), size), buffers);
      data = gathered.get();
    }
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        TransferOp{Op{this, false, false, {}}, const_cast<void*>(data), size, std::move(gathered),
                   false},
        token, socket_);
  }

 private:
  static constexpr std::size_t kCoalesce = 16 * 1024;

  enum class Step { kDone, kWaitRead, kWaitWrite };
  // One attempt of an OpenSSL call: its outcome, or which readiness to wait for.
  struct Attempt {
    Step step = Step::kDone;
    boost::system::error_code ec;
    std::size_t n = 0;
  };
  Attempt Handshake();
  Attempt Transfer(void* data, std::size_t size, bool read);

  // What every operation shares: waits for readiness and, when the outcome came without any
  // wait, completes through a post so that no handler runs inside its initiating call.
  struct Op {
    TlsSocket* self;
    bool waited = false;
    bool posted = false;
    Attempt result;

    // True when the operation is over (the caller then completes with `result`).
    template <class Self>
    bool Continue(Self& s, const Attempt& a) {
      if (a.step == Step::kDone) {
        result = a;
        if (waited)
          return true;
        posted = true;
        boost::asio::post(self->socket_.get_executor(), std::move(s));
        return false;
      }
      waited = true;
      self->socket_.async_wait(
          a.step == Step::kWaitRead ? tcp::socket::wait_read : tcp::socket::wait_write,
          std::move(s));
      return false;
    }
  };

  struct HandshakeOp {
    Op op;
    template <class Self>
    void operator()(Self& s, boost::system::error_code ec = {}) {
      if (op.posted)
        return s.complete(op.result.ec);
      if (ec)
        return s.complete(ec);
      Attempt a = op.self->Handshake();
      if (op.Continue(s, a))
        s.complete(op.result.ec);
    }
  };

  struct TransferOp {
    Op op;
    void* data;
    std::size_t size;
    std::shared_ptr<char[]> gathered;  // keeps a gathered write's bytes alive across waits
    bool read;
    template <class Self>
    void operator()(Self& s, boost::system::error_code ec = {}) {
      if (op.posted)
        return s.complete(op.result.ec, op.result.n);
      if (ec)
        return s.complete(ec, 0);
      Attempt a = size == 0 ? Attempt{} : op.self->Transfer(data, size, read);
      if (op.Continue(s, a))
        s.complete(op.result.ec, op.result.n);
    }
  };

  tcp::socket socket_;
  ossl::Ssl ssl_;
  bool handshake_done_ = false;
};

}  // namespace ketenpoort::api
