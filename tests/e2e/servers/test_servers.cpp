#include "tests/e2e/servers/test_servers.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "tests/harness/harness.h"

namespace ketenpoort::testing {

namespace fs = std::filesystem;

std::string SystemPython() {
  return "/usr/bin/python3";
}

std::string TestServerScript(const std::string& name) {
  return std::string(KP_SOURCE_DIR) + "/tests/e2e/servers/" + name;
}

ChildServer::ChildServer() {
  std::string tmpl = "/tmp/kp-srv-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
}

ChildServer::~ChildServer() {
  Stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
  fs::remove(dir_ + ".log", ec);  // the server's stderr, kept beside the folder while it runs
}

bool ChildServer::Launch(const std::vector<std::string>& args, int timeout_ms, int port) {
  port_ = port != 0 ? port : FreeLoopbackPort();
  std::vector<std::string> full = args;
  full.push_back("--port");
  full.push_back(std::to_string(port_));
  full.push_back("--dir");
  full.push_back(dir_);
  const std::string log = dir_ + ".log";
  pid_ = ::fork();
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    std::FILE* f = std::freopen(log.c_str(), "w", stderr);
    (void)f;
    std::vector<char*> argv;
    for (auto& a : full)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(dir_ + "/ready"))
      return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error = "server exited at start: " + ReadFileOrEmpty(log);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  error = "server did not become ready: " + ReadFileOrEmpty(log);
  return false;
}

void ChildServer::Stop() {
  if (pid_ <= 0)
    return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 250; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::vector<nlohmann::json> ChildServer::Received() const {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_)) {
    const std::string n = e.path().filename().string();
    if (n.size() == 9 && n.substr(4) == ".json")
      names.push_back(e.path().string());
  }
  std::sort(names.begin(), names.end());
  std::vector<nlohmann::json> out;
  for (const auto& n : names)
    out.push_back(nlohmann::json::parse(ReadFileOrEmpty(n)));
  return out;
}

std::vector<nlohmann::json> ChildServer::WaitFor(std::size_t count, int timeout_ms) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto got = Received();
  while (got.size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    got = Received();
  }
  return got;
}

bool SmtpSink::Start() {
  std::vector<std::string> args{SystemPython(), TestServerScript("smtp_sink.py")};
  if (options_.tls == Tls::kStartTls) {
    args.insert(args.end(), {"--starttls", options_.cert, options_.key});
  } else if (options_.tls == Tls::kImplicit) {
    args.insert(args.end(), {"--implicit-tls", options_.cert, options_.key});
  }
  if (!options_.auth.empty())
    args.insert(args.end(), {"--auth", options_.auth});
  if (options_.hold_data > 0)
    args.insert(args.end(), {"--hold-data", std::to_string(options_.hold_data), "--hold-timeout",
                             std::to_string(options_.hold_timeout_s)});
  return Launch(args, 15000, options_.port);
}

std::string SmtpSink::url() const {
  return std::string(options_.tls == Tls::kImplicit ? "smtps" : "smtp") +
         "://127.0.0.1:" + std::to_string(port_);
}

bool SmsProvider::Start() {
  std::vector<std::string> args{SystemPython(), TestServerScript("sms_provider.py")};
  if (!token_.empty())
    args.insert(args.end(), {"--token", token_});
  if (fail_status_ != 0)
    args.insert(args.end(), {"--fail", std::to_string(fail_status_)});
  return Launch(args);
}

void MakeTestServerCertificates(const std::string& dir) {
  const std::string cmd =
      "set -e; cd '" + dir +
      "'; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key "
      "-out ca.pem -days 2 -subj '/CN=Test mail CA' 2>/dev/null; "
      "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key "
      "-out server.csr -subj '/CN=localhost' 2>/dev/null; "
      "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > "
      "ext.cnf; openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
      "-out server.pem -days 2 -extfile ext.cnf 2>/dev/null";
  CommandResult r = RunShell(cmd);
  if (r.exit_code != 0)
    throw std::runtime_error("cannot make test certificates: " + r.err);
}

}  // namespace ketenpoort::testing
