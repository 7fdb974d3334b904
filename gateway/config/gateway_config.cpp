#include "gateway/config/gateway_config.h"

#include "gateway/config/config_reader.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <functional>
#include <map>

namespace ketenpoort::config {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Closes the descriptor it owns.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// "https://host[:port][/path]" without user, query, fragment, spaces or a trailing slash.
bool IsValidPeerUrl(const std::string& url) {
  constexpr std::string_view kScheme = "https://";
  if (url.size() <= kScheme.size() || url.size() > 2048 ||
      url.compare(0, kScheme.size(), kScheme) != 0)
    return false;
  if (url.back() == '/')
    return false;
  for (char c : url) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '@' || c == '?' || c == '#' || c == '\\')
      return false;
  }
  return url[kScheme.size()] != '/' && url[kScheme.size()] != ':';
}

}  // namespace

Result<GatewayConfig> ParseGatewayConfig(const std::string& file, std::string_view text) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/false);
  if (root.is_discarded()) {
    return InvalidArgument("invalid_config", "is not valid JSON", file);
  }

  GatewayConfig c;
  fs::path abs = fs::absolute(fs::path(file)).lexically_normal();
  c.config_file = abs.string();
  c.base_dir = abs.parent_path().string();

  ObjectReader top(file, "", root);
  KP_RETURN_IF_ERROR(top.CheckIsObject());
  KP_RETURN_IF_ERROR(top.Object("gateway", [&](ObjectReader& r) -> Status {
    KP_RETURN_IF_ERROR(r.String("id", c.gateway_id));
    // Peers see it in delivery receipts (federation/receipt.h): printable ASCII, no spaces.
    bool printable = std::all_of(c.gateway_id.begin(), c.gateway_id.end(), [](char ch) {
      auto u = static_cast<unsigned char>(ch);
      return u > 0x20 && u < 0x7f;
    });
    if (c.gateway_id.empty() || c.gateway_id.size() > 128 || !printable)
      return r.BadKey("id", "must be 1 to 128 printable characters without spaces");
    return Ok();
  }));
  bool has_listen = root.contains("listen");
  if (!has_listen)
    return InvalidArgument("invalid_config", "is required", file + ": listen");
  KP_RETURN_IF_ERROR(top.Object("listen", [&](ObjectReader& r) -> Status {
    KP_RETURN_IF_ERROR(r.String("host", c.listen.host));
    std::int64_t port = c.listen.port;
    KP_RETURN_IF_ERROR(r.Integer("port", port, 1, 65535));
    c.listen.port = static_cast<int>(port);
    KP_RETURN_IF_ERROR(r.String("tls_cert", c.listen.tls_cert, /*required=*/true));
    KP_RETURN_IF_ERROR(r.String("tls_key", c.listen.tls_key, /*required=*/true));
    return r.String("client_ca", c.listen.client_ca);
  }));
  if (!root.contains("database")) {
    return InvalidArgument("invalid_config", "is required", file + ": database");
  }
  KP_RETURN_IF_ERROR(top.Object("database", [&](ObjectReader& r) -> Status {
    KP_RETURN_IF_ERROR(r.String("path", c.database.path, /*required=*/true));
    KP_RETURN_IF_ERROR(r.String("blob_dir", c.database.blob_dir));
    return r.String("key_file", c.database.key_file);
  }));
  KP_RETURN_IF_ERROR(top.String("directory", c.directory, /*required=*/true));
  KP_RETURN_IF_ERROR(top.String("routes", c.routes, /*required=*/true));
  KP_RETURN_IF_ERROR(top.Object("limits", [&](ObjectReader& r) -> Status {
    KP_RETURN_IF_ERROR(
        r.Integer("max_body_bytes", c.limits.max_body_bytes, 1024, std::int64_t{1} << 32));
    KP_RETURN_IF_ERROR(r.Integer("max_attachment_bytes", c.limits.max_attachment_bytes, 1024,
                                 std::int64_t{1} << 40));
    KP_RETURN_IF_ERROR(r.Integer("upload_ttl_ms", c.limits.upload_ttl_ms, 1000,
                                 std::int64_t{30} * 24 * 3600 * 1000));
    KP_RETURN_IF_ERROR(
        r.Integer("max_concurrent_uploads", c.limits.max_concurrent_uploads, 1, 1024));
    // The front door (api/https_server.h).
    KP_RETURN_IF_ERROR(r.Integer("max_header_bytes", c.limits.max_header_bytes, 1024, 1024 * 1024));
    KP_RETURN_IF_ERROR(
        r.Integer("tls_handshake_timeout_ms", c.limits.tls_handshake_timeout_ms, 100, 600000));
    KP_RETURN_IF_ERROR(r.Integer("header_timeout_ms", c.limits.header_timeout_ms, 100, 600000));
    KP_RETURN_IF_ERROR(r.Integer("idle_timeout_ms", c.limits.idle_timeout_ms, 100, 3600000));
    KP_RETURN_IF_ERROR(
        r.Integer("body_stall_timeout_ms", c.limits.body_stall_timeout_ms, 100, 3600000));
    KP_RETURN_IF_ERROR(r.Integer("max_connections", c.limits.max_connections, 1, 1000000));
    KP_RETURN_IF_ERROR(r.Integer("io_threads", c.limits.io_threads, 0, 256));
    KP_RETURN_IF_ERROR(r.Integer("worker_threads", c.limits.worker_threads, 1, 1024));
    return r.Integer("token_cache_ms", c.limits.token_cache_ms, 0, 60000);
  }));
  KP_RETURN_IF_ERROR(top.Object("smtp", [&](ObjectReader& r) -> Status {
    KP_RETURN_IF_ERROR(r.String("url", c.smtp.url));
    KP_RETURN_IF_ERROR(r.String("from", c.smtp.from));
    KP_RETURN_IF_ERROR(r.String("credentials_file", c.smtp.credentials_file));
    KP_RETURN_IF_ERROR(r.String("ca_file", c.smtp.ca_file));
    KP_RETURN_IF_ERROR(r.Integer("max_sessions", c.smtp.max_sessions, 1, 64));
    return r.Bool("starttls", c.smtp.starttls);
  }));
  KP_RETURN_IF_ERROR(top.Object("sms", [&](ObjectReader& r) -> Status {
    KP_RETURN_IF_ERROR(r.String("url", c.sms.url));
    KP_RETURN_IF_ERROR(r.String("ca_file", c.sms.ca_file));
    return r.String("token_file", c.sms.token_file);
  }));
  KP_RETURN_IF_ERROR(top.Object("portal", [&](ObjectReader& r) -> Status {
    constexpr std::int64_t kDayMs = 86400000;
    PortalConfig& p = c.portal;
    KP_RETURN_IF_ERROR(r.String("base_url", p.base_url));
    KP_RETURN_IF_ERROR(r.String("key_file", p.key_file));
    KP_RETURN_IF_ERROR(r.Integer("max_attempts", p.max_attempts, 1, 100));
    KP_RETURN_IF_ERROR(r.Integer("max_codes", p.max_codes, 1, 100));
    KP_RETURN_IF_ERROR(r.Integer("code_ttl_ms", p.code_ttl_ms, 1000, kDayMs));
    KP_RETURN_IF_ERROR(r.Integer("session_ttl_ms", p.session_ttl_ms, 60000, kDayMs));
    KP_RETURN_IF_ERROR(r.Integer("deadline_warning_ms", p.deadline_warning_ms, 0, 30 * kDayMs));
    KP_RETURN_IF_ERROR(r.Integer("worker_interval_ms", p.worker_interval_ms, 10, 60000));
    KP_RETURN_IF_ERROR(r.String("default_lang", p.default_lang));
    if (p.default_lang != "nl" && p.default_lang != "en")
      return r.BadKey("default_lang", "must be nl or en");
    return Ok();
  }));
  KP_RETURN_IF_ERROR(top.Object("audit", [&](ObjectReader& r) -> Status {
    KP_RETURN_IF_ERROR(
        r.Integer("checkpoint_interval_ms", c.audit.checkpoint_interval_ms, 100, 86400000));
    KP_RETURN_IF_ERROR(r.Integer("checkpoint_every", c.audit.checkpoint_every, 1, 1000000000));
    return r.Integer("witness_interval_ms", c.audit.witness_interval_ms, 100, 86400000);
  }));
  KP_RETURN_IF_ERROR(top.Object("reminders", [&](ObjectReader& r) -> Status {
    RemindersConfig& m = c.reminders;
    KP_RETURN_IF_ERROR(r.Integer("interval_ms", m.interval_ms, 10, 86400000));
    return r.Integer("mail_expiry_ms", m.mail_expiry_ms, 1000, 2592000000);
  }));
  KP_RETURN_IF_ERROR(top.Object("metrics", [&](ObjectReader& r) -> Status {
    std::vector<std::string> allow_from;
    KP_RETURN_IF_ERROR(r.StringArray("allow_from", allow_from));
    for (std::size_t i = 0; i < allow_from.size(); ++i) {
      auto range = AddressRange::Parse(allow_from[i]);
      if (!range)
        return r.BadElement("allow_from", i, range.error().message);
      c.metrics.allow_from.push_back(std::move(*range));
    }
    return Ok();
  }));
  // The kinds check their own settings (KindRegistry::ConfigureDeadlines); here only the shape.
  KP_RETURN_IF_ERROR(top.Object("kinds", [&](ObjectReader& r) -> Status {
    return r.EachObject(
        [&](const std::string& name, const json& settings) { c.kinds.emplace(name, settings); });
  }));
  c.federation.enabled = root.contains("federation") && !root["federation"].is_null();
  KP_RETURN_IF_ERROR(top.Object("federation", [&](ObjectReader& r) -> Status {
    FederationConfig& f = c.federation;
    KP_RETURN_IF_ERROR(r.String("trust_anchors", f.trust_anchors, /*required=*/true));
    KP_RETURN_IF_ERROR(r.ObjectArray("peers", [&](ObjectReader& p) -> Status {
      PeerConfig peer;
      KP_RETURN_IF_ERROR(p.String("url", peer.url, /*required=*/true));
      if (!IsValidPeerUrl(peer.url)) {
        return p.BadKey("url",
                        "must be an https:// URL without user, query, fragment or trailing slash");
      }
      for (const PeerConfig& other : f.peers) {
        if (other.url == peer.url)
          return p.BadKey("url", "names the same peer as an earlier entry");
      }
      KP_RETURN_IF_ERROR(p.String("token_file", peer.token_file, /*required=*/true));
      f.peers.push_back(std::move(peer));
      return Ok();
    }));
    KP_RETURN_IF_ERROR(r.Object("retry", [&](ObjectReader& retry) -> Status {
      constexpr std::int64_t kThirtyDaysMs = std::int64_t{30} * 24 * 3600 * 1000;
      constexpr std::int64_t kTenYearsMs = std::int64_t{3650} * 24 * 3600 * 1000;
      KP_RETURN_IF_ERROR(retry.Integer("base_ms", f.retry.base_ms, 1, kThirtyDaysMs));
      KP_RETURN_IF_ERROR(retry.Integer("cap_ms", f.retry.cap_ms, 1, kThirtyDaysMs));
      KP_RETURN_IF_ERROR(retry.Integer("max_age_ms", f.retry.max_age_ms, 1, kTenYearsMs));
      if (f.retry.cap_ms < f.retry.base_ms)
        return retry.BadKey("cap_ms", "must not be less than base_ms");
      return Ok();
    }));
    return Ok();
  }));
  KP_RETURN_IF_ERROR(top.CheckNoUnknownKeys());

  const std::string& base = c.base_dir;
  for (std::string* p :
       {&c.listen.tls_cert, &c.listen.tls_key, &c.listen.client_ca, &c.database.path,
        &c.database.key_file, &c.directory, &c.routes, &c.sms.token_file, &c.sms.ca_file,
        &c.smtp.credentials_file, &c.smtp.ca_file}) {
    *p = ResolveConfigPath(base, *p);
  }
  c.database.blob_dir = c.database.blob_dir.empty() ? c.database.path + ".blobs"
                                                    : ResolveConfigPath(base, c.database.blob_dir);
  if (c.portal.key_file.empty())
    c.portal.key_file = "certs/portal.key.pem";
  c.portal.key_file = ResolveConfigPath(base, c.portal.key_file);
  c.federation.trust_anchors = ResolveConfigPath(base, c.federation.trust_anchors);
  for (PeerConfig& peer : c.federation.peers)
    peer.token_file = ResolveConfigPath(base, peer.token_file);
  return c;
}

Result<GatewayConfig> LoadGatewayConfig(const std::string& file) {
  KP_ASSIGN_OR_RETURN(std::string text, ReadConfigFile(file));
  return ParseGatewayConfig(file, text);
}

Result<std::string> ReadTokenFile(const std::string& path) {
  constexpr std::size_t kMaxTokenBytes = 4096;
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  const int raw = fd.get();
  struct stat st {};
  if (raw < 0 || ::fstat(raw, &st) != 0 || !S_ISREG(st.st_mode)) {
    return InvalidArgument("token_file_unreadable",
                           "cannot read the token file (missing, unreadable or not a regular file)",
                           path);
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return InvalidArgument("token_file_permissions",
                           "the token file must be mode 0600 (it is accessible to group or others)",
                           path);
  }
  std::string text(kMaxTokenBytes + 2, '\0');
  std::size_t size = 0;
  while (size < text.size()) {
    ssize_t n = ::read(raw, text.data() + size, text.size() - size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return InvalidArgument("token_file_unreadable", "cannot read the token file", path);
    if (n == 0)
      break;
    size += static_cast<std::size_t>(n);
  }
  text.resize(size);
  if (!text.empty() && text.back() == '\n')
    text.pop_back();
  bool printable = std::all_of(text.begin(), text.end(), [](char ch) {
    auto u = static_cast<unsigned char>(ch);
    return u > 0x20 && u < 0x7f;
  });
  if (text.empty() || text.size() > kMaxTokenBytes || !printable) {
    return InvalidArgument("token_file_invalid",
                           "the token file must hold one token of up to 4096 printable characters",
                           path);
  }
  return text;
}

std::string DeploymentCaFile(const GatewayConfig& config) {
  return config.base_dir + "/certs/ca.cert.pem";
}

}  // namespace ketenpoort::config
