#include "gateway/client/api_client.h"

#include "adapters/transports/curl_handles.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>

namespace ketenpoort::client {

namespace {

using nlohmann::json;

using transports::CurlEasy;
using transports::CurlSlist;
using transports::CurlString;

// Larger than any answer the gateway gives (bodies are capped at 16 MiB, base64 adds a third).
constexpr std::size_t kMaxResponseBytes = 64 * 1024 * 1024;
constexpr long kConnectTimeoutMs = 10000;

struct Transfer {
  std::string body;
  bool too_large = false;
  const ApiClientOptions* options = nullptr;
  Status tls_status;                            // from the SSL_CTX callback
  const ApiClient::BodyReader* read = nullptr;  // a streamed request body
  Status read_status;                           // its first error
  CURL* curl = nullptr;
  std::FILE* out = nullptr;  // a 2xx body goes here instead of `body`
  std::uint64_t written = 0;
  bool write_failed = false;
};

size_t ReadBody(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  Result<std::size_t> n = (*t->read)(std::span<char>(buffer, size * count));
  if (!n) {
    t->read_status = std::move(n).error();
    return CURL_READFUNC_ABORT;
  }
  return *n;
}

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->out != nullptr) {
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status <= 299) {
      if (std::fwrite(data, 1, n, t->out) != n) {
        t->write_failed = true;
        return 0;
      }
      t->written += n;
      return n;
    }
  }
  if (t->body.size() + n > kMaxResponseBytes) {
    t->too_large = true;
    return 0;  // aborts the transfer
  }
  t->body.append(data, n);
  return n;
}

// Installs the client certificate and key into the SSL_CTX curl is about to use.
CURLcode InstallClientKey(CURL*, void* ssl_ctx, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const ApiClientOptions& o = *t->options;
  t->tls_status = o.keyring->InstallInTlsContext(o.client_key_id, o.client_chain,
                                                 static_cast<SSL_CTX*>(ssl_ctx));
  return t->tls_status ? CURLE_OK : CURLE_SSL_CERTPROBLEM;
}

}  // namespace

ErrorKind ErrorKindForHttpStatus(long status) {
  switch (status) {
    case 400:
      return ErrorKind::kInvalidArgument;
    case 401:
      return ErrorKind::kUnauthenticated;
    case 403:
      return ErrorKind::kPermissionDenied;
    case 404:
      return ErrorKind::kNotFound;
    case 410:
      return ErrorKind::kGone;
    case 409:
      return ErrorKind::kConflict;
    case 413:
      return ErrorKind::kTooLarge;
    case 422:
      return ErrorKind::kRefused;
    case 429:
      return ErrorKind::kRateLimited;
    case 502:
    case 503:
    case 504:
      return ErrorKind::kUnavailable;
    default:
      return status >= 400 && status < 500 ? ErrorKind::kInvalidArgument : ErrorKind::kInternal;
  }
}

Error ErrorFromHttpResponse(long status, std::string_view body) {
  Error e;
  e.kind = ErrorKindForHttpStatus(status);
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
    const json& err = parsed["error"];
    auto text = [&err](const char* key) {
      auto it = err.find(key);
      return it != err.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    e.code = text("code");
    e.message = text("message");
    e.field = text("field");
  }
  if (e.code.empty())
    e.code = "http_error";
  if (e.message.empty())
    e.message = "the gateway answered HTTP " + std::to_string(status);
  return e;
}

std::string PercentEncode(std::string_view text) {
  transports::CurlGlobalInit();
  // Since curl 7.82 the handle argument is not used.
  CurlString escaped(curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size())));
  return escaped ? std::string(escaped.get()) : std::string();
}

ApiClient::ApiClient(ApiClientOptions options) : options_(std::move(options)) {
  transports::CurlGlobalInit();
}

Result<json> ApiClient::Get(const std::string& path, const std::vector<QueryParam>& query,
                            const std::vector<std::string>& headers) const {
  return Request("GET", path, query, nullptr, headers);
}

Result<json> ApiClient::Post(const std::string& path, const json& body,
                             const std::vector<std::string>& headers) const {
  std::string text = body.dump();
  std::vector<std::string> h = headers;
  h.emplace_back("Content-Type: application/json");
  return Request("POST", path, {}, &text, h);
}

Result<json> ApiClient::PostStream(const std::string& path, const std::string& content_type,
                                   std::uint64_t length, const BodyReader& read) const {
  StreamBody stream{length, &read};
  return Request("POST", path, {}, nullptr, {"Content-Type: " + content_type}, &stream);
}

Result<std::uint64_t> ApiClient::DownloadTo(const std::string& path, std::FILE* out,
                                            const std::vector<std::string>& headers) const {
  Sink sink{out, 0};
  auto answer = Request("GET", path, {}, nullptr, headers, nullptr, &sink);
  if (!answer)
    return std::move(answer).error();
  return sink.written;
}

Result<json> ApiClient::Request(const char* method, const std::string& path,
                                const std::vector<QueryParam>& query, const std::string* body,
                                const std::vector<std::string>& headers, const StreamBody* stream,
                                Sink* sink) const {
  std::string url = options_.base_url + path;
  for (size_t i = 0; i < query.size(); ++i) {
    url +=
        (i == 0 ? "?" : "&") + PercentEncode(query[i].first) + "=" + PercentEncode(query[i].second);
  }

  CurlEasy curl(curl_easy_init());
  if (!curl)
    return Internal("curl_init_failed", "cannot initialise libcurl");
  CurlSlist list;
  auto append = [&list](const std::string& header) {
    curl_slist* next = curl_slist_append(list.get(), header.c_str());
    if (next == nullptr)
      return false;
    list.release();  // now owned by `next`
    list.reset(next);
    return true;
  };
  bool headers_ok = append("Accept: application/json") && append("Expect:");
  if (!options_.token.empty())
    headers_ok = headers_ok && append("Authorization: Bearer " + options_.token);
  for (const std::string& h : headers)
    headers_ok = headers_ok && append(h);
  if (!headers_ok)
    return Internal("out_of_memory", "cannot build the request headers");

  Transfer t;
  t.options = &options_;
  CURL* c = curl.get();
  t.curl = c;
  if (sink != nullptr)
    t.out = sink->out;
  bool set_ok = curl_easy_setopt(c, CURLOPT_URL, url.c_str()) == CURLE_OK &&
                curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https") == CURLE_OK &&
                curl_easy_setopt(c, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2) == CURLE_OK &&
                curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str()) == CURLE_OK &&
                curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
                curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
                curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
                curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
                curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs) == CURLE_OK &&
                curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method) == CURLE_OK &&
                curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.get()) == CURLE_OK &&
                curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, AppendBody) == CURLE_OK &&
                curl_easy_setopt(c, CURLOPT_WRITEDATA, &t) == CURLE_OK;
  if (set_ok && body != nullptr) {
    set_ok = curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data()) == CURLE_OK &&
             curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                              static_cast<curl_off_t>(body->size())) == CURLE_OK;
  }
  if (set_ok && (stream != nullptr || sink != nullptr)) {
    // A large transfer may take longer than any fixed limit: only a stalled one fails.
    set_ok = curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L) == CURLE_OK &&
             curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                              std::max(1L, options_.timeout_ms / 1000)) == CURLE_OK;
  } else if (set_ok) {
    set_ok = curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, options_.timeout_ms) == CURLE_OK;
  }
  if (set_ok && stream != nullptr) {
    t.read = stream->read;
    set_ok = curl_easy_setopt(c, CURLOPT_POST, 1L) == CURLE_OK &&
             curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadBody) == CURLE_OK &&
             curl_easy_setopt(c, CURLOPT_READDATA, &t) == CURLE_OK &&
             curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                              static_cast<curl_off_t>(stream->length)) == CURLE_OK;
  }
  if (set_ok && !options_.client_key_id.empty()) {
    if (options_.keyring == nullptr || options_.client_chain.empty()) {
      return Internal("client_tls_incomplete",
                      "mutual TLS needs a keyring, a key id and a certificate");
    }
    // Fails with CURLE_NOT_BUILT_IN when libcurl does not use OpenSSL.
    set_ok = curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, InstallClientKey) == CURLE_OK &&
             curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, &t) == CURLE_OK;
  }
  if (!set_ok)
    return Internal("curl_setup_failed", "libcurl refused an option (is it built with OpenSSL?)");

  CURLcode rc = curl_easy_perform(c);
  if (!t.tls_status)
    return t.tls_status.error();
  if (!t.read_status)
    return t.read_status.error();
  if (t.write_failed)
    return Unavailable("write_failed", "cannot write the download to its file");
  if (sink != nullptr)
    sink->written = t.written;
  if (t.too_large)
    return Internal("response_too_large", "the gateway's answer is larger than 64 MiB");
  if (rc != CURLE_OK) {
    return Unavailable("gateway_unreachable",
                       "no answer from " + options_.base_url + ": " + curl_easy_strerror(rc));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299)
    return ErrorFromHttpResponse(status, t.body);
  if (sink != nullptr)
    return json();  // the body went to the sink
  json parsed = json::parse(t.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Internal("invalid_response",
                    "the gateway's answer to " + std::string(method) + " " + path + " is not JSON");
  }
  return parsed;
}

}  // namespace ketenpoort::client
