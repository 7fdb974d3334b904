#include "adapters/transports/smtp_client.h"

#include "adapters/transports/curl_handles.h"

#include <curl/curl.h>
#include <sys/stat.h>

#include <algorithm>
#include <condition_variable>
#include <ctime>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

#include "gateway/crypto/encoding.h"
#include "gateway/crypto/random.h"

namespace ketenpoort::transports {

namespace {

constexpr std::size_t kMaxCredentialsBytes = 4096;

Error ConfigError(std::string message, std::string field) {
  return InvalidArgument("invalid_smtp_config", std::move(message), std::move(field));
}

struct SmtpUrl {
  bool implicit_tls = false;
  std::string authority;  // host:port, for messages
};

Result<SmtpUrl> ParseSmtpUrl(const std::string& url) {
  auto bad = [] {
    return ConfigError("must be smtp://host[:port] or smtps://host[:port] without credentials",
                       "url");
  };
  CurlUrl u(curl_url());
  if (!u)
    return Internal("curl_init_failed", "cannot allocate a URL parser");
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
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
  if (!scheme || (*scheme != "smtp" && *scheme != "smtps") || !host || host->empty())
    return bad();
  if (part(CURLUPART_USER, 0) || part(CURLUPART_PASSWORD, 0))
    return bad();
  auto port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  SmtpUrl out;
  out.implicit_tls = *scheme == "smtps";
  out.authority = *host + ":" + (port ? *port : "25");
  return out;
}

// "USER\nPASSWORD\n" from a regular file that only its owner may access.
Result<std::pair<std::string, std::string>> ReadCredentials(const std::string& path) {
  auto invalid = [&](std::string message) {
    return InvalidArgument("smtp_credentials_invalid", std::move(message), path);
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return invalid("cannot read the SMTP credentials file (missing or not a regular file)");
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    return invalid("the SMTP credentials file must be mode 0600 (group or others may access it)");
  if (st.st_size <= 0 || static_cast<std::size_t>(st.st_size) > kMaxCredentialsBytes)
    return invalid("the SMTP credentials file must hold a user line and a password line");
  std::ifstream in(path, std::ios::binary);
  std::string user, password;
  if (!in || !std::getline(in, user) || !std::getline(in, password) || user.empty() ||
      password.empty()) {
    return invalid("the SMTP credentials file must hold a user line and a password line");
  }
  auto has_control = [](const std::string& s) {
    return std::any_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
  };
  if (has_control(user) || has_control(password))
    return invalid("the SMTP credentials file holds control characters");
  return std::make_pair(user, password);
}

// RFC 2045 base64, 76 characters per line, CRLF line ends.
std::string Base64Lines(std::string_view text) {
  const std::string b64 = crypto::Base64Encode(AsBytes(text));
  std::string out;
  out.reserve(b64.size() + b64.size() / 76 * 2 + 2);
  for (std::size_t i = 0; i < b64.size(); i += 76) {
    out.append(b64, i, 76);
    out += "\r\n";
  }
  return out;
}

// RFC 2047 encoded-word for a header value; plain ASCII stays readable.
std::string EncodeHeaderText(std::string_view text) {
  bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
  if (plain && text.find("=?") == std::string_view::npos)
    return std::string(text);
  return "=?UTF-8?B?" + crypto::Base64Encode(AsBytes(text)) + "?=";
}

std::string RfcDate(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string DomainOf(std::string_view address) {
  auto at = address.rfind('@');
  return at == std::string_view::npos ? "localhost" : std::string(address.substr(at + 1));
}

}  // namespace

bool IsPlainMailAddress(std::string_view a) {
  if (a.empty() || a.size() > 254)
    return false;
  auto at = a.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 >= a.size() ||
      a.find('@', at + 1) != std::string_view::npos)
    return false;
  return std::all_of(a.begin(), a.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && c != '<' && c != '>' && c != '"' && c != '(' && c != ')' &&
           c != ',' && c != ';' && c != ':' && c != '\\' && c != '[' && c != ']';
  });
}

std::string BuildMimeMessage(std::string_view from, const MailMessage& m, std::int64_t date_ms,
                             std::string_view boundary_seed) {
  const std::string boundary = "kp-" + std::string(boundary_seed);
  std::string out;
  out += "From: <" + std::string(from) + ">\r\n";
  out += "To: <" + m.to + ">\r\n";
  out += "Subject: " + EncodeHeaderText(m.subject) + "\r\n";
  out += "Date: " + RfcDate(date_ms) + "\r\n";
  out += "Message-ID: <" + std::string(boundary_seed) + "@" + DomainOf(from) + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  if (m.html.empty()) {
    out += "Content-Type: text/plain; charset=utf-8\r\n";
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    out += Base64Lines(m.text);
    return out;
  }
  out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: base64\r\n\r\n";
  out += Base64Lines(m.text);
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/html; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: base64\r\n\r\n";
  out += Base64Lines(m.html);
  out += "--" + boundary + "--\r\n";
  return out;
}

struct SmtpClient::Impl {
  Config config;
  SmtpUrl url;
  std::optional<std::pair<std::string, std::string>> credentials;
  // The session bound: Send holds a Session for as long as its connection lives.
  std::mutex mu;
  std::condition_variable session_ended;
  int sessions = 0;  // running now; at most config.max_sessions

  class Session {
   public:
    explicit Session(Impl& impl) : impl_(impl) {
      std::unique_lock lock(impl_.mu);
      impl_.session_ended.wait(lock, [this] { return impl_.sessions < impl_.config.max_sessions; });
      ++impl_.sessions;
    }
    ~Session() {
      {
        std::lock_guard lock(impl_.mu);
        --impl_.sessions;
      }
      impl_.session_ended.notify_one();
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

   private:
    Impl& impl_;
  };

  struct Upload {
    std::string_view data;
    std::size_t offset = 0;
  };
  static std::size_t Read(char* buffer, std::size_t size, std::size_t n, void* user) {
    auto* up = static_cast<Upload*>(user);
    const std::size_t room = size * n;
    const std::size_t left = up->data.size() - up->offset;
    const std::size_t take = std::min(room, left);
    std::copy_n(up->data.data() + up->offset, take, buffer);
    up->offset += take;
    return take;
  }
};

SmtpClient::SmtpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SmtpClient::SmtpClient(SmtpClient&&) noexcept = default;
SmtpClient& SmtpClient::operator=(SmtpClient&&) noexcept = default;
SmtpClient::~SmtpClient() = default;

Result<SmtpClient> SmtpClient::Create(Config config) {
  if (CurlGlobalInit() != CURLE_OK)
    return Internal("curl_init_failed", "cannot initialise libcurl");
  KP_ASSIGN_OR_RETURN(SmtpUrl url, ParseSmtpUrl(config.url));
  if (!IsPlainMailAddress(config.from))
    return ConfigError("must be a plain address like ketenpoort@example.org", "from");
  if (config.starttls && url.implicit_tls)
    return ConfigError("starttls applies to smtp:// only; smtps:// is TLS from the start",
                       "starttls");
  if (config.connect_timeout.count() <= 0 || config.total_timeout < config.connect_timeout)
    return ConfigError("timeouts must be positive, total at least connect", "total_timeout");
  if (config.max_sessions < 1)
    return ConfigError("must be at least 1", "max_sessions");
  auto impl = std::make_unique<Impl>();
  if (!config.credentials_file.empty()) {
    if (!url.implicit_tls && !config.starttls) {
      return ConfigError("credentials are only sent over TLS: use smtps:// or starttls",
                         "credentials_file");
    }
    KP_ASSIGN_OR_RETURN(impl->credentials, ReadCredentials(config.credentials_file));
  }
  impl->config = std::move(config);
  impl->url = std::move(url);
  return SmtpClient(std::move(impl));
}

Status SmtpClient::Send(const MailMessage& message) {
  if (!IsPlainMailAddress(message.to))
    return InvalidArgument("invalid_mail_address", "is not a plain e-mail address", "to");
  const Config& c = impl_->config;
  const std::string seed = crypto::HexEncode(crypto::RandomBytes(16));
  const std::int64_t now_ms = static_cast<std::int64_t>(std::time(nullptr)) * 1000;
  const std::string mime = BuildMimeMessage(c.from, message, now_ms, seed);

  Impl::Session session(*impl_);
  CurlEasy curl(curl_easy_init());
  if (!curl)
    return Internal("curl_init_failed", "cannot create a curl handle");
  CURL* h = curl.get();
  CurlSlist rcpt(curl_slist_append(nullptr, ("<" + message.to + ">").c_str()));
  if (!rcpt)
    return Internal("curl_setup_failed", "cannot build the recipient list");
  Impl::Upload upload{mime, 0};
  const std::string from = "<" + c.from + ">";
  const bool tls = impl_->url.implicit_tls || c.starttls;
  bool ok = curl_easy_setopt(h, CURLOPT_URL, c.url.c_str()) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps") == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_PROXY, "") == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str()) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get()) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_UPLOAD, 1L) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_READFUNCTION, &Impl::Read) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_READDATA, &upload) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mime.size())) ==
                CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                             static_cast<long>(c.connect_timeout.count())) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(c.total_timeout.count())) ==
                CURLE_OK;
  if (tls) {
    ok = ok &&
         curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL)) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_SSL_CIPHER_LIST, kTls12Ciphers) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
    if (!c.ca_file.empty()) {
      ok = ok && curl_easy_setopt(h, CURLOPT_CAINFO, c.ca_file.c_str()) == CURLE_OK &&
           curl_easy_setopt(h, CURLOPT_CAPATH, nullptr) == CURLE_OK;
    }
  }
  if (impl_->credentials) {
    ok = ok &&
         curl_easy_setopt(h, CURLOPT_USERNAME, impl_->credentials->first.c_str()) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_PASSWORD, impl_->credentials->second.c_str()) == CURLE_OK;
  }
  if (!ok)
    return Internal("curl_setup_failed", "libcurl lacks an option the SMTP client needs");
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    return Unavailable("smtp_failed", "mail relay " + impl_->url.authority +
                                          " did not accept the mail: " + curl_easy_strerror(rc));
  }
  return Ok();
}

}  // namespace ketenpoort::transports
