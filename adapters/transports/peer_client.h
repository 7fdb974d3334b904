// An HTTPS client for peer gateways: mutual TLS through libcurl, our key kept in the keyring.
//
//   // (compiled in examples_test.cpp)
//   PeerClient::Config c;
//   c.keyring = &keyring;                        // must outlive the client
//   c.client_key_id = "gateway";                 // the key of our gateway's TLS certificate
//   c.client_chain = {gateway_cert};             // leaf first, then intermediates
//   c.trust_anchors_file = "certs/ca.cert.pem";  // the only CAs a peer may chain to
//   auto client = PeerClient::Create(std::move(c));
//   if (!client) return client.error();
//   auto r = client->PostJson("https://gw-b.example.org:8443/v1/federation/messages", token,
//                             body, {{"Idempotency-Key", message_id}});
//   if (!r) return r.error();                    // no HTTP answer: retry later (backoff.h)
//   if (r->status == 202) ...                    // any HTTP status is a value; the caller decides
//
// Contract:
// - Only https:// URLs; no redirects are followed; no proxy is used (not even from the
//   environment); HTTP/1.1; no "Expect: 100-continue" (a peer's refusal of a JSON body costs
//   little, and waiting for the 100 would cost every delivery a round trip). Requests carry
//   `Authorization: Bearer TOKEN`, `Accept: application/json` and, for PostJson, `Content-Type:
//   application/json`.
// - TLS 1.2 or 1.3 only, ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2. The peer's
//   certificate must chain to a certificate in `trust_anchors_file` (the system CA store is
//   never used) and name the URL's host (DNS or IP subjectAltName).
// - Our client certificate chain and private key are installed into each new TLS context by
//   CURLOPT_SSL_CTX_FUNCTION through Keyring::InstallInTlsContext: curl never sees a key file.
// - Connections are kept alive and reused between calls on the same client.
// - Thread safety: calls on one client are serialised by an internal mutex (safe to share, but
//   one request at a time). Give each delivery worker thread its own client for parallelism.
//   libcurl's global initialisation runs once per process (std::call_once) on first Create.
//
// Errors (never containing the token, a header value or the body):
//   bad config (no keyring, unknown key id, empty chain, bad timeouts)
//                                   -> kInvalidArgument "invalid_peer_client_config", field named
//   trust anchors file unreadable / not certificates -> crypto's file errors (field: the file)
//   URL not https://host[:port]/..., or with user:password -> kInvalidArgument "invalid_peer_url"
//   token or header with control characters      -> kInvalidArgument "invalid_peer_request"
//   cannot resolve, connect, complete TLS (either side refused a certificate), send, receive,
//   or the connect/total timeout passed          -> kUnavailable "peer_unreachable", the message
//                                                   naming host:port and curl's reason
//   response body above max_response_bytes       -> kUnavailable "peer_response_too_large"
//   the key does not belong to client_chain[0]  -> Create fails: "key_certificate_mismatch"
//   the keyring could not install the key        -> its own error (e.g. "key_not_found")
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/error.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/keyring.h"

namespace ketenpoort::transports {

// An HTTP answer from the peer: any status (2xx, 4xx, 5xx) with its body.
struct PeerResponse {
  long status = 0;
  std::string body;
};

class PeerClient {
 public:
  struct Config {
    const crypto::Keyring* keyring = nullptr;         // required; must outlive the client
    std::string client_key_id;                        // required; a key loaded in `keyring`
    std::vector<crypto::Certificate> client_chain;    // required; leaf (for that key) first
    std::string trust_anchors_file;                   // required; PEM CA certificates
    std::chrono::milliseconds connect_timeout{5000};  // TCP connect + TLS handshake
    std::chrono::milliseconds total_timeout{30000};   // the whole request; >= connect_timeout
    std::size_t max_response_bytes = 1024 * 1024;
  };

  using Headers = std::vector<std::pair<std::string, std::string>>;

  // Checks `config` (the keyring has the key, the chain is non-empty, the trust anchors file
  // holds certificates, timeouts positive) and prepares a curl handle.
  static Result<PeerClient> Create(Config config);

  PeerClient(PeerClient&&) noexcept;
  PeerClient& operator=(PeerClient&&) noexcept;
  PeerClient(const PeerClient&) = delete;
  PeerClient& operator=(const PeerClient&) = delete;
  ~PeerClient();

  // POSTs `json_body` to `url`. `extra_headers` (e.g. Idempotency-Key) are sent as given.
  Result<PeerResponse> PostJson(const std::string& url, std::string_view bearer_token,
                                std::string_view json_body, const Headers& extra_headers = {});

  // GETs `url`.
  Result<PeerResponse> Get(const std::string& url, std::string_view bearer_token,
                           const Headers& extra_headers = {});

 private:
  struct Impl;
  explicit PeerClient(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace ketenpoort::transports
