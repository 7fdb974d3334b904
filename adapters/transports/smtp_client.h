// Mail out through an SMTP relay, spoken by libcurl: STARTTLS or implicit TLS (smtps://),
// optional AUTH with credentials read from a 0600 file, and a multipart/alternative message
// (text and HTML, UTF-8) that we build ourselves.
//
//   // (compiled in examples_test.cpp)
//   SmtpClient::Config c;
//   c.url = "smtp://relay.example.org:587";      // smtps://HOST:465 for implicit TLS
//   c.from = "ketenpoort@example.org";
//   c.starttls = true;                             // refuse to send unless the relay upgrades
//   c.credentials_file = "/etc/ketenpoort/smtp.credentials";  // "USER\nPASSWORD\n", mode 0600
//   auto client = SmtpClient::Create(std::move(c));
//   if (!client) return client.error();
//   MailMessage m{.to = "a@example.org", .subject = "Secure message", .text = "...",
//                 .html = "<p>...</p>"};
//   KP_RETURN_IF_ERROR(client->Send(m));           // the relay accepted it (250 after DATA)
//
// Contract:
// - Only smtp:// and smtps:// URLs, without user or password in them. TLS (STARTTLS or implicit)
//   is 1.2 or later and verifies the relay's certificate and host name against `ca_file` (empty:
//   the system store). Credentials over a connection without TLS are refused at Create.
// - Addresses are plain `local@domain` (no display names, no CR/LF, no spaces, no <>).
// - The subject is RFC 2047 encoded; both bodies are base64 (any UTF-8 survives any relay).
// - Thread safety: Send may be called from any number of threads; each Send is one SMTP session
//   (one connection), and at most `max_sessions` run at once: a Send beyond that waits for a
//   session to end, so a slow relay holds up no more than that many threads' connections.
//
// Errors (never containing the credentials or the message text):
//   bad URL / from / timeouts / max_sessions, credentials without TLS
//                                                 -> kInvalidArgument "invalid_smtp_config"
//   credentials file unreadable, malformed, or group/other may read it
//                                                 -> kInvalidArgument "smtp_credentials_invalid"
//   bad recipient address                          -> kInvalidArgument "invalid_mail_address"
//   relay unreachable, TLS failed, AUTH refused, recipient or DATA refused, timeout
//                                                 -> kUnavailable "smtp_failed" (host:port and
//                                                    curl's reason)
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/core/error.h"

namespace ketenpoort::transports {

struct MailMessage {
  std::string to;       // one address
  std::string subject;  // UTF-8
  std::string text;     // text/plain body, UTF-8
  std::string html;     // text/html body, UTF-8; empty: a text-only mail
};

// True for `local@domain` of printable ASCII without spaces, quotes, <>, and at most 254 bytes.
bool IsPlainMailAddress(std::string_view address);

// The RFC 5322 message (CRLF line ends) for `m` from `from`. `date_ms` is the Date header's time
// and `boundary_seed` makes the MIME boundary and Message-ID (random in Send; fixed in tests).
std::string BuildMimeMessage(std::string_view from, const MailMessage& m, std::int64_t date_ms,
                             std::string_view boundary_seed);

class SmtpClient {
 public:
  struct Config {
    std::string url;               // smtp://host[:port] or smtps://host[:port]
    std::string from;              // envelope and header sender
    bool starttls = false;         // smtp:// only: require STARTTLS
    std::string credentials_file;  // empty: no AUTH
    std::string ca_file;           // empty: the system CA store
    std::chrono::milliseconds connect_timeout{10000};
    std::chrono::milliseconds total_timeout{60000};
    int max_sessions = 4;  // sessions at once, >= 1
  };

  static Result<SmtpClient> Create(Config config);

  SmtpClient(SmtpClient&&) noexcept;
  SmtpClient& operator=(SmtpClient&&) noexcept;
  SmtpClient(const SmtpClient&) = delete;
  SmtpClient& operator=(const SmtpClient&) = delete;
  ~SmtpClient();

  Status Send(const MailMessage& message);

 private:
  struct Impl;
  explicit SmtpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ketenpoort::transports
