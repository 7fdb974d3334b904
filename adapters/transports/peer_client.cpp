#include "adapters/transports/peer_client.h"

#include "adapters/transports/curl_handles.h"

#include <curl/curl.h>
#include <openssl/ssl.h>

#include <mutex>
#include <new>
#include <optional>

namespace ketenpoort::transports {

namespace {

// The same TLS 1.2 suites the server offers (gateway/api/server_tls.cpp); TLS 1.3 keeps
// OpenSSL's defaults, which are all AEAD.
constexpr const char* kUserAgent = "ketenpoort-peer/1";

Error ConfigError(std::string message, std::string field) {
  return InvalidArgument("invalid_peer_client_config", std::move(message), std::move(field));
}

// True when `s` is printable ASCII or tab / high bytes, without CR, LF or NUL: safe in a header.
bool IsSafeHeaderText(std::string_view s) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      return false;
  }
  return true;
}

bool IsHeaderName(std::string_view s) {
  if (s.empty())
    return false;
  for (unsigned char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok)
      return false;
  }
  return true;
}

// "host:port" of an https URL (for messages), or an error. Refuses other schemes and userinfo
// (credentials never travel in URLs).
Result<std::string> PeerAuthority(const std::string& url) {
  auto bad = [] {
    return InvalidArgument("invalid_peer_url", "peer URL must be https://host[:port]/path", "url");
  };
  CurlUrl u(curl_url());
  if (!u)
    return Internal("curl_init_failed", "cannot allocate a URL parser");
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
    return bad();
  auto part = [&](CURLUPart which, unsigned flags) -> std::optional<std::string> {
    char* raw = nullptr;
    if (curl_url_get(u.get(), which, &raw, flags) != CURLUE_OK || raw == nullptr)
      return std::nullopt;
    CurlString owned(raw);
    return std::string(owned.get());
  };
  auto scheme = part(CURLUPART_SCHEME, 0);
  auto host = part(CURLUPART_HOST, 0);
  if (!scheme || *scheme != "https" || !host || host->empty())
    return bad();
  if (part(CURLUPART_USER, 0) || part(CURLUPART_PASSWORD, 0))
    return bad();
  auto port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  return *host + ":" + (port ? *port : "443");
}

}  // namespace

struct PeerClient::Impl {
  Config config;
  CurlEasy curl;
  std::mutex mu;  // one transfer at a time on `curl`

  // Per call; reached by the C callbacks through their user pointers.
  struct Call {
    const Impl* impl = nullptr;
    std::string body;
    bool too_large = false;
    std::optional<Error> install_error;
  };

  static std::size_t Write(char* data, std::size_t size, std::size_t n, void* user) {
    auto* call = static_cast<Call*>(user);
    const std::size_t bytes = size * n;
    if (call->body.size() + bytes > call->impl->config.max_response_bytes) {
      call->too_large = true;
      return 0;  // curl stops with CURLE_WRITE_ERROR
    }
    try {
      call->body.append(data, bytes);
    } catch (const std::bad_alloc&) {
      return 0;
    }
    return bytes;
  }

  // CURLOPT_SSL_CTX_FUNCTION: runs on every new TLS context, before the handshake.
  static CURLcode InstallClientKey(CURL* /*curl*/, void* ssl_ctx, void* user) {
    auto* call = static_cast<Call*>(user);
    auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
    const Config& c = call->impl->config;
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
      call->install_error = Internal("tls_setup_failed", "cannot require TLS 1.2 or later");
      return CURLE_SSL_CERTPROBLEM;
    }
    Status installed = c.keyring->InstallInTlsContext(c.client_key_id, c.client_chain, ctx);
    if (!installed) {
      call->install_error = std::move(installed).error();
      return CURLE_SSL_CERTPROBLEM;
    }
    return CURLE_OK;
  }

  // POST when `body` is given, else GET.
  Result<PeerResponse> Perform(const std::string& url, std::string_view token,
                               const std::string_view* body, const Headers& extra_headers);
};

PeerClient::PeerClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PeerClient::PeerClient(PeerClient&&) noexcept = default;
PeerClient& PeerClient::operator=(PeerClient&&) noexcept = default;
PeerClient::~PeerClient() = default;

Result<PeerClient> PeerClient::Create(Config config) {
  if (config.keyring == nullptr)
    return ConfigError("no keyring given", "keyring");
  if (!config.keyring->Has(config.client_key_id))
    return ConfigError("client key is not in the keyring", "client_key_id");
  if (config.client_chain.empty())
    return ConfigError("no client certificate given", "client_chain");
  if (config.connect_timeout.count() <= 0)
    return ConfigError("connect timeout must be positive", "connect_timeout");
  if (config.total_timeout < config.connect_timeout)
    return ConfigError("total timeout must be at least the connect timeout", "total_timeout");
  if (config.max_response_bytes == 0)
    return ConfigError("response limit must be positive", "max_response_bytes");
  // Fail now, not at the first handshake, on a missing or broken trust anchors file.
  KP_ASSIGN_OR_RETURN(auto anchors, crypto::LoadPemChainFile(config.trust_anchors_file));
  (void)anchors;
  // And on a key that does not belong to the certificate: found at the first handshake, that
  // would also make every attempt open a connection and drop it before saying anything.
  {
    ossl::SslCtx scratch(SSL_CTX_new(TLS_client_method()));
    if (!scratch)
      return Internal("tls_context_failed", "cannot create a TLS context");
    KP_RETURN_IF_ERROR(config.keyring->InstallInTlsContext(config.client_key_id,
                                                           config.client_chain, scratch.get()));
  }

  if (CurlGlobalInit() != CURLE_OK)
    return Internal("curl_init_failed", "cannot initialise libcurl");
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  impl->curl.reset(curl_easy_init());
  if (!impl->curl)
    return Internal("curl_init_failed", "cannot create a curl handle");

  // Settings that hold for every call on this handle.
  CURL* h = impl->curl.get();
  const Config& c = impl->config;
  bool ok = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https") == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_PROXY, "") == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_SSL_CIPHER_LIST, kTls12Ciphers) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_CAINFO, c.trust_anchors_file.c_str()) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_CAPATH, nullptr) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, &Impl::InstallClientKey) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                             static_cast<long>(c.connect_timeout.count())) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(c.total_timeout.count())) ==
                CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                             static_cast<curl_off_t>(c.max_response_bytes)) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_USERAGENT, kUserAgent) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Impl::Write) == CURLE_OK;
  if (!ok) {
    // e.g. CURLE_NOT_BUILT_IN: this libcurl is not built on OpenSSL (no SSL_CTX callback).
    return Internal("curl_setup_failed", "libcurl lacks an option the peer client needs");
  }
  return PeerClient(std::move(impl));
}

Result<PeerResponse> PeerClient::PostJson(const std::string& url, std::string_view bearer_token,
                                          std::string_view json_body,
                                          const Headers& extra_headers) {
  return impl_->Perform(url, bearer_token, &json_body, extra_headers);
}

Result<PeerResponse> PeerClient::Get(const std::string& url, std::string_view bearer_token,
                                     const Headers& extra_headers) {
  return impl_->Perform(url, bearer_token, nullptr, extra_headers);
}

Result<PeerResponse> PeerClient::Impl::Perform(const std::string& url, std::string_view token,
                                               const std::string_view* body,
                                               const Headers& extra_headers) {
  KP_ASSIGN_OR_RETURN(std::string authority, PeerAuthority(url));
  if (token.empty() || !IsSafeHeaderText(token) || token.find(' ') != std::string_view::npos) {
    return InvalidArgument("invalid_peer_request", "bearer token is empty or malformed", "token");
  }
  for (const auto& [name, value] : extra_headers) {
    if (!IsHeaderName(name) || !IsSafeHeaderText(value)) {
      return InvalidArgument("invalid_peer_request", "header name or value is malformed",
                             "headers");
    }
  }

  std::lock_guard<std::mutex> lock(mu);
  CurlSlist list;
  auto add = [&](const std::string& line) {
    curl_slist* head = curl_slist_append(list.get(), line.c_str());
    if (head == nullptr)
      return false;  // the list so far is still owned by `list`
    if (!list)
      list.reset(head);  // later appends keep the same head
    return true;
  };
  bool headers_ok = add("Authorization: Bearer " + std::string(token)) &&
                    add("Accept: application/json") && add("Expect:");
  if (body != nullptr)
    headers_ok = headers_ok && add("Content-Type: application/json");
  for (const auto& [name, value] : extra_headers)
    headers_ok = headers_ok && add(name + ": " + value);
  if (!headers_ok)
    return Internal("curl_setup_failed", "cannot build request headers");

  Call call;
  call.impl = this;
  CURL* h = curl.get();
  bool ok = curl_easy_setopt(h, CURLOPT_URL, url.c_str()) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_HTTPHEADER, list.get()) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_WRITEDATA, &call) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, &call) == CURLE_OK;
  if (body != nullptr) {
    ok = ok && curl_easy_setopt(h, CURLOPT_POST, 1L) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->data()) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size())) ==
             CURLE_OK;
  } else {
    ok = ok && curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) == CURLE_OK;
  }
  if (!ok)
    return Internal("curl_setup_failed", "cannot set up the request");

  CURLcode rc = curl_easy_perform(h);
  // Leave no pointers into this call's stack frame behind on the reused handle.
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, nullptr);
  curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, nullptr);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, nullptr);

  if (rc != CURLE_OK) {
    if (call.install_error)
      return std::move(*call.install_error);
    if (call.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      return Unavailable("peer_response_too_large",
                         "response from peer " + authority + " exceeds the size limit");
    }
    return Unavailable("peer_unreachable", "peer " + authority + " unreachable: " +
                                               std::string(curl_easy_strerror(rc)));
  }
  PeerResponse response;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(call.body);
  return response;
}

}  // namespace ketenpoort::transports
