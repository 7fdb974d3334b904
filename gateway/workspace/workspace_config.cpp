#include "gateway/workspace/workspace_config.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "gateway/config/config_reader.h"
#include "gateway/core/gateway_url.h"
#include "gateway/core/organisation.h"

namespace ketenpoort::workspace {

namespace {

using config::ObjectReader;
using config::ResolveConfigPath;
using nlohmann::json;

constexpr std::int64_t kDayMs = 86400000;

Status ReadOrganisation(ObjectReader& r, WorkspaceConfig& c) {
  WorkspaceOrganisation o;
  KP_RETURN_IF_ERROR(r.String("id", o.id, /*required=*/true));
  if (!IsValidOrgId(o.id))
    return r.BadKey("id", "must be an organisation id (lower-case letters, digits and '-')");
  if (c.FindOrganisation(o.id) != nullptr)
    return r.BadKey("id", "names the same organisation as an earlier entry");
  KP_RETURN_IF_ERROR(r.String("name", o.name));
  if (o.name.empty())
    o.name = o.id;
  KP_RETURN_IF_ERROR(r.String("gateway_url", o.gateway_url, /*required=*/true));
  if (!ParseGatewayUrl(o.gateway_url))
    return r.BadKey("gateway_url", "must be an https:// URL");
  KP_RETURN_IF_ERROR(r.String("ca_file", o.ca_file));
  KP_RETURN_IF_ERROR(r.String("token_file", o.token_file, /*required=*/true));
  KP_RETURN_IF_ERROR(r.String("key_file", o.key_file, /*required=*/true));
  KP_RETURN_IF_ERROR(r.String("cert_file", o.cert_file, /*required=*/true));
  KP_RETURN_IF_ERROR(r.String("pseudonym_key_file", o.pseudonym_key_file));
  KP_RETURN_IF_ERROR(r.String("trust_anchors", o.trust_anchors));
  c.organisations.push_back(std::move(o));
  return Ok();
}

Status ReadPasswordCost(ObjectReader& r, crypto::PasswordCost& cost) {
  const crypto::PasswordCost lo = crypto::kMinimumPasswordCost;
  const crypto::PasswordCost hi = crypto::kMaximumPasswordCost;
  std::int64_t t = cost.time_cost;
  std::int64_t m = cost.memory_kib;
  std::int64_t p = cost.parallelism;
  KP_RETURN_IF_ERROR(r.Integer("time_cost", t, lo.time_cost, hi.time_cost));
  KP_RETURN_IF_ERROR(r.Integer("memory_kib", m, lo.memory_kib, hi.memory_kib));
  KP_RETURN_IF_ERROR(r.Integer("parallelism", p, lo.parallelism, hi.parallelism));
  cost = crypto::PasswordCost{static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(m),
                              static_cast<std::uint32_t>(p)};
  return Ok();
}

}  // namespace

const WorkspaceOrganisation* WorkspaceConfig::FindOrganisation(std::string_view id) const {
  for (const WorkspaceOrganisation& o : organisations) {
    if (o.id == id)
      return &o;
  }
  return nullptr;
}

Result<WorkspaceConfig> ParseWorkspaceConfig(const std::string& file, std::string_view text) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/false);
  if (root.is_discarded())
    return InvalidArgument("invalid_config", "is not valid JSON", file);
  WorkspaceConfig c;
  const std::filesystem::path abs = std::filesystem::absolute(file).lexically_normal();
  c.config_file = abs.string();
  c.base_dir = abs.parent_path().string();

  ObjectReader top(file, "", root);
  KP_RETURN_IF_ERROR(top.CheckIsObject());
  for (const char* required : {"listen", "database", "organisations"}) {
    if (!root.contains(required) || root[required].is_null())
      return InvalidArgument("invalid_config", "is required", file + ": " + required);
  }
  KP_RETURN_IF_ERROR(top.Object("listen", [&](ObjectReader& r) -> Status {
    KP_RETURN_IF_ERROR(r.String("address", c.listen.address));
    std::int64_t port = 0;
    KP_RETURN_IF_ERROR(r.Integer("port", port, 1, 65535));
    if (port == 0)
      return r.BadKey("port", "is required");
    c.listen.port = static_cast<int>(port);
    KP_RETURN_IF_ERROR(r.String("tls_cert", c.listen.tls_cert, /*required=*/true));
    return r.String("tls_key", c.listen.tls_key, /*required=*/true);
  }));
  KP_RETURN_IF_ERROR(top.Object("database", [&](ObjectReader& r) -> Status {
    KP_RETURN_IF_ERROR(r.String("path", c.database.path, /*required=*/true));
    return r.String("key_file", c.database.key_file, /*required=*/true);
  }));
  KP_RETURN_IF_ERROR(
      top.ObjectArray("organisations", [&](ObjectReader& r) { return ReadOrganisation(r, c); }));
  if (c.organisations.empty())
    return top.BadKey("organisations", "must name at least one organisation");
  KP_RETURN_IF_ERROR(top.Object("session", [&](ObjectReader& r) {
    return r.Integer("idle_timeout_ms", c.session_idle_timeout_ms, 60000, kDayMs);
  }));
  KP_RETURN_IF_ERROR(top.Object("lockout", [&](ObjectReader& r) -> Status {
    KP_RETURN_IF_ERROR(r.Integer("max_failures", c.lockout.max_failures, 1, 100));
    KP_RETURN_IF_ERROR(r.Integer("lock_ms", c.lockout.lock_ms, 1000, kDayMs));
    return r.Integer("per_address_failures", c.lockout.per_address_failures, 1, 10000);
  }));
  KP_RETURN_IF_ERROR(top.Object(
      "password_hash", [&](ObjectReader& r) { return ReadPasswordCost(r, c.password_cost); }));
  KP_RETURN_IF_ERROR(top.CheckNoUnknownKeys());

  for (std::string* p :
       {&c.listen.tls_cert, &c.listen.tls_key, &c.database.path, &c.database.key_file})
    *p = ResolveConfigPath(c.base_dir, *p);
  for (WorkspaceOrganisation& o : c.organisations) {
    for (std::string* p : {&o.ca_file, &o.token_file, &o.key_file, &o.cert_file,
                           &o.pseudonym_key_file, &o.trust_anchors}) {
      if (!p->empty())
        *p = ResolveConfigPath(c.base_dir, *p);
    }
    // Beside the key, as `ketenpoort init` writes it (certs/ORG.pseudonym.key).
    if (o.pseudonym_key_file.empty()) {
      const std::size_t slash = o.key_file.rfind('/');
      o.pseudonym_key_file = o.key_file.substr(0, slash + 1) + o.id + ".pseudonym.key";
    }
  }
  return c;
}

Result<WorkspaceConfig> LoadWorkspaceConfig(const std::string& file) {
  KP_ASSIGN_OR_RETURN(std::string text, config::ReadConfigFile(file));
  return ParseWorkspaceConfig(file, text);
}

}  // namespace ketenpoort::workspace
