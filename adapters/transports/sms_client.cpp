#include "adapters/transports/sms_client.h"

#include "adapters/transports/curl_handles.h"

#include <curl/curl.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <optional>

#include <nlohmann/json.hpp>

namespace ketenpoort::transports {

namespace {

Error ConfigError(std::string message, std::string field) {
  return InvalidArgument("invalid_sms_config", std::move(message), std::move(field));
}

// host of an http(s) URL, refusing userinfo and http:// to anything but loopback.
Result<std::string> ProviderHost(const std::string& url) {
  auto bad = [] {
    return ConfigError("must be https://host[:port]/path, or http:// to a loopback host", "url");
  };
  CurlUrl u(curl_url());
  if (!u)
    return Internal("curl_init_failed", "cannot allocate a URL parser");
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
    return bad();
  auto part = [&](CURLUPart which) -> std::optional<std::string> {
    char* raw = nullptr;
    if (curl_url_get(u.get(), which, &raw, 0) != CURLUE_OK || raw == nullptr)
      return std::nullopt;
    CurlString owned(raw);
    return std::string(owned.get());
  };
  auto scheme = part(CURLUPART_SCHEME);
  auto host = part(CURLUPART_HOST);
  if (!scheme || !host || host->empty() || part(CURLUPART_USER) || part(CURLUPART_PASSWORD))
    return bad();
  const bool loopback = *host == "127.0.0.1" || *host == "localhost" || *host == "[::1]";
  if (*scheme != "https" && !(*scheme == "http" && loopback))
    return bad();
  return *host;
}

Result<std::string> ReadToken(const std::string& path) {
  auto invalid = [&](std::string m) {
    return InvalidArgument("sms_token_invalid", std::move(m), path);
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return invalid("cannot read the SMS token file (missing or not a regular file)");
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    return invalid("the SMS token file must be mode 0600 (group or others may access it)");
  if (st.st_size <= 0 || st.st_size > 4097)
    return invalid("the SMS token file must hold one token of up to 4096 characters");
  std::ifstream in(path, std::ios::binary);
  std::string token;
  std::getline(in, token);
  bool printable = std::all_of(token.begin(), token.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
  if (token.empty() || !printable)
    return invalid("the SMS token file must hold one token of printable characters");
  return token;
}

std::size_t Discard(char*, std::size_t size, std::size_t n, void*) {
  return size * n;
}

}  // namespace

bool IsE164Phone(std::string_view p) {
  if (p.size() < 9 || p.size() > 16 || p[0] != '+')
    return false;
  return std::all_of(p.begin() + 1, p.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct SmsClient::Impl {
  Config config;
  std::string host;
  std::string token;
  std::mutex mu;
};

SmsClient::SmsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SmsClient::SmsClient(SmsClient&&) noexcept = default;
SmsClient& SmsClient::operator=(SmsClient&&) noexcept = default;
SmsClient::~SmsClient() = default;

Result<SmsClient> SmsClient::Create(Config config) {
  if (CurlGlobalInit() != CURLE_OK)
    return Internal("curl_init_failed", "cannot initialise libcurl");
  auto impl = std::make_unique<Impl>();
  KP_ASSIGN_OR_RETURN(impl->host, ProviderHost(config.url));
  if (config.connect_timeout.count() <= 0 || config.total_timeout < config.connect_timeout)
    return ConfigError("timeouts must be positive, total at least connect", "total_timeout");
  if (!config.token_file.empty()) {
    KP_ASSIGN_OR_RETURN(impl->token, ReadToken(config.token_file));
  }
  impl->config = std::move(config);
  return SmsClient(std::move(impl));
}

Status SmsClient::Send(std::string_view phone, std::string_view text) {
  if (!IsE164Phone(phone))
    return InvalidArgument("invalid_phone", "must be '+' and 8 to 15 digits", "phone");
  const std::string body = nlohmann::json{{"to", phone}, {"text", text}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  const Config& c = impl_->config;
  std::lock_guard lock(impl_->mu);
  CurlEasy curl(curl_easy_init());
  if (!curl)
    return Internal("curl_init_failed", "cannot create a curl handle");
  CURL* h = curl.get();
  CurlSlist headers(curl_slist_append(nullptr, "Content-Type: application/json"));
  bool ok = headers != nullptr && curl_slist_append(headers.get(), "Expect:") != nullptr;
  if (ok && !impl_->token.empty())
    ok = curl_slist_append(headers.get(), ("Authorization: Bearer " + impl_->token).c_str()) !=
         nullptr;
  ok = ok && curl_easy_setopt(h, CURLOPT_URL, c.url.c_str()) == CURLE_OK &&
       curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
       curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
       curl_easy_setopt(h, CURLOPT_PROXY, "") == CURLE_OK &&
       curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
       curl_easy_setopt(h, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2) == CURLE_OK &&
       curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
       curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
       curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK &&
       curl_easy_setopt(h, CURLOPT_POST, 1L) == CURLE_OK &&
       curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str()) == CURLE_OK &&
       curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size())) ==
           CURLE_OK &&
       curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Discard) == CURLE_OK &&
       curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                        static_cast<long>(c.connect_timeout.count())) == CURLE_OK &&
       curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(c.total_timeout.count())) ==
           CURLE_OK;
  if (ok && !c.ca_file.empty())
    ok = curl_easy_setopt(h, CURLOPT_CAINFO, c.ca_file.c_str()) == CURLE_OK;
  if (!ok)
    return Internal("curl_setup_failed", "cannot set up the SMS request");
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    return Unavailable("sms_failed",
                       "SMS provider " + impl_->host + " unreachable: " + curl_easy_strerror(rc));
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    return Unavailable("sms_failed",
                       "SMS provider " + impl_->host + " answered HTTP " + std::to_string(status));
  }
  return Ok();
}

}  // namespace ketenpoort::transports
