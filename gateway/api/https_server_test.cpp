// Starts real HttpsServers on 127.0.0.1 with a throwaway PKI made by the openssl CLI, and talks
// to them with libcurl (verification on).
#include "gateway/api/https_server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gateway/crypto/hash.h"
#include "gateway/crypto/openssl_handles.h"

namespace ketenpoort::api {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// ---- throwaway PKI ------------------------------------------------------------------------

void Run(const std::string& command) {
  int rc = std::system((command + " >/dev/null 2>&1").c_str());
  if (rc != 0)
    throw std::runtime_error("command failed: " + command);
}

struct Pki {
  fs::path dir;
  std::string ca_cert, ca_key, server_cert, server_key, client_cert, client_key;
  std::string other_ca_cert, other_client_cert, other_client_key, leaf_only_file;
};

void MakeCa(const fs::path& dir, const std::string& name, const std::string& cn) {
  std::string d = dir.string() + "/";
  Run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + d + name + ".key");
  Run("openssl req -x509 -new -key " + d + name + ".key -sha256 -days 2 -subj '/CN=" + cn +
      "' -addext 'basicConstraints=critical,CA:TRUE' -addext "
      "'keyUsage=critical,keyCertSign,cRLSign' -out " +
      d + name + ".pem");
}

void MakeLeaf(const fs::path& dir, const std::string& ca, const std::string& name,
              const std::string& cn, const std::string& extensions) {
  std::string d = dir.string() + "/";
  std::ofstream(d + name + ".ext") << extensions;
  Run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + d + name + ".key");
  Run("openssl req -new -key " + d + name + ".key -subj '/CN=" + cn + "' -out " + d + name +
      ".csr");
  Run("openssl x509 -req -in " + d + name + ".csr -CA " + d + ca + ".pem -CAkey " + d + ca +
      ".key -CAcreateserial -days 2 -sha256 -extfile " + d + name + ".ext -out " + d + name +
      ".pem");
}

Pki MakePki() {
  char tmpl[] = "/tmp/kp-api-test-XXXXXX";
  if (mkdtemp(tmpl) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  Pki p;
  p.dir = tmpl;
  MakeCa(p.dir, "ca", "Ketenpoort Test CA");
  MakeCa(p.dir, "other-ca", "Some Other CA");
  MakeLeaf(p.dir, "ca", "server", "localhost",
           "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
           "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n");
  MakeLeaf(p.dir, "ca", "client", "peer-gateway",
           "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
           "extendedKeyUsage=clientAuth\n");
  MakeLeaf(p.dir, "other-ca", "other-client", "intruder",
           "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
           "extendedKeyUsage=clientAuth\n");
  std::string d = p.dir.string() + "/";
  p.ca_cert = d + "ca.pem";
  p.ca_key = d + "ca.key";
  p.server_cert = d + "server.pem";
  p.server_key = d + "server.key";
  p.client_cert = d + "client.pem";
  p.client_key = d + "client.key";
  p.other_ca_cert = d + "other-ca.pem";
  p.other_client_cert = d + "other-client.pem";
  p.other_client_key = d + "other-client.key";
  p.leaf_only_file = d + "server.pem";
  return p;
}

// Test-local stand-in for the keyring: production code never reads a key file here.
struct TestKeyPair {
  ossl::X509Ptr cert;
  ossl::Pkey key;
};

TestKeyPair LoadKeyPair(const std::string& cert_path, const std::string& key_path) {
  TestKeyPair kp;
  ossl::Bio cert_bio(BIO_new_file(cert_path.c_str(), "r"));
  ossl::Bio key_bio(BIO_new_file(key_path.c_str(), "r"));
  if (!cert_bio || !key_bio)
    throw std::runtime_error("cannot open test key pair");
  kp.cert.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  kp.key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!kp.cert || !kp.key)
    throw std::runtime_error("cannot read test key pair");
  return kp;
}

ServerTls::InstallCertificateAndKey Installer(const TestKeyPair& kp) {
  return [&kp](SSL_CTX* ctx) -> Status {
    if (SSL_CTX_use_certificate(ctx, kp.cert.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, kp.key.get()) != 1) {
      return Internal("test_install_failed", "cannot install the test certificate");
    }
    return Ok();
  };
}

// ---- ports -------------------------------------------------------------------------------

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// True when a fresh listening socket (SO_REUSEADDR, as servers use) can take the port.
bool PortIsFree(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && listen(fd, 1) == 0;
  close(fd);
  return ok;
}

// ---- streamed bodies ---------------------------------------------------------------------

// A body of any length made on the fly, so that a 64 MiB transfer needs no 64 MiB string:
// byte i is one byte of a 64-bit mix of (seed, i / 8).
std::uint64_t Mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

void FillPattern(std::uint64_t seed, std::uint64_t offset, char* out, std::size_t n) {
  std::uint64_t word_index = UINT64_MAX;
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t pos = offset + i;
    if (pos / 8 != word_index) {
      word_index = pos / 8;
      word = Mix(word_index ^ (seed << 40));
    }
    out[i] = static_cast<char>(static_cast<std::uint8_t>(word >> ((pos % 8) * 8)));
  }
}

crypto::Digest PatternSha256(std::uint64_t seed, std::uint64_t length) {
  crypto::Sha256Stream h;
  std::vector<char> piece(64 * 1024);
  for (std::uint64_t at = 0; at < length;) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), length - at));
    FillPattern(seed, at, piece.data(), n);
    h.Update(AsBytes(std::string_view(piece.data(), n)));
    at += n;
  }
  return h.Finish();
}

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kUploadLimit = 80 * kMiB;
constexpr std::uint64_t kSmallUploadLimit = 1 * kMiB;

// ---- libcurl client ----------------------------------------------------------------------

struct Fetched {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::map<std::string, std::string, CaseInsensitiveLess> headers;
  std::string tls_version;  // "TLSv1.3", ...
  std::string error;

  json Json() const { return json::parse(body); }
};

// CURLOPT_SSLVERSION values: a minimum or'ed with a maximum (separate enums in curl.h).
constexpr long kOnlyTls12 =
    static_cast<long>(CURL_SSLVERSION_TLSv1_2) | static_cast<long>(CURL_SSLVERSION_MAX_TLSv1_2);
constexpr long kTls10To11 =
    static_cast<long>(CURL_SSLVERSION_TLSv1_0) | static_cast<long>(CURL_SSLVERSION_MAX_TLSv1_1);

struct FetchOptions {
  std::string method = "GET";
  std::string body = {};
  bool send_body = false;
  bool chunked = false;
  std::vector<std::string> headers = {};
  long ssl_version = CURL_SSLVERSION_TLSv1_2;
  std::string ciphers = {};
  std::string client_cert = {};
  std::string client_key = {};
  bool path_as_is = false;
};

struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* up = static_cast<Upload*>(userdata);
  std::size_t n = std::min(size * nitems, up->data->size() - up->offset);
  n = std::min<std::size_t>(n, 16 * 1024);  // several chunks
  std::copy_n(up->data->data() + up->offset, n, buffer);
  up->offset += n;
  return n;
}

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  static_cast<std::string*>(userdata)->append(ptr, size * nmemb);
  return size * nmemb;
}

struct HeaderSink {
  CURL* curl;
  Fetched* out;
};

size_t WriteHeader(char* ptr, size_t size, size_t nitems, void* userdata) {
  auto* sink = static_cast<HeaderSink*>(userdata);
  std::string line(ptr, size * nitems);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' '))
      value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
      value.pop_back();
    sink->out->headers[line.substr(0, colon)] = value;
  }
  if (sink->out->tls_version.empty()) {
    curl_tlssessioninfo* info = nullptr;
    if (curl_easy_getinfo(sink->curl, CURLINFO_TLS_SSL_PTR, &info) == CURLE_OK && info &&
        info->backend == CURLSSLBACKEND_OPENSSL && info->internals) {
      sink->out->tls_version = SSL_get_version(static_cast<SSL*>(info->internals));
    }
  }
  return size * nitems;
}

// A transfer whose bodies are never held whole: the upload is pattern bytes made as curl asks
// for them, the download is hashed as it arrives (its first 64 KiB kept, for JSON answers).
struct StreamOptions {
  std::string method = "GET";
  std::vector<std::string> headers = {};
  std::uint64_t upload_bytes = 0;  // with send_body or chunked
  bool send_body = false;          // with Content-Length
  bool chunked = false;
  std::uint64_t seed = 1;
  std::uint64_t abort_upload_at = UINT64_MAX;    // the upload stops (curl aborts) here
  std::uint64_t abort_download_at = UINT64_MAX;  // the client hangs up after this much
  std::uint64_t pause_download_at = UINT64_MAX;  // the client stops reading here for `pause`
  std::chrono::milliseconds pause{0};
  std::atomic<std::uint64_t>* progress = nullptr;  // bytes downloaded so far, for other threads
  bool small_receive_buffer = false;  // a fixed 256 KiB socket receive buffer (no autotuning)
};

struct Streamed {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::uint64_t bytes = 0;  // downloaded
  crypto::Digest sha256{};
  std::string body;  // the first 64 KiB
  std::map<std::string, std::string, CaseInsensitiveLess> headers;
  std::string error;

  json Json() const { return json::parse(body); }
};

struct StreamState {
  const StreamOptions* o;
  Streamed* out;
  std::uint64_t sent = 0;
  crypto::Sha256Stream hash{};
  bool paused = false;
};

int FixReceiveBuffer(void*, curl_socket_t fd, curlsocktype) {
  int size = 256 * 1024;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  return CURL_SOCKOPT_OK;
}

size_t ReadPattern(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* s = static_cast<StreamState*>(userdata);
  if (s->sent >= s->o->abort_upload_at)
    return CURL_READFUNC_ABORT;
  std::uint64_t end = std::min(s->o->upload_bytes, s->o->abort_upload_at);
  std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(size * nitems, end - s->sent));
  FillPattern(s->o->seed, s->sent, buffer, n);
  s->sent += n;
  return n;
}

size_t WriteHashed(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* s = static_cast<StreamState*>(userdata);
  const std::size_t n = size * nmemb;
  if (s->out->bytes >= s->o->abort_download_at)
    return 0;  // curl hangs up (CURLE_WRITE_ERROR)
  s->hash.Update(AsBytes(std::string_view(ptr, n)));
  if (s->out->body.size() < 64 * 1024)
    s->out->body.append(ptr, std::min<std::size_t>(n, 64 * 1024 - s->out->body.size()));
  s->out->bytes += n;
  if (s->o->progress)
    *s->o->progress = s->out->bytes;
  if (!s->paused && s->out->bytes >= s->o->pause_download_at) {
    s->paused = true;
    std::this_thread::sleep_for(s->o->pause);  // the stall is the behaviour under test
  }
  return n;
}

class Client {
 public:
  explicit Client(std::string ca_file) : ca_file_(std::move(ca_file)), curl_(curl_easy_init()) {}
  ~Client() { curl_easy_cleanup(curl_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Fetched Fetch(const std::string& url, const FetchOptions& o = {}) {
    Fetched out;
    CURL* c = curl_;
    curl_easy_reset(c);
    char error[CURL_ERROR_SIZE] = {};
    HeaderSink sink{c, &out};
    Upload upload{&o.body};
    curl_slist* headers = curl_slist_append(nullptr, "Expect:");
    for (const auto& h : o.headers)
      headers = curl_slist_append(headers, h.c_str());
    if (o.chunked)
      headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CAINFO, ca_file_.c_str());
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, o.ssl_version);
    if (!o.ciphers.empty())
      curl_easy_setopt(c, CURLOPT_SSL_CIPHER_LIST, o.ciphers.c_str());
    if (!o.client_cert.empty()) {
      curl_easy_setopt(c, CURLOPT_SSLCERT, o.client_cert.c_str());
      curl_easy_setopt(c, CURLOPT_SSLKEY, o.client_key.c_str());
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o.method.c_str());
    if (o.send_body || o.chunked) {
      curl_easy_setopt(c, CURLOPT_POST, 1L);
      curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadUpload);
      curl_easy_setopt(c, CURLOPT_READDATA, &upload);
      if (!o.chunked) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(o.body.size()));
      }
    }
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, o.path_as_is ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, WriteHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    out.code = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
    out.error = error;
    curl_slist_free_all(headers);
    return out;
  }

  Streamed Stream(const std::string& url, const StreamOptions& o) {
    Streamed out;
    CURL* c = curl_;
    curl_easy_reset(c);
    char error[CURL_ERROR_SIZE] = {};
    Fetched head;
    HeaderSink sink{c, &head};
    StreamState state{&o, &out};
    curl_slist* headers = curl_slist_append(nullptr, "Expect:");
    for (const auto& h : o.headers)
      headers = curl_slist_append(headers, h.c_str());
    if (o.chunked)
      headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CAINFO, ca_file_.c_str());
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o.method.c_str());
    if (o.send_body || o.chunked) {
      curl_easy_setopt(c, CURLOPT_POST, 1L);
      curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadPattern);
      curl_easy_setopt(c, CURLOPT_READDATA, &state);
      if (!o.chunked) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(o.upload_bytes));
      }
    }
    if (o.small_receive_buffer)
      curl_easy_setopt(c, CURLOPT_SOCKOPTFUNCTION, FixReceiveBuffer);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteHashed);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &state);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, WriteHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    out.code = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
    out.error = error;
    out.headers = std::move(head.headers);
    out.sha256 = state.hash.Finish();
    curl_slist_free_all(headers);
    return out;
  }

 private:
  std::string ca_file_;
  CURL* curl_;
};

// ---- fixture -----------------------------------------------------------------------------

// What the upload routes' sinks did, across the server's worker threads.
struct UploadLog {
  std::atomic<int> opened{0};
  std::atomic<int> finished{0};
  std::atomic<int> destroyed{0};
  std::atomic<std::size_t> largest_write{0};
  std::mutex mu;
  crypto::Digest digest{};
  std::uint64_t bytes = 0;
  std::string org;
};

// Hashes what it is given; fails its Write once more than `fail_after` bytes arrived.
class HashingSink : public BodySink {
 public:
  HashingSink(UploadLog* log, std::string org, std::uint64_t fail_after)
      : log_(log), org_(std::move(org)), fail_after_(fail_after) {}
  ~HashingSink() override { ++log_->destroyed; }

  Status Write(std::string_view bytes) override {
    std::size_t largest = log_->largest_write.load();
    while (bytes.size() > largest &&
           !log_->largest_write.compare_exchange_weak(largest, bytes.size()))
      ;
    bytes_ += bytes.size();
    if (bytes_ > fail_after_)
      return Refused("attachment_rejected", "the attachment cannot be stored");
    hash_.Update(AsBytes(bytes));
    return Ok();
  }

  Response Finish() override {
    ++log_->finished;
    std::lock_guard lock(log_->mu);
    log_->digest = hash_.Finish();
    log_->bytes = bytes_;
    log_->org = org_;
    return Response::Json(201, {{"bytes", bytes_}});
  }

 private:
  UploadLog* log_;
  std::string org_;
  std::uint64_t fail_after_;
  std::uint64_t bytes_ = 0;
  crypto::Sha256Stream hash_;
};

// What the download route's sources did.
struct DownloadLog {
  std::atomic<int> live{0};
  std::atomic<std::uint64_t> produced{0};
};

// `length` pattern bytes; fails with an error at `fail_at`.
class PatternSource : public BodySource {
 public:
  PatternSource(DownloadLog* log, std::uint64_t seed, std::uint64_t length, std::uint64_t fail_at)
      : log_(log), seed_(seed), length_(length), fail_at_(fail_at) {
    ++log_->live;
  }
  ~PatternSource() override { --log_->live; }

  Result<std::size_t> Read(std::span<char> buffer) override {
    if (at_ >= fail_at_)
      return Internal("attachment_unreadable", "the attachment cannot be read");
    std::uint64_t end = std::min(length_, fail_at_);
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), end - at_));
    FillPattern(seed_, at_, buffer.data(), n);
    at_ += n;
    log_->produced += n;
    return n;
  }

 private:
  DownloadLog* log_;
  std::uint64_t seed_;
  std::uint64_t length_;
  std::uint64_t fail_at_;
  std::uint64_t at_ = 0;
};

std::uint64_t QueryNumber(const Request& r, const std::string& name, std::uint64_t otherwise) {
  auto it = r.query.find(name);
  return it == r.query.end() ? otherwise : std::stoull(it->second);
}

// The /slow route's handler: it says it has entered, then holds its worker until the test
// releases it, so a test can act while a request is in flight without guessing how long that is.
class HeldHandler {
 public:
  void Hold() {
    std::unique_lock lock(mu_);
    ++entered_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return released_; });
  }
  // Whether a request entered the handler within `limit`.
  bool WaitEntered(std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, limit, [this] { return entered_ > 0; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int entered_ = 0;
  bool released_ = false;
};

// Waits up to `limit` for `done`; true when it happened.
template <typename F>
bool Eventually(F done, std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

Result<Principal> TestAuthenticate(std::string_view token, const Request&) {
  if (token == "sender-token")
    return Principal{1, "shop-denhaag", Role::kSender, ""};
  if (token == "auditor-token")
    return Principal{2, "comensha", Role::kAuditor, ""};
  return Unauthenticated("token not recognised");
}

// A client in a thread of its own that downloads `bytes` of /v1/files/x and stops reading at
// 1 MiB for `pause`. Start returns once that first MiB has arrived; Join waits for the end.
class PausedDownload {
 public:
  void Start(const std::string& ca_cert, const std::string& url, std::uint64_t bytes,
             std::chrono::milliseconds pause, bool small_receive_buffer = false) {
    thread_ = std::thread([this, ca_cert, url, bytes, pause, small_receive_buffer] {
      Client c(ca_cert);
      result_ = c.Stream(url + "/v1/files/x?bytes=" + std::to_string(bytes),
                         {.pause_download_at = 1 * kMiB,
                          .pause = pause,
                          .progress = &received_,
                          .small_receive_buffer = small_receive_buffer});
    });
    started_ = Eventually([this] { return received_ >= 1 * kMiB; });
  }
  bool started() const { return started_; }
  std::uint64_t received() const { return received_.load(); }
  const Streamed& Join() {
    thread_.join();
    return result_;
  }
  ~PausedDownload() {
    if (thread_.joinable())
      thread_.join();
  }

 private:
  std::thread thread_;
  std::atomic<std::uint64_t> received_{0};
  Streamed result_;
  bool started_ = false;
};

class HttpsServerTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pki_ = new Pki(MakePki());
    server_pair_ = new TestKeyPair(LoadKeyPair(pki_->server_cert, pki_->server_key));
    other_pair_ = new TestKeyPair(LoadKeyPair(pki_->other_client_cert, pki_->other_client_key));
  }
  static void TearDownTestSuite() {
    fs::remove_all(pki_->dir);
    delete other_pair_;
    delete server_pair_;
    delete pki_;
  }

  HttpsServerTest() {
    router_.Add("GET", "/healthz", Access::Public(), [](Request&) {
      return Response::Json(200, {{"status", "ok"}});
    });
    router_.Add("GET", "/v1/whoami", Access::AnyToken(), [](Request& r) {
      return Response::Json(200, {{"org", r.principal->org},
                                  {"remote", r.remote_address},
                                  {"request_id", r.request_id},
                                  {"query", r.query}});
    });
    router_.Add("GET", "/v1/messages/{id}", Access::AnyToken(), [](Request& r) {
      return Response::Json(200, {{"id", r.params.at("id")}});
    });
    router_.Add("POST", "/v1/messages", Access::Roles({Role::kSender}), [](Request& r) {
      auto body = ParseJsonBody(r);
      if (!body)
        return Response::FromError(body.error());
      return Response::Json(202, {{"kind", body->value("kind", "")}});
    });
    router_.Add("POST", "/upload", Access::Public(), [](Request& r) {
      return Response::Json(200, {{"bytes", r.body.size()}});
    });
    router_.Add("GET", "/boom", Access::Public(),
                [](Request&) -> Response { throw std::runtime_error("secret detail"); });
    router_.Add("GET", "/slow", Access::Public(), [this](Request&) {
      slow_.Hold();
      return Response::Json(200, {{"slow", true}});
    });
    // Uploads: "/v1/files/fail-write" fails its Write past 512 KiB.
    router_.AddUpload("PUT", "/v1/files/{name}", Access::Roles({Role::kSender}), kUploadLimit,
                      [this](Request& r) -> Result<std::unique_ptr<BodySink>> {
                        ++uploads_.opened;
                        std::uint64_t fail_after =
                            r.params.at("name") == "fail-write" ? 512 * 1024 : UINT64_MAX;
                        return std::unique_ptr<BodySink>(
                            std::make_unique<HashingSink>(&uploads_, r.principal->org, fail_after));
                      });
    router_.AddUpload("PUT", "/v1/small-files/{name}", Access::AnyToken(), kSmallUploadLimit,
                      [this](Request& r) -> Result<std::unique_ptr<BodySink>> {
                        ++uploads_.opened;
                        return std::unique_ptr<BodySink>(
                            std::make_unique<HashingSink>(&uploads_, r.principal->org, UINT64_MAX));
                      });
    // Downloads: ?bytes=N promised; the source has `has` bytes (default N) and fails at
    // `fail_at`.
    router_.Add("GET", "/v1/files/{name}", Access::Public(), [this](Request& r) {
      Response out;
      out.content_type = "application/octet-stream";
      out.stream_length = QueryNumber(r, "bytes", 0);
      out.stream = std::make_shared<PatternSource>(&downloads_, QueryNumber(r, "seed", 1),
                                                   QueryNumber(r, "has", out.stream_length),
                                                   QueryNumber(r, "fail_at", UINT64_MAX));
      return out;
    });
  }

  // A test that failed before releasing /slow must not leave the server's Stop waiting on it.
  ~HttpsServerTest() override { slow_.Release(); }

  HttpsServer::Config BaseConfig() {
    HttpsServer::Config c;
    c.host = "127.0.0.1";
    c.port = FreeLoopbackPort();
    c.install_certificate_and_key = Installer(*server_pair_);
    c.authenticate = TestAuthenticate;
    c.max_body_bytes = 64 * 1024;
    return c;
  }

  // Starts a server (replacing any earlier one) and returns its base URL.
  std::string Serve(HttpsServer::Config c) {
    port_ = c.port;
    server_ = std::make_unique<HttpsServer>(std::move(c));
    Status s = server_->Start(router_);
    if (!s) {
      ADD_FAILURE() << s.error().ToString();
      return "";
    }
    return "https://127.0.0.1:" + std::to_string(port_);
  }
  std::string Serve() { return Serve(BaseConfig()); }

  static Pki* pki_;
  static TestKeyPair* server_pair_;
  static TestKeyPair* other_pair_;
  UploadLog uploads_;  // outlive the server, whose requests use them
  DownloadLog downloads_;
  HeldHandler slow_;
  Router router_;
  std::unique_ptr<HttpsServer> server_;
  int port_ = 0;
  Client client_{pki_->ca_cert};
};

Pki* HttpsServerTest::pki_ = nullptr;
TestKeyPair* HttpsServerTest::server_pair_ = nullptr;
TestKeyPair* HttpsServerTest::other_pair_ = nullptr;

void ExpectError(const Fetched& f, long status, const std::string& code) {
  EXPECT_EQ(f.code, CURLE_OK) << f.error;
  EXPECT_EQ(f.status, status) << f.body;
  ASSERT_TRUE(json::accept(f.body)) << f.body;
  json j = f.Json();
  EXPECT_EQ(j["error"]["code"], code) << f.body;
  EXPECT_TRUE(j["error"]["message"].is_string()) << f.body;
}

// ---- tests -------------------------------------------------------------------------------

TEST_F(HttpsServerTest, PublicRouteServesJsonWithSecurityHeaders) {
  std::string url = Serve();
  Fetched f = client_.Fetch(url + "/healthz");
  ASSERT_EQ(f.code, CURLE_OK) << f.error;
  EXPECT_EQ(f.status, 200);
  EXPECT_EQ(f.Json(), (json{{"status", "ok"}}));
  EXPECT_EQ(f.headers["Content-Type"], "application/json");
  EXPECT_EQ(f.headers["Strict-Transport-Security"], "max-age=31536000");
  EXPECT_EQ(f.headers["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(f.headers["Cache-Control"], "no-store");
  EXPECT_GE(f.headers["X-Request-Id"].size(), 16u);
  Fetched g = client_.Fetch(url + "/healthz");
  EXPECT_NE(f.headers["X-Request-Id"], g.headers["X-Request-Id"]);
}

TEST_F(HttpsServerTest, UnknownRouteIs404InApiShapeWithSecurityHeaders) {
  std::string url = Serve();
  Fetched f = client_.Fetch(url + "/v1/nope");
  ExpectError(f, 404, "not_found");
  EXPECT_EQ(f.headers["Cache-Control"], "no-store");
  EXPECT_EQ(f.headers["X-Content-Type-Options"], "nosniff");
}

TEST_F(HttpsServerTest, WrongMethodIs405WithAllow) {
  std::string url = Serve();
  Fetched f = client_.Fetch(url + "/healthz", {.method = "DELETE"});
  ExpectError(f, 405, "method_not_allowed");
  EXPECT_EQ(f.headers["Allow"], "GET");
}

TEST_F(HttpsServerTest, TokensAndRoles) {
  std::string url = Serve();
  Fetched none = client_.Fetch(url + "/v1/whoami");
  ExpectError(none, 401, "unauthenticated");
  EXPECT_EQ(none.headers["WWW-Authenticate"].rfind("Bearer", 0), 0u);

  Fetched bad = client_.Fetch(url + "/v1/whoami", {.headers = {"Authorization: Bearer nope"}});
  ExpectError(bad, 401, "unauthenticated");
  EXPECT_EQ(bad.headers["WWW-Authenticate"].rfind("Bearer", 0), 0u);

  Fetched ok = client_.Fetch(url + "/v1/whoami?after=a%2Bb&limit=5",
                             {.headers = {"Authorization: Bearer sender-token"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Json()["org"], "shop-denhaag");
  EXPECT_EQ(ok.Json()["remote"], "127.0.0.1");
  EXPECT_EQ(ok.Json()["request_id"], ok.headers["X-Request-Id"]);
  EXPECT_EQ(ok.Json()["query"], (json{{"after", "a+b"}, {"limit", "5"}}));

  Fetched forbidden = client_.Fetch(
      url + "/v1/messages",
      {.method = "POST",
       .body = R"({"kind":"signal"})",
       .send_body = true,
       .headers = {"Authorization: Bearer auditor-token", "Content-Type: application/json"}});
  ExpectError(forbidden, 403, "forbidden");
}

TEST_F(HttpsServerTest, PathParamsAreDecodedAndBadPathsRefused) {
  std::string url = Serve();
  const std::string auth = "Authorization: Bearer sender-token";
  Fetched f = client_.Fetch(url + "/v1/messages/01HX%2D7", {.headers = {auth}});
  ASSERT_EQ(f.status, 200) << f.body;
  EXPECT_EQ(f.Json()["id"], "01HX-7");
  for (const char* path :
       {"/v1/messages/..", "/v1/messages/%2e%2e", "/v1/messages/a%00b", "/v1/../healthz"}) {
    ExpectError(client_.Fetch(url + path, {.headers = {auth}, .path_as_is = true}), 400,
                "invalid_path");
  }
  ExpectError(client_.Fetch(url + "/v1/whoami?a=1&a=2", {.headers = {auth}}), 400,
              "duplicate_query_parameter");
}

TEST_F(HttpsServerTest, MalformedJsonIs400AndServerKeepsServing) {
  std::string url = Serve();
  FetchOptions post{
      .method = "POST",
      .body = R"({"kind": "secret-subject", )",
      .send_body = true,
      .headers = {"Authorization: Bearer sender-token", "Content-Type: application/json"}};
  Fetched bad = client_.Fetch(url + "/v1/messages", post);
  ExpectError(bad, 400, "malformed_json");
  EXPECT_EQ(bad.body.find("secret"), std::string::npos);
  EXPECT_NE(bad.Json()["error"]["message"].get<std::string>().find("byte"), std::string::npos);

  post.body = R"({"kind": "signal"})";
  Fetched good = client_.Fetch(url + "/v1/messages", post);
  EXPECT_EQ(good.status, 202) << good.body;
  EXPECT_EQ(good.Json()["kind"], "signal");

  post.headers = {"Authorization: Bearer sender-token", "Content-Type: text/plain"};
  ExpectError(client_.Fetch(url + "/v1/messages", post), 400, "unsupported_media_type");
}

TEST_F(HttpsServerTest, HandlerExceptionIsGeneric500) {
  std::string url = Serve();
  Fetched f = client_.Fetch(url + "/boom");
  ExpectError(f, 500, "internal_error");
  EXPECT_EQ(f.body.find("secret detail"), std::string::npos);
  EXPECT_EQ(client_.Fetch(url + "/healthz").status, 200);
}

TEST_F(HttpsServerTest, BodyAtTheLimitIsAccepted) {
  std::string url = Serve();
  std::string body(64 * 1024, 'x');
  Fetched f = client_.Fetch(url + "/upload", {.method = "POST", .body = body, .send_body = true});
  ASSERT_EQ(f.status, 200) << f.error << f.body;
  EXPECT_EQ(f.Json()["bytes"], 64 * 1024);
  Fetched chunked =
      client_.Fetch(url + "/upload", {.method = "POST", .body = body, .chunked = true});
  ASSERT_EQ(chunked.status, 200) << chunked.error << chunked.body;
  EXPECT_EQ(chunked.Json()["bytes"], 64 * 1024);
}

TEST_F(HttpsServerTest, BodyOverLimitWithContentLengthIs413) {
  std::string url = Serve();
  std::string body(100 * 1024, 'x');
  Fetched f = client_.Fetch(url + "/upload", {.method = "POST", .body = body, .send_body = true});
  ExpectError(f, 413, "body_too_large");
  EXPECT_EQ(f.headers["Connection"], "close");
  EXPECT_EQ(client_.Fetch(url + "/healthz").status, 200);
}

TEST_F(HttpsServerTest, BodyOverLimitWithChunkedEncodingIs413) {
  std::string url = Serve();
  std::string body(100 * 1024, 'x');
  Fetched f = client_.Fetch(url + "/upload", {.method = "POST", .body = body, .chunked = true});
  ExpectError(f, 413, "body_too_large");
  EXPECT_EQ(client_.Fetch(url + "/healthz").status, 200);
}

TEST_F(HttpsServerTest, FarOversizedBodyIsCutOffAndServerSurvives) {
  std::string url = Serve();
  std::string body(8 * 1024 * 1024, 'x');
  for (bool chunked : {false, true}) {
    Fetched f =
        client_.Fetch(url + "/upload",
                      {.method = "POST", .body = body, .send_body = !chunked, .chunked = chunked});
    // Either the client read the 413 before the connection was cut, or it saw the cut.
    if (f.code == CURLE_OK) {
      EXPECT_EQ(f.status, 413) << f.body;
    }
    EXPECT_EQ(client_.Fetch(url + "/healthz").status, 200);
  }
}

TEST_F(HttpsServerTest, BadFramingIs400) {
  std::string url = Serve();
  Fetched f = client_.Fetch(
      url + "/upload",
      {.method = "POST", .body = "abc", .send_body = true, .headers = {"Transfer-Encoding: gzip"}});
  EXPECT_EQ(f.status, 400) << f.body;
  EXPECT_EQ(client_.Fetch(url + "/healthz").status, 200);
}

TEST_F(HttpsServerTest, Tls12AndTls13WorkTls11IsRefused) {
  std::string url = Serve();
  Fetched v12 = client_.Fetch(url + "/healthz", {.ssl_version = kOnlyTls12});
  ASSERT_EQ(v12.code, CURLE_OK) << v12.error;
  EXPECT_EQ(v12.tls_version, "TLSv1.2");

  Fetched v13 = client_.Fetch(url + "/healthz", {.ssl_version = CURL_SSLVERSION_TLSv1_3});
  ASSERT_EQ(v13.code, CURLE_OK) << v13.error;
  EXPECT_EQ(v13.tls_version, "TLSv1.3");

  Fetched preferred = client_.Fetch(url + "/healthz", {.ssl_version = CURL_SSLVERSION_TLSv1_2});
  EXPECT_EQ(preferred.tls_version, "TLSv1.3");

  // SECLEVEL=0 makes the client really offer TLS 1.0/1.1, so the refusal is the server's.
  Fetched v11 = client_.Fetch(url + "/healthz",
                              {.ssl_version = kTls10To11, .ciphers = "DEFAULT:@SECLEVEL=0"});
  EXPECT_NE(v11.code, CURLE_OK);
  EXPECT_EQ(v11.status, 0);
  EXPECT_NE(v11.error.find("protocol version"), std::string::npos) << v11.error;
}

TEST_F(HttpsServerTest, Tls12OffersOnlyForwardSecretAeadSuites) {
  std::string url = Serve();
  const long v12 = kOnlyTls12;
  Fetched chacha = client_.Fetch(url + "/healthz",
                                 {.ssl_version = v12, .ciphers = "ECDHE-ECDSA-CHACHA20-POLY1305"});
  EXPECT_EQ(chacha.code, CURLE_OK) << chacha.error;
  Fetched gcm = client_.Fetch(url + "/healthz",
                              {.ssl_version = v12, .ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256"});
  EXPECT_EQ(gcm.code, CURLE_OK) << gcm.error;
  Fetched cbc = client_.Fetch(
      url + "/healthz",
      {.ssl_version = v12, .ciphers = "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA"});
  EXPECT_NE(cbc.code, CURLE_OK);
}

TEST_F(HttpsServerTest, OpensslSClientCannotNegotiateTls11) {
  std::string url = Serve();
  std::string common = "openssl s_client -connect 127.0.0.1:" + std::to_string(port_) +
                       " -servername localhost -CAfile " + pki_->ca_cert +
                       " -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >/dev/null 2>&1";
  EXPECT_NE(
      std::system(("timeout 10 " + common.substr(0, 17) + "-tls1_1 " + common.substr(17)).c_str()),
      0);
  EXPECT_EQ(
      std::system(("timeout 10 " + common.substr(0, 17) + "-tls1_2 " + common.substr(17)).c_str()),
      0);
}

TEST_F(HttpsServerTest, MutualTlsRequiresAClientCertificateFromTheCa) {
  HttpsServer::Config c = BaseConfig();
  c.client_ca_file = pki_->ca_cert;
  std::string url = Serve(std::move(c));

  Fetched anonymous = client_.Fetch(url + "/healthz");
  EXPECT_NE(anonymous.code, CURLE_OK);
  EXPECT_EQ(anonymous.status, 0);

  Fetched trusted = client_.Fetch(
      url + "/healthz", {.client_cert = pki_->client_cert, .client_key = pki_->client_key});
  ASSERT_EQ(trusted.code, CURLE_OK) << trusted.error;
  EXPECT_EQ(trusted.status, 200);

  Fetched v12 = client_.Fetch(url + "/healthz", {.ssl_version = kOnlyTls12,
                                                 .client_cert = pki_->client_cert,
                                                 .client_key = pki_->client_key});
  EXPECT_EQ(v12.status, 200) << v12.error;

  Fetched stranger = client_.Fetch(url + "/healthz", {.client_cert = pki_->other_client_cert,
                                                      .client_key = pki_->other_client_key});
  EXPECT_NE(stranger.code, CURLE_OK);
  EXPECT_EQ(stranger.status, 0);
}

TEST_F(HttpsServerTest, WithoutClientCaNoCertificateIsRequested) {
  std::string url = Serve();
  Fetched with_cert = client_.Fetch(url + "/healthz", {.client_cert = pki_->other_client_cert,
                                                       .client_key = pki_->other_client_key});
  EXPECT_EQ(with_cert.status, 200) << with_cert.error;
}

TEST_F(HttpsServerTest, StartReportsBadSetups) {
  HttpsServer::Config missing_ca = BaseConfig();
  missing_ca.client_ca_file = pki_->dir.string() + "/nope.pem";
  auto s = HttpsServer(std::move(missing_ca)).Start(router_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "file_not_found");

  HttpsServer::Config leaf_as_ca = BaseConfig();
  leaf_as_ca.client_ca_file = pki_->leaf_only_file;
  s = HttpsServer(std::move(leaf_as_ca)).Start(router_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "invalid_client_ca");

  HttpsServer::Config failing = BaseConfig();
  failing.install_certificate_and_key = [](SSL_CTX*) -> Status {
    return NotFound("key_not_found", "no key 'tls'");
  };
  s = HttpsServer(std::move(failing)).Start(router_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "key_not_found");

  HttpsServer::Config mismatched = BaseConfig();
  mismatched.install_certificate_and_key = [](SSL_CTX* ctx) -> Status {
    SSL_CTX_use_certificate(ctx, server_pair_->cert.get());
    SSL_CTX_use_PrivateKey(ctx, other_pair_->key.get());
    return Ok();
  };
  s = HttpsServer(std::move(mismatched)).Start(router_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "tls_setup_failed");

  HttpsServer::Config no_threads = BaseConfig();
  no_threads.worker_threads = 0;
  EXPECT_EQ(HttpsServer(std::move(no_threads)).Start(router_).error().code, "invalid_thread_count");
  HttpsServer::Config tiny_head = BaseConfig();
  tiny_head.max_header_bytes = 10;
  EXPECT_EQ(HttpsServer(std::move(tiny_head)).Start(router_).error().code, "invalid_header_limit");
}

TEST_F(HttpsServerTest, PortZeroPicksAFreePortAndIpv6LiteralsServe) {
  HttpsServer::Config any = BaseConfig();
  any.port = 0;
  HttpsServer picked(std::move(any));
  ASSERT_TRUE(picked.Start(router_).ok());
  ASSERT_GT(picked.port(), 0);
  EXPECT_EQ(client_.Fetch("https://127.0.0.1:" + std::to_string(picked.port()) + "/healthz").status,
            200);
  picked.Stop();
  EXPECT_EQ(picked.port(), 0);

  HttpsServer::Config v6 = BaseConfig();
  v6.host = "::1";
  v6.port = 0;
  HttpsServer six(std::move(v6));
  Status started = six.Start(router_);
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  Fetched f = client_.Fetch("https://[::1]:" + std::to_string(six.port()) + "/healthz");
  EXPECT_EQ(f.status, 200) << f.code;
}

TEST_F(HttpsServerTest, AddressInUseIsAClearError) {
  int port = FreeLoopbackPort();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  HttpsServer::Config c = BaseConfig();
  c.port = port;
  HttpsServer server(std::move(c));
  Status s = server.Start(router_);
  close(fd);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(s.error().code, "listen_failed");
  EXPECT_NE(s.error().message.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << s.error().message;
  EXPECT_NE(s.error().message.find("in use"), std::string::npos) << s.error().message;
}

TEST_F(HttpsServerTest, StopWhileIdleReturnsAndReleasesThePort) {
  std::string url = Serve();
  ASSERT_EQ(client_.Fetch(url + "/healthz").status, 200);  // leaves a keep-alive connection
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  server_->Stop();  // idempotent
  EXPECT_TRUE(PortIsFree(port_));
  Client fresh(pki_->ca_cert);
  EXPECT_EQ(fresh.Fetch(url + "/healthz").code, CURLE_COULDNT_CONNECT);

  // The same port serves again.
  HttpsServer::Config again = BaseConfig();
  again.port = port_;
  EXPECT_EQ(client_.Fetch(Serve(std::move(again)) + "/healthz").status, 200);
}

// Two servers in one process are independent: stopping one releases its port at once and
// leaves the other serving.
TEST_F(HttpsServerTest, StoppingOneOfTwoServersIsSafe) {
  std::string first = Serve();
  HttpsServer::Config c = BaseConfig();
  const int second_port = c.port;
  const std::string second = "https://127.0.0.1:" + std::to_string(second_port);
  auto other = std::make_unique<HttpsServer>(std::move(c));
  ASSERT_TRUE(other->Start(router_).ok());
  ASSERT_EQ(client_.Fetch(second + "/healthz").status, 200);
  other->Stop();
  other.reset();
  EXPECT_TRUE(PortIsFree(second_port));

  Client fresh(pki_->ca_cert);
  Fetched refused = fresh.Fetch(second + "/healthz");
  EXPECT_NE(refused.code, CURLE_OK);  // handshake refused (or nothing listening)
  EXPECT_EQ(fresh.Fetch(first + "/healthz").status, 200);

  server_->Stop();  // the last one: now every port is released
  EXPECT_TRUE(PortIsFree(port_));
  EXPECT_TRUE(PortIsFree(second_port));
}

TEST_F(HttpsServerTest, NonBlockingRoutesAreAnsweredWhileEveryWorkerIsBusy) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  router_.Add("GET", "/v1/hold", Access::Public(), [&entered, released](Request&) {
    entered.set_value();
    released.wait();
    return Response::Json(200, {{"held", true}});
  });
  router_.Add(
      "GET", "/v1/quick", Access::AnyToken(),
      [](Request& r) {
        return Response::Json(200, {{"org", r.principal->org}});
      },
      HandlerCost::kNonBlocking);
  HttpsServer::Config c = BaseConfig();
  c.worker_threads = 1;
  std::atomic<int> cache_asked{0};
  c.authenticate_cached = [&cache_asked](std::string_view token,
                                         const Request&) -> std::optional<Principal> {
    ++cache_asked;
    if (token == "sender-token")
      return Principal{1, "shop-denhaag", Role::kSender, ""};
    return std::nullopt;
  };
  std::string url = Serve(c);

  Fetched held;
  std::thread holder([&] {
    Client c2(pki_->ca_cert);
    held = c2.Fetch(url + "/v1/hold");
  });
  entered.get_future().wait();  // the one worker is now busy until `release`

  // Answered on the I/O thread although no worker is free.
  FetchOptions with_token;
  with_token.headers = {"Authorization: Bearer sender-token"};
  Fetched quick = client_.Fetch(url + "/v1/quick", with_token);
  EXPECT_EQ(quick.status, 200) << quick.body;
  EXPECT_EQ(quick.Json()["org"], "shop-denhaag");
  EXPECT_GE(cache_asked, 1);
  // Routing refusals need no worker either.
  EXPECT_EQ(client_.Fetch(url + "/v1/nowhere").status, 404);

  release.set_value();
  holder.join();
  EXPECT_EQ(held.status, 200);
  // A token the cache does not know takes the full path, through the worker.
  FetchOptions auditor;
  auditor.headers = {"Authorization: Bearer auditor-token"};
  Fetched full = client_.Fetch(url + "/v1/quick", auditor);
  EXPECT_EQ(full.status, 200) << full.body;
  EXPECT_EQ(full.Json()["org"], "comensha");
}

TEST_F(HttpsServerTest, StopLetsRequestsInFlightFinish) {
  std::string url = Serve();
  Fetched slow;
  std::thread t([&] {
    Client c(pki_->ca_cert);
    slow = c.Fetch(url + "/slow");
  });
  ASSERT_TRUE(slow_.WaitEntered());
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server_->Stop();
    stopped = true;
  });
  // Stop closes the listener first, then waits for /slow.
  EXPECT_TRUE(Eventually([&] { return PortIsFree(port_); }));
  Client fresh(pki_->ca_cert);
  Fetched late = fresh.Fetch(url + "/healthz");
  EXPECT_FALSE(stopped) << "Stop returned while /slow was still in its handler";
  slow_.Release();
  stopper.join();
  t.join();
  EXPECT_EQ(slow.code, CURLE_OK) << slow.error;
  EXPECT_EQ(slow.status, 200);
  // The listener closed when Stop began: a new connection is refused, not served.
  EXPECT_EQ(late.code, CURLE_COULDNT_CONNECT) << late.status;
}

TEST_F(HttpsServerTest, StopClosesConnectionsAfterTheDrainTimeout) {
  HttpsServer::Config c = BaseConfig();
  c.drain_timeout = std::chrono::milliseconds(50);
  std::string url = Serve(std::move(c));
  Fetched slow;
  std::atomic<bool> fetched{false};
  std::thread t([&] {
    Client client(pki_->ca_cert);
    slow = client.Fetch(url + "/slow");
    fetched = true;
  });
  ASSERT_TRUE(slow_.WaitEntered());
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server_->Stop();  // closes the connection, then waits for the handler itself
    stopped = true;
  });
  // The client is cut off after the drain timeout, while the handler still holds.
  EXPECT_TRUE(Eventually([&] { return fetched.load(); }));
  EXPECT_FALSE(stopped) << "Stop returned before the handler did";
  slow_.Release();
  stopper.join();
  t.join();
  EXPECT_NE(slow.status, 200);
  EXPECT_TRUE(PortIsFree(port_));
}

TEST_F(HttpsServerTest, LogsOneLinePerRequestWithoutSecrets) {
  std::string url = Serve();
  testing::internal::CaptureStderr();
  Fetched f = client_.Fetch(url + "/v1/messages/hidden-id?secret=hunter2",
                            {.headers = {"Authorization: Bearer sender-token"}});
  server_->Stop();  // the line is logged after the reply; Stop returns once it is
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(f.status, 200);
  EXPECT_NE(log.find("http_request"), std::string::npos) << log;
  EXPECT_NE(log.find("route=/v1/messages/{id}"), std::string::npos) << log;
  EXPECT_NE(log.find("status=200"), std::string::npos) << log;
  EXPECT_NE(log.find("org=shop-denhaag"), std::string::npos) << log;
  EXPECT_NE(log.find("request_id=" + f.headers["X-Request-Id"]), std::string::npos) << log;
  EXPECT_EQ(log.find("hunter2"), std::string::npos) << log;
  EXPECT_EQ(log.find("hidden-id"), std::string::npos) << log;
  EXPECT_EQ(log.find("sender-token"), std::string::npos) << log;
}

TEST_F(HttpsServerTest, ManyConcurrentClients) {
  std::string url = Serve();
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::unique_ptr<Client> shared = std::make_unique<Client>(pki_->ca_cert);
      for (int i = 0; i < 50; ++i) {
        // Even threads keep one connection alive; odd threads handshake every time.
        std::unique_ptr<Client> own;
        Client* c = shared.get();
        if (t % 2 == 1) {
          own = std::make_unique<Client>(pki_->ca_cert);
          c = own.get();
        }
        Fetched f =
            (i % 3 == 0)
                ? c->Fetch(url + "/v1/whoami", {.headers = {"Authorization: Bearer sender-token"}})
            : (i % 3 == 1)
                ? c->Fetch(url + "/upload",
                           {.method = "POST", .body = std::string(2000, 'y'), .send_body = true})
                : c->Fetch(url + "/healthz");
        (f.code == CURLE_OK && f.status == 200 ? ok : failed)++;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(ok.load(), 400);
  EXPECT_EQ(failed.load(), 0);
}

// The server's metrics (Config::metrics): requests by route pattern, never by raw path or a
// made-up method, latency per route, failed handshakes, and open connections back to 0 once
// the clients are gone. Many clients at once, so that ThreadSanitizer sees the hot path.
TEST_F(HttpsServerTest, CountsRequestsByRoutePatternLatencyHandshakesAndConnections) {
  metrics::Registry registry;
  HttpsServer::Config c = BaseConfig();
  c.metrics = &registry;
  std::string url = Serve(std::move(c));
  auto& requests =
      registry.AddCounter("ketenpoort_http_requests_total", "", {"route", "method", "status"});
  auto& latency = registry.AddHistogram("ketenpoort_http_request_duration_seconds", "",
                                        {"route", "method"}, metrics::LatencyBuckets());
  metrics::Gauge& open = registry.AddGauge("ketenpoort_http_open_connections", "").With({});
  metrics::Counter& handshakes =
      registry.AddCounter("ketenpoort_tls_handshake_failures_total", "").With({});

  constexpr int kThreads = 6;
  constexpr int kEach = 20;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client client(pki_->ca_cert);
      for (int i = 0; i < kEach; ++i) {
        const std::string id = "m-" + std::to_string(t) + "-" + std::to_string(i);
        client.Fetch(url + "/v1/messages/" + id,
                     {.headers = {"Authorization: Bearer sender-token"}});
        client.Fetch(url + "/no/such/" + id);
      }
    });
  }
  for (auto& th : threads)
    th.join();
  {
    Client client(pki_->ca_cert);
    client.Fetch(url + "/v1/messages", {.method = "BREW"});
    // Plain HTTP on the TLS port: a failed handshake.
    client.Fetch("http://127.0.0.1:" + std::to_string(port_) + "/healthz");
  }

  // Every client is gone: the server closes its ends (a bounded wait for their strands). A
  // connection is destroyed after its last request was counted, so the counts are final then.
  for (int i = 0; i < 500 && open.Value() != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(open.Value(), 0);

  constexpr std::uint64_t kAll = kThreads * kEach;
  EXPECT_EQ(requests.With({"/v1/messages/{id}", "GET", "200"}).Value(), kAll);
  EXPECT_EQ(requests.With({"-", "-", "404"}).Value(), kAll);
  EXPECT_EQ(requests.With({"-", "-", "405"}).Value(), 1u);
  EXPECT_EQ(latency.With({"/v1/messages/{id}", "GET"}).Read().count, kAll);
  EXPECT_GE(handshakes.Value(), 1u);
  metrics::TextWriter w;
  registry.Write(w);
  EXPECT_EQ(w.text().find("m-0-"), std::string::npos) << "a raw path became a label";
  EXPECT_EQ(w.text().find("BREW"), std::string::npos) << "a made-up method became a label";
  server_.reset();  // the registry must outlive the server (Config::metrics)
}

// ---- streamed uploads and downloads ------------------------------------------------------

TEST_F(HttpsServerTest, UploadStreamsIntoTheSinkWithContentLengthAndChunked) {
  std::string url = Serve();
  const std::uint64_t size = 64 * kMiB + 12345;  // more than max_body_bytes by far
  for (bool chunked : {false, true}) {
    SCOPED_TRACE(chunked ? "chunked" : "Content-Length");
    const std::uint64_t seed = chunked ? 7 : 3;
    Streamed s = client_.Stream(url + "/v1/files/report.pdf",
                                {.method = "PUT",
                                 .headers = {"Authorization: Bearer sender-token"},
                                 .upload_bytes = size,
                                 .send_body = !chunked,
                                 .chunked = chunked,
                                 .seed = seed});
    ASSERT_EQ(s.code, CURLE_OK) << s.error;
    ASSERT_EQ(s.status, 201) << s.body;
    EXPECT_EQ(s.Json()["bytes"], size);
    std::lock_guard lock(uploads_.mu);
    EXPECT_EQ(uploads_.bytes, size);
    EXPECT_EQ(uploads_.digest, PatternSha256(seed, size));
    EXPECT_EQ(uploads_.org, "shop-denhaag");
  }
  EXPECT_EQ(uploads_.opened, 2);
  EXPECT_EQ(uploads_.finished, 2);
  EXPECT_TRUE(Eventually([&] { return uploads_.destroyed == 2; }));
  // Handed over a chunk at a time, never gathered.
  EXPECT_LE(uploads_.largest_write.load(), 64u * 1024);
  EXPECT_GT(uploads_.largest_write.load(), 0u);
}

TEST_F(HttpsServerTest, UploadAboveTheRouteLimitByContentLengthIs413AndNeverOpens) {
  std::string url = Serve();
  // Within the drain allowance (64 KiB) above the limit, so the client reads the 413.
  Streamed s =
      client_.Stream(url + "/v1/small-files/a", {.method = "PUT",
                                                 .headers = {"Authorization: Bearer sender-token"},
                                                 .upload_bytes = kSmallUploadLimit + 1000,
                                                 .send_body = true});
  ASSERT_EQ(s.code, CURLE_OK) << s.error;
  EXPECT_EQ(s.status, 413);
  EXPECT_EQ(s.Json()["error"]["code"], "body_too_large");
  EXPECT_NE(s.Json()["error"]["message"].get<std::string>().find(std::to_string(kSmallUploadLimit)),
            std::string::npos);
  EXPECT_EQ(s.headers["Connection"], "close");
  EXPECT_EQ(uploads_.opened, 0);

  // Far above: the connection is cut (or the 413 read first); still never opened.
  Streamed far =
      client_.Stream(url + "/v1/small-files/a", {.method = "PUT",
                                                 .headers = {"Authorization: Bearer sender-token"},
                                                 .upload_bytes = 16 * kMiB,
                                                 .send_body = true});
  if (far.code == CURLE_OK) {
    EXPECT_EQ(far.status, 413);
  }
  EXPECT_EQ(uploads_.opened, 0);
  EXPECT_EQ(client_.Fetch(url + "/healthz").status, 200);
}

TEST_F(HttpsServerTest, ChunkedUploadAboveTheRouteLimitIs413AndDropsTheSink) {
  std::string url = Serve();
  Streamed s =
      client_.Stream(url + "/v1/small-files/a", {.method = "PUT",
                                                 .headers = {"Authorization: Bearer sender-token"},
                                                 .upload_bytes = kSmallUploadLimit + 40 * 1024,
                                                 .chunked = true});
  ASSERT_EQ(s.code, CURLE_OK) << s.error;
  EXPECT_EQ(s.status, 413);
  EXPECT_EQ(s.Json()["error"]["code"], "body_too_large");
  EXPECT_EQ(uploads_.opened, 1);
  EXPECT_EQ(uploads_.finished, 0);
  EXPECT_EQ(uploads_.destroyed, 1);
  EXPECT_EQ(client_.Fetch(url + "/healthz").status, 200);
}

TEST_F(HttpsServerTest, UploadWithoutTokenIs401AndNeverOpens) {
  std::string url = Serve();
  Streamed s = client_.Stream(url + "/v1/files/a",
                              {.method = "PUT", .upload_bytes = 10 * 1024, .send_body = true});
  ASSERT_EQ(s.code, CURLE_OK) << s.error;
  EXPECT_EQ(s.status, 401);
  EXPECT_EQ(s.Json()["error"]["code"], "unauthenticated");
  Streamed wrong_role =
      client_.Stream(url + "/v1/files/a", {.method = "PUT",
                                           .headers = {"Authorization: Bearer auditor-token"},
                                           .upload_bytes = 10 * 1024,
                                           .chunked = true});
  EXPECT_EQ(wrong_role.status, 403);
  // A large one is cut without being read (or answered 401 first).
  Streamed large = client_.Stream(url + "/v1/files/a",
                                  {.method = "PUT", .upload_bytes = 32 * kMiB, .send_body = true});
  if (large.code == CURLE_OK) {
    EXPECT_EQ(large.status, 401);
  }
  EXPECT_EQ(uploads_.opened, 0);
  EXPECT_EQ(client_.Fetch(url + "/healthz").status, 200);
}

TEST_F(HttpsServerTest, SinkWriteErrorIsTheResponse) {
  std::string url = Serve();
  Streamed s = client_.Stream(url + "/v1/files/fail-write",
                              {.method = "PUT",
                               .headers = {"Authorization: Bearer sender-token"},
                               .upload_bytes = 512 * 1024 + 40 * 1024,
                               .send_body = true});
  ASSERT_EQ(s.code, CURLE_OK) << s.error;
  EXPECT_EQ(s.status, 422);
  EXPECT_EQ(s.Json()["error"]["code"], "attachment_rejected");
  EXPECT_EQ(uploads_.opened, 1);
  EXPECT_EQ(uploads_.finished, 0);
  EXPECT_EQ(uploads_.destroyed, 1);
  EXPECT_EQ(client_.Fetch(url + "/healthz").status, 200);
}

TEST_F(HttpsServerTest, UploadCutByTheClientDropsTheSink) {
  std::string url = Serve();
  Streamed s =
      client_.Stream(url + "/v1/files/a", {.method = "PUT",
                                           .headers = {"Authorization: Bearer sender-token"},
                                           .upload_bytes = 16 * kMiB,
                                           .send_body = true,
                                           .abort_upload_at = 2 * kMiB});
  EXPECT_NE(s.code, CURLE_OK);
  EXPECT_TRUE(Eventually([&] { return uploads_.destroyed == 1; }));
  EXPECT_EQ(uploads_.opened, 1);
  EXPECT_EQ(uploads_.finished, 0);
  EXPECT_EQ(client_.Fetch(url + "/healthz").status, 200);
}

TEST_F(HttpsServerTest, OrdinaryRoutesKeepMaxBodyBytesBesideUploadRoutes) {
  std::string url = Serve();
  Fetched f = client_.Fetch(
      url + "/upload", {.method = "POST", .body = std::string(100 * 1024, 'x'), .send_body = true});
  ExpectError(f, 413, "body_too_large");
  EXPECT_NE(f.Json()["error"]["message"].get<std::string>().find("65536"), std::string::npos);
  Fetched fits = client_.Fetch(
      url + "/upload", {.method = "POST", .body = std::string(60 * 1024, 'x'), .send_body = true});
  EXPECT_EQ(fits.status, 200);
  EXPECT_EQ(fits.Json()["bytes"], 60 * 1024);
  EXPECT_EQ(uploads_.opened, 0);
}

TEST_F(HttpsServerTest, StreamedDownloadArrivesWhole) {
  std::string url = Serve();
  const std::uint64_t size = 64 * kMiB + 777;
  Streamed s = client_.Stream(url + "/v1/files/x?bytes=" + std::to_string(size) + "&seed=5", {});
  ASSERT_EQ(s.code, CURLE_OK) << s.error;
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.headers["Content-Length"], std::to_string(size));
  EXPECT_EQ(s.headers["Content-Type"], "application/octet-stream");
  EXPECT_EQ(s.headers["Cache-Control"], "no-store");
  EXPECT_EQ(s.headers.count("Transfer-Encoding"), 0u);
  EXPECT_EQ(s.bytes, size);
  EXPECT_EQ(s.sha256, PatternSha256(5, size));
  EXPECT_TRUE(Eventually([&] { return downloads_.live == 0; }));

  Streamed empty = client_.Stream(url + "/v1/files/x?bytes=0", {});
  ASSERT_EQ(empty.code, CURLE_OK) << empty.error;
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.headers["Content-Length"], "0");
  EXPECT_EQ(empty.bytes, 0u);
}

TEST_F(HttpsServerTest, BrokenSourceCutsTheDownloadAndServerKeepsServing) {
  std::string url = Serve();
  const std::string size = std::to_string(16 * kMiB);
  for (const std::string& query : {"&fail_at=" + std::to_string(8 * kMiB),  // Read error
                                   "&has=" + std::to_string(8 * kMiB),      // ends early
                                   "&has=" + std::to_string(17 * kMiB)}) {  // longer than promised
    SCOPED_TRACE(query);
    Streamed s = client_.Stream(url + "/v1/files/x?bytes=" + size + query, {});
    EXPECT_EQ(s.status, 200);
    EXPECT_NE(s.code, CURLE_OK);  // CURLE_PARTIAL_FILE or a receive error: never complete
    EXPECT_LT(s.bytes, 16 * kMiB);
    EXPECT_TRUE(Eventually([&] { return downloads_.live == 0; }));
    EXPECT_EQ(client_.Fetch(url + "/healthz").status, 200);
  }
}

TEST_F(HttpsServerTest, ClientHangingUpMidDownloadDestroysTheSource) {
  std::string url = Serve();
  Streamed s = client_.Stream(url + "/v1/files/x?bytes=" + std::to_string(256 * kMiB),
                              {.abort_download_at = 4 * kMiB});
  EXPECT_EQ(s.code, CURLE_WRITE_ERROR) << s.error;
  EXPECT_TRUE(Eventually([&] { return downloads_.live == 0; }));
  EXPECT_LT(downloads_.produced.load(), 64 * kMiB);
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(HttpsServerTest, DownloadReadsTheSourceNoFasterThanTheClientTakes) {
  std::string url = Serve();
  PausedDownload client;
  client.Start(pki_->ca_cert, url, 64 * kMiB, std::chrono::milliseconds(1500),
               /*small_receive_buffer=*/true);
  ASSERT_TRUE(client.started());
  // The client reads nothing for this long: the time the server would have to run ahead of it,
  // which is what this test measures (a stall, not a synchronisation).
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  // What was read from the source is at most what the client took, plus the server's 2 MiB
  // pipe and the sockets' buffers (server send buffer at most 4 MiB, client 256 KiB): nowhere
  // near the 64 MiB a free-running source makes.
  const std::uint64_t ahead = downloads_.produced.load() - client.received();
  EXPECT_LT(ahead, 10 * kMiB);
  const Streamed& s = client.Join();
  ASSERT_EQ(s.code, CURLE_OK) << s.error;
  EXPECT_EQ(s.bytes, 64 * kMiB);
  EXPECT_EQ(s.sha256, PatternSha256(1, 64 * kMiB));
}

TEST_F(HttpsServerTest, StalledDownloadIsCut) {
  HttpsServer::Config c = BaseConfig();
  c.stream_stall_timeout = std::chrono::milliseconds(300);
  std::string url = Serve(std::move(c));
  PausedDownload client;
  client.Start(pki_->ca_cert, url, 128 * kMiB, std::chrono::milliseconds(3000));
  ASSERT_TRUE(client.started());
  // While the client still sleeps, the server gives up on it and lets go of the source.
  EXPECT_TRUE(Eventually([&] { return downloads_.live == 0; }, std::chrono::milliseconds(2500)));
  const Streamed& s = client.Join();
  EXPECT_NE(s.code, CURLE_OK);
  EXPECT_LT(s.bytes, 128 * kMiB);
}

TEST_F(HttpsServerTest, StopCutsADownloadStillGoing) {
  HttpsServer::Config c = BaseConfig();
  c.drain_timeout = std::chrono::milliseconds(200);
  std::string url = Serve(std::move(c));
  PausedDownload client;
  client.Start(pki_->ca_cert, url, 128 * kMiB, std::chrono::milliseconds(2000));
  ASSERT_TRUE(client.started());
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(downloads_.live, 0);  // destroyed before Stop returned
  const Streamed& s = client.Join();
  EXPECT_NE(s.code, CURLE_OK);
  EXPECT_LT(s.bytes, 128 * kMiB);
}

}  // namespace
}  // namespace ketenpoort::api
