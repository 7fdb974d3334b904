// A small HTTPS JSON client for the command line: the `send`, `inbox` and `open` commands talk
// to a running gateway through it, so every submission passes the gateway's checks and audit.
//
//   // (compiled in examples_test.cpp)
//   ApiClientOptions options{.base_url = "https://127.0.0.1:8443",
//                            .ca_file = "deploy/certs/ca.cert.pem", .token = token};
//   ApiClient client(options);
//   auto dir = client.Get("/v1/directory");                         // Result<nlohmann::json>
//   auto sent = client.Post("/v1/messages", body, {"Idempotency-Key: k1"});
//   if (!sent) sent.error().code;       // the server's "envelope_recipient_mismatch", ...
//
// Contract:
// - HTTPS only, TLS 1.2 or newer, the server verified against `ca_file` (peer and host name);
//   no redirects; bounded time per request; `Expect: 100-continue` is never sent.
// - Mutual TLS: with `client_key_id` set, the leaf `client_chain` and key `client_key_id` of
//   `keyring` are installed into curl's SSL_CTX by Keyring::InstallInTlsContext; the key is
//   never written to a file or handed to curl as a path.
// - A 2xx answer returns its body parsed as JSON. Any other status becomes an Error whose kind
//   follows the status and whose code, message and field are the server's (the error shape of
//   docs/API.md); a body without that shape gives code "http_error". No connection or no TLS:
//   kUnavailable "gateway_unreachable". An unparseable 2xx body: kInternal "invalid_response".
// - The token is sent only as `Authorization: Bearer`; it never appears in an error.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/error.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/keyring.h"

namespace ketenpoort::client {

// Every member has an initialiser, so designated initialisers may leave any out (-Wextra).
struct ApiClientOptions {
  std::string base_url{};  // "https://HOST:PORT", no trailing slash
  std::string ca_file{};   // PEM trust anchors for the server certificate
  std::string token{};     // API token; empty: no Authorization header
  // Mutual TLS (all three or none): the keyring holding the key, its id, the chain to present.
  const crypto::Keyring* keyring = nullptr;
  std::string client_key_id{};
  std::vector<crypto::Certificate> client_chain{};
  long timeout_ms = 60000;  // whole request
};

// One query parameter, unencoded: {"after", "c=1"} is sent as "after=c%3D1".
using QueryParam = std::pair<std::string, std::string>;

class ApiClient {
 public:
  explicit ApiClient(ApiClientOptions options);

  Result<nlohmann::json> Get(const std::string& path, const std::vector<QueryParam>& query = {},
                             const std::vector<std::string>& headers = {}) const;
  // Sends `body` as application/json.
  Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body,
                              const std::vector<std::string>& headers = {}) const;

  // Fills the buffer with the next bytes of a streamed body and returns how many (0: no more).
  using BodyReader = std::function<Result<std::size_t>(std::span<char> buffer)>;
  // Sends exactly `length` bytes from `read` as `content_type`, a piece at a time (an
  // attachment of any size in little memory). Instead of the whole-request timeout, a transfer
  // that moves nothing for timeout_ms fails. A read error ends the request with that error.
  Result<nlohmann::json> PostStream(const std::string& path, const std::string& content_type,
                                    std::uint64_t length, const BodyReader& read) const;

  // GET `path` with its body written to `out` as it arrives (a large attachment); returns the
  // byte count. A non-2xx answer is an error as for Get, and nothing is written.
  Result<std::uint64_t> DownloadTo(const std::string& path, std::FILE* out,
                                   const std::vector<std::string>& headers = {}) const;

  const std::string& base_url() const { return options_.base_url; }

 private:
  struct StreamBody {
    std::uint64_t length = 0;
    const BodyReader* read = nullptr;
  };
  struct Sink {
    std::FILE* out = nullptr;
    std::uint64_t written = 0;
  };
  Result<nlohmann::json> Request(const char* method, const std::string& path,
                                 const std::vector<QueryParam>& query, const std::string* body,
                                 const std::vector<std::string>& headers,
                                 const StreamBody* stream = nullptr, Sink* sink = nullptr) const;

  ApiClientOptions options_;
};

// The Error for a non-2xx answer: kind from `status`, code/message/field from an error body in the
// shape of docs/API.md when there is one, else code "http_error" and a message naming the status.
Error ErrorFromHttpResponse(long status, std::string_view body);

// The ErrorKind that the status table of docs/API.md maps `status` to.
ErrorKind ErrorKindForHttpStatus(long status);

// Percent-encodes everything but RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string PercentEncode(std::string_view text);

}  // namespace ketenpoort::client
