// The integration-test harness: real deployments, real `ketenpoort serve` processes, real HTTPS.
//
//   auto dep = Deployment::Create({.demo = true});      // `ketenpoort init --demo` in a temp dir
//   GatewayProcess gw(dep->config_path());
//   ASSERT_TRUE(gw.Start());                            // waits until /healthz answers
//   HttpsClient client(dep->ca_path());
//   auto r = client.Get(dep->url() + "/v1/directory", dep->Token("comensha"));
//   EXPECT_EQ(r.status, 200);
//   EXPECT_EQ(gw.Terminate(), 0);                       // SIGTERM, exit status
//
// Everything lives under a fresh /tmp folder that is removed when the Deployment goes away.
// Nothing here stands in for Ketenpoort code: the binary under test is the one the build made.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ketenpoort::testing {

// The `ketenpoort` binary of this build.
std::string KetenpoortBinary();

// A free TCP port on 127.0.0.1 (bound, read and released; race-free enough for tests).
int FreeLoopbackPort();

struct CommandResult {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string out;
  std::string err;
};

// Runs `ketenpoort ARGS...` to completion with extra environment variables.
CommandResult RunKetenpoort(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env = {});

// Runs a shell command line (for real tools: openssl, sqlite3) and returns its result.
CommandResult RunShell(const std::string& command_line);

// A temporary folder removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct DeploymentOptions {
  bool demo = true;
  int port = 0;  // 0: a free loopback port
};

// A deployment made by `ketenpoort init` in a fresh temp folder.
class Deployment {
 public:
  static std::unique_ptr<Deployment> Create(DeploymentOptions options = {});

  const std::string& dir() const { return dir_; }
  std::string config_path() const { return dir_ + "/gateway.json"; }
  std::string ca_path() const { return dir_ + "/certs/ca.cert.pem"; }
  std::string db_path() const { return dir_ + "/ketenpoort.db"; }
  int port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  // The demo token of `org` (coordinator role), read from tokens/ORG.token.
  std::string Token(const std::string& org) const;
  // The demo workspace's token of `org` (role workspace), read from tokens/ORG.workspace.token:
  // every request with it must name the person acting (Ketenpoort-Acting-User).
  std::string WorkspaceToken(const std::string& org) const;
  // The demo auditor token of shop-denhaag (user demo-auditor), tokens/shop-denhaag.auditor.token.
  std::string AuditorToken() const;

 private:
  TempDir tmp_;
  std::string dir_;
  int port_ = 0;
};

struct HttpsOptions {
  std::string client_cert;  // PEM files for mutual TLS
  std::string client_key;
  long ssl_version = 0;  // a CURL_SSLVERSION_* value combined with a MAX; 0 = default
};

// A `ketenpoort serve` child process. Its stderr goes to a log file that tests can read.
class GatewayProcess {
 public:
  explicit GatewayProcess(std::string config_path, std::map<std::string, std::string> env = {});
  ~GatewayProcess();  // kills the process if still running

  // Starts it and waits up to `timeout_ms` for https://127.0.0.1:PORT/healthz to answer 200,
  // asked with `health_client` (a client certificate when the gateway needs mutual TLS).
  // False (with the log in `error`) when it exits or does not become healthy.
  bool Start(int port, const std::string& ca_file, int timeout_ms = 15000,
             const HttpsOptions& health_client = {});
  // Starts it and returns once it exits (for commands expected to fail at startup).
  CommandResult RunToExit(int timeout_ms = 15000);

  int Terminate(int timeout_ms = 15000);  // SIGTERM; returns the exit status
  void Kill9();                           // SIGKILL, reaps
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::string Log() const;
  std::string error;

 private:
  pid_t Spawn();
  int Wait(int timeout_ms);
  std::string config_path_;
  std::map<std::string, std::string> env_;
  std::string log_path_;
  pid_t pid_ = -1;
};

struct HttpResponse {
  long status = 0;  // 0: no HTTP answer (connection or TLS failure; see `error`)
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error;
};

// A libcurl HTTPS client that verifies the server against `ca_file`.
class HttpsClient {
 public:
  explicit HttpsClient(std::string ca_file, HttpsOptions options = {});
  HttpResponse Get(const std::string& url, const std::string& token = {}) const;
  HttpResponse Post(const std::string& url, const std::string& body, const std::string& token = {},
                    const std::vector<std::string>& headers = {}) const;
  HttpResponse Request(const std::string& method, const std::string& url, const std::string& body,
                       const std::string& token, const std::vector<std::string>& headers) const;

 private:
  std::string ca_file_;
  HttpsOptions options_;
};

// A field of /proc/PID/status in KiB ("VmRSS", "VmHWM"); -1 when absent.
long ProcessStatusKib(pid_t pid, const std::string& field);

// Reads a whole file; empty string when missing.
std::string ReadFileOrEmpty(const std::string& path);

// Waits until `done` holds, checking every 20 ms, for at most `limit`; whether it held. The
// gateway is another process: its answers, files and mails are state to observe, not events
// to subscribe to, so a test polls for the state that proves what it waits for.
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit);

}  // namespace ketenpoort::testing
