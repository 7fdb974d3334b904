// Text messages through an SMS provider's HTTP API, over libcurl.
//
//   // (compiled in examples_test.cpp)
//   SmsClient::Config c;
//   c.url = "https://sms.example.org/v1/send";
//   c.token_file = "/etc/ketenpoort/sms.token";      // bearer token, mode 0600 (optional)
//   auto sms = SmsClient::Create(std::move(c));
//   KP_RETURN_IF_ERROR(sms->Send("+31612345678", "Your code: 123456"));
//
// Contract:
// - One POST per message to `url`, body {"to": PHONE, "text": TEXT} (application/json), with
//   `Authorization: Bearer TOKEN` when a token file is configured. Any 2xx answer is success.
// - https:// verifies the provider (TLS 1.2+, host name, `ca_file` or the system store);
//   http:// is accepted only for a loopback host (a local relay, or the tests' stand-in).
// - No redirects, no proxy, bounded timeouts. Send is serialised on an internal mutex.
// - Phone numbers are E.164: '+' and 8 to 15 digits.
//
// Errors (never the token or the text):
//   bad URL or timeouts                      -> kInvalidArgument "invalid_sms_config"
//   token file unreadable / too open         -> config::ReadTokenFile-style "sms_token_invalid"
//   phone not E.164                          -> kInvalidArgument "invalid_phone"
//   unreachable, timeout, non-2xx answer      -> kUnavailable "sms_failed" (host and status)
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/core/error.h"

namespace ketenpoort::transports {

// True for '+' followed by 8 to 15 digits.
bool IsE164Phone(std::string_view phone);

class SmsClient {
 public:
  struct Config {
    std::string url;
    std::string token_file;  // empty: no Authorization header
    std::string ca_file;     // empty: the system CA store
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds total_timeout{20000};
  };

  static Result<SmsClient> Create(Config config);

  SmsClient(SmsClient&&) noexcept;
  SmsClient& operator=(SmsClient&&) noexcept;
  SmsClient(const SmsClient&) = delete;
  SmsClient& operator=(const SmsClient&) = delete;
  ~SmsClient();

  Status Send(std::string_view phone, std::string_view text);

 private:
  struct Impl;
  explicit SmsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ketenpoort::transports
