#include "gateway/config/gateway_config.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace ketenpoort::config {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Walks one JSON object, consuming known keys; anything left over is an unknown key.
class ObjectReader {
 public:
  ObjectReader(const std::string& file, std::string path, const json& object)
      : file_(file), path_(std::move(path)), object_(object) {}

  Status CheckIsObject() const {
    if (!object_.is_object())
      return Bad(path_.empty() ? "(top level)" : path_, "must be an object");
    return Ok();
  }

  // Reads an optional string (null counts as absent) into `out`.
  Status String(const char* key, std::string& out, bool required = false) {
    seen_.emplace(key, true);
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
      if (required)
        return Bad(Path(key), "is required");
      return Ok();
    }
    if (!it->is_string())
      return Bad(Path(key), "must be a string");
    out = it->get<std::string>();
    if (required && out.empty())
      return Bad(Path(key), "must not be empty");
    return Ok();
  }

  Status Bool(const char* key, bool& out) {
    seen_.emplace(key, true);
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null())
      return Ok();
    if (!it->is_boolean())
      return Bad(Path(key), "must be true or false");
    out = it->get<bool>();
    return Ok();
  }

  Status Integer(const char* key, std::int64_t& out, std::int64_t min, std::int64_t max) {
    seen_.emplace(key, true);
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null())
      return Ok();
    if (!it->is_number_integer())
      return Bad(Path(key), "must be a whole number");
    auto v = it->get<std::int64_t>();
    if (v < min || v > max) {
      return Bad(Path(key),
                 "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    out = v;
    return Ok();
  }

  // Calls `read` with a reader for the nested object at `key`, if present.
  Status Object(const char* key, const std::function<Status(ObjectReader&)>& read) {
    seen_.emplace(key, true);
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null())
      return Ok();
    ObjectReader nested(file_, Path(key), *it);
    KP_RETURN_IF_ERROR(nested.CheckIsObject());
    KP_RETURN_IF_ERROR(read(nested));
    return nested.CheckNoUnknownKeys();
  }

  Status CheckNoUnknownKeys() const {
    for (const auto& [key, value] : object_.items()) {
      if (!seen_.contains(key))
        return Bad(Path(key), "unknown key");
    }
    return Ok();
  }

 private:
  std::string Path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  Error Bad(const std::string& path, const std::string& what) const {
    return InvalidArgument("invalid_config", what, file_ + ": " + path);
  }

  const std::string& file_;
  std::string path_;
  const json& object_;
  std::map<std::string, bool> seen_;
};

std::string Resolve(const fs::path& base, const std::string& p) {
  if (p.empty())
    return p;
  fs::path path(p);
  return (path.is_absolute() ? path : base / path).lexically_normal().string();
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
  KP_RETURN_IF_ERROR(
      top.Object("gateway", [&](ObjectReader& r) { return r.String("id", c.gateway_id); }));
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
    return r.String("key_file", c.database.key_file);
  }));
  KP_RETURN_IF_ERROR(top.String("directory", c.directory, /*required=*/true));
  KP_RETURN_IF_ERROR(top.String("routes", c.routes, /*required=*/true));
  KP_RETURN_IF_ERROR(top.Object("limits", [&](ObjectReader& r) {
    return r.Integer("max_body_bytes", c.limits.max_body_bytes, 1024, std::int64_t{1} << 32);
  }));
  KP_RETURN_IF_ERROR(top.Object("smtp", [&](ObjectReader& r) -> Status {
    KP_RETURN_IF_ERROR(r.String("url", c.smtp.url));
    KP_RETURN_IF_ERROR(r.String("from", c.smtp.from));
    return r.Bool("starttls", c.smtp.starttls);
  }));
  KP_RETURN_IF_ERROR(top.Object("sms", [&](ObjectReader& r) -> Status {
    KP_RETURN_IF_ERROR(r.String("url", c.sms.url));
    return r.String("token_file", c.sms.token_file);
  }));
  KP_RETURN_IF_ERROR(top.Object(
      "portal", [&](ObjectReader& r) { return r.String("base_url", c.portal.base_url); }));
  KP_RETURN_IF_ERROR(top.CheckNoUnknownKeys());

  fs::path base(c.base_dir);
  for (std::string* p :
       {&c.listen.tls_cert, &c.listen.tls_key, &c.listen.client_ca, &c.database.path,
        &c.database.key_file, &c.directory, &c.routes, &c.sms.token_file}) {
    *p = Resolve(base, *p);
  }
  return c;
}

Result<GatewayConfig> LoadGatewayConfig(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return InvalidArgument("config_unreadable", "cannot read the config file", file);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad())
    return InvalidArgument("config_unreadable", "cannot read the config file", file);
  return ParseGatewayConfig(file, buffer.str());
}

}  // namespace ketenpoort::config
