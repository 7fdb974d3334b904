#include "tests/harness/harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace ketenpoort::testing {

namespace {

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

// argv/envp arrays for posix_spawn that own their strings.
struct SpawnArgs {
  SpawnArgs(const std::vector<std::string>& args,
            const std::map<std::string, std::string>& extra_env) {
    argv_s = args;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry(*e);
      std::string name = entry.substr(0, entry.find('='));
      if (!extra_env.contains(name))
        env_s.push_back(entry);
    }
    for (const auto& [k, v] : extra_env)
      env_s.push_back(k + "=" + v);
    for (auto& s : argv_s)
      argv.push_back(s.data());
    argv.push_back(nullptr);
    for (auto& s : env_s)
      envp.push_back(s.data());
    envp.push_back(nullptr);
  }
  std::vector<std::string> argv_s, env_s;
  std::vector<char*> argv, envp;
};

pid_t SpawnWithOutput(const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env, const std::string& out_path,
                      const std::string& err_path) {
  SpawnArgs sa(args, env);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, sa.argv[0], &actions, nullptr, sa.argv.data(), sa.envp.data());
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

size_t AppendBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t AppendHeader(char* data, size_t size, size_t n, void* user) {
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
      value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
  }
  return size * n;
}

}  // namespace

std::string KetenpoortBinary() {
  return KP_BINARY;
}

long ProcessStatusKib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0)
      return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TempDir::TempDir() {
  std::string tmpl = "/tmp/kp-test-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

CommandResult RunKetenpoort(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env) {
  TempDir out;
  std::vector<std::string> full{KetenpoortBinary()};
  full.insert(full.end(), args.begin(), args.end());
  pid_t pid = SpawnWithOutput(full, env, out.path() + "/out", out.path() + "/err");
  CommandResult r;
  if (pid < 0) {
    r.err = "cannot start " + KetenpoortBinary();
    return r;
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = DecodeWaitStatus(status);
  r.out = ReadFileOrEmpty(out.path() + "/out");
  r.err = ReadFileOrEmpty(out.path() + "/err");
  return r;
}

CommandResult RunShell(const std::string& command_line) {
  TempDir out;
  pid_t pid = SpawnWithOutput({"/bin/sh", "-c", command_line}, {}, out.path() + "/out",
                              out.path() + "/err");
  CommandResult r;
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = DecodeWaitStatus(status);
  r.out = ReadFileOrEmpty(out.path() + "/out");
  r.err = ReadFileOrEmpty(out.path() + "/err");
  return r;
}

std::unique_ptr<Deployment> Deployment::Create(DeploymentOptions options) {
  auto d = std::unique_ptr<Deployment>(new Deployment());
  d->port_ = options.port != 0 ? options.port : FreeLoopbackPort();
  d->dir_ = d->tmp_.path() + "/deploy";
  std::vector<std::string> args{"init",   "--dir",    d->dir_, "--port", std::to_string(d->port_),
                                "--host", "127.0.0.1"};
  if (options.demo)
    args.push_back("--demo");
  CommandResult r = RunKetenpoort(args);
  if (r.exit_code != 0)
    throw std::runtime_error("ketenpoort init failed: " + r.err);
  return d;
}

namespace {
// A token file's token, without its line end.
std::string ReadToken(const std::string& file) {
  std::string t = ReadFileOrEmpty(file);
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r'))
    t.pop_back();
  return t;
}
}  // namespace

std::string Deployment::Token(const std::string& org) const {
  return ReadToken(dir_ + "/tokens/" + org + ".token");
}

std::string Deployment::WorkspaceToken(const std::string& org) const {
  return ReadToken(dir_ + "/tokens/" + org + ".workspace.token");
}

std::string Deployment::AuditorToken() const {
  return ReadToken(dir_ + "/tokens/shop-denhaag.auditor.token");
}

GatewayProcess::GatewayProcess(std::string config_path, std::map<std::string, std::string> env)
    : config_path_(std::move(config_path)), env_(std::move(env)) {
  log_path_ = config_path_ + ".serve-" + std::to_string(::getpid()) + "-" +
              std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".log";
}

GatewayProcess::~GatewayProcess() {
  if (pid_ > 0)
    Kill9();
  std::error_code ec;
  std::filesystem::remove(log_path_, ec);
}

pid_t GatewayProcess::Spawn() {
  pid_ = SpawnWithOutput({KetenpoortBinary(), "serve", "--config", config_path_}, env_, "/dev/null",
                         log_path_);
  return pid_;
}

int GatewayProcess::Wait(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return DecodeWaitStatus(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

bool GatewayProcess::Start(int port, const std::string& ca_file, int timeout_ms,
                           const HttpsOptions& health_client) {
  if (Spawn() < 0) {
    error = "cannot spawn ketenpoort serve";
    return false;
  }
  HttpsClient client(ca_file, health_client);
  std::string url = "https://127.0.0.1:" + std::to_string(port) + "/healthz";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error =
          "ketenpoort serve exited with " + std::to_string(DecodeWaitStatus(status)) + ": " + Log();
      return false;
    }
    if (client.Get(url).status == 200)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  error = "ketenpoort serve did not become healthy: " + Log();
  return false;
}

CommandResult GatewayProcess::RunToExit(int timeout_ms) {
  CommandResult r;
  if (Spawn() < 0)
    return r;
  r.exit_code = Wait(timeout_ms);
  if (r.exit_code == -1)
    Kill9();
  r.err = Log();
  return r;
}

int GatewayProcess::Terminate(int timeout_ms) {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, SIGTERM);
  int code = Wait(timeout_ms);
  if (code == -1)
    Kill9();
  return code;
}

void GatewayProcess::Kill9() {
  if (pid_ <= 0)
    return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string GatewayProcess::Log() const {
  return ReadFileOrEmpty(log_path_);
}

HttpsClient::HttpsClient(std::string ca_file, HttpsOptions options)
    : ca_file_(std::move(ca_file)), options_(std::move(options)) {}

HttpResponse HttpsClient::Get(const std::string& url, const std::string& token) const {
  return Request("GET", url, "", token, {});
}

HttpResponse HttpsClient::Post(const std::string& url, const std::string& body,
                               const std::string& token,
                               const std::vector<std::string>& headers) const {
  std::vector<std::string> h = headers;
  bool has_type = std::any_of(h.begin(), h.end(), [](const std::string& s) {
    return s.rfind("Content-Type:", 0) == 0 || s.rfind("content-type:", 0) == 0;
  });
  if (!has_type)
    h.push_back("Content-Type: application/json");
  return Request("POST", url, body, token, h);
}

HttpResponse HttpsClient::Request(const std::string& method, const std::string& url,
                                  const std::string& body, const std::string& token,
                                  const std::vector<std::string>& headers) const {
  HttpResponse r;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    r.error = "curl_easy_init failed";
    return r;
  }
  curl_slist* list = nullptr;
  for (const auto& h : headers)
    list = curl_slist_append(list, h.c_str());
  if (!token.empty())
    list = curl_slist_append(list, ("Authorization: Bearer " + token).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file_.c_str());
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method != "GET") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  if (!options_.client_cert.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, options_.client_cert.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, options_.client_key.c_str());
  }
  if (options_.ssl_version != 0)
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, options_.ssl_version);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, AppendHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r.headers);
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  } else {
    r.error = curl_easy_strerror(rc);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return r;
}

}  // namespace ketenpoort::testing
