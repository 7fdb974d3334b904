// The real mail and SMS servers that tests talk to, started as child processes on loopback:
// an SMTP server (smtp_sink.py, Debian's python3-aiosmtpd) and an SMS provider stand-in
// (sms_provider.py, Python's http.server). Each writes what it receives into a fresh folder.
//
//   SmtpSink smtp({.auth = "relay-user:relay-pass", .tls = SmtpSink::Tls::kStartTls,
//                  .cert = cert, .key = key});
//   ASSERT_TRUE(smtp.Start()) << smtp.error;        // waits until it listens
//   ... send to smtp://127.0.0.1:smtp.port() ...
//   auto mails = smtp.WaitForMails(1, 10000);       // [{"subject","to","text","html",...}]
//
// Both stop (SIGTERM, then SIGKILL) when destroyed. Throws std::runtime_error on setup
// failures (tests only).
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ketenpoort::testing {

// The python3 that has Debian's modules (aiosmtpd): /usr/bin/python3.
std::string SystemPython();
// tests/e2e/servers/NAME in the source tree.
std::string TestServerScript(const std::string& name);

class ChildServer {
 public:
  ~ChildServer();
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string error;

  // The JSON documents written so far (NNNN.json in name order).
  std::vector<nlohmann::json> Received() const;
  // Waits up to `timeout_ms` until at least `count` documents arrived; returns them all.
  std::vector<nlohmann::json> WaitFor(std::size_t count, int timeout_ms) const;

 protected:
  ChildServer();
  // `port` 0: a free loopback port.
  bool Launch(const std::vector<std::string>& args, int timeout_ms = 15000, int port = 0);
  void Stop();

  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

class SmtpSink : public ChildServer {
 public:
  enum class Tls { kNone, kStartTls, kImplicit };
  struct Options {
    std::string auth{};  // "USER:PASSWORD"; empty: no AUTH
    Tls tls = Tls::kNone;
    std::string cert{};  // PEM files for TLS
    std::string key{};
    int port = 0;             // 0: a free one; else this port (a sink started again where one was)
    int hold_data = 0;        // hold every DATA until this many sessions sent theirs (smtp_sink.py)
    int hold_timeout_s = 30;  // then refuse the held DATA (451)
  };
  SmtpSink() : SmtpSink(Options{}) {}
  explicit SmtpSink(Options options) : options_(std::move(options)) {}
  bool Start();
  std::string url() const;
  std::vector<nlohmann::json> WaitForMails(std::size_t count, int timeout_ms) const {
    return WaitFor(count, timeout_ms);
  }

 private:
  Options options_;
};

class SmsProvider : public ChildServer {
 public:
  explicit SmsProvider(std::string token = {}, int fail_status = 0)
      : token_(std::move(token)), fail_status_(fail_status) {}
  bool Start();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/send"; }

 private:
  std::string token_;
  int fail_status_ = 0;
};

// A CA and a server certificate for "localhost" and 127.0.0.1, made with the openssl command
// line in `dir`: dir/ca.pem, dir/server.pem, dir/server.key.
void MakeTestServerCertificates(const std::string& dir);

}  // namespace ketenpoort::testing
