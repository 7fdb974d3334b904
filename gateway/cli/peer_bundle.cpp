#include "gateway/cli/peer_bundle.h"

#include <set>

#include "gateway/core/gateway_url.h"
#include "gateway/core/json_fields.h"
#include "gateway/core/organisation.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/encoding.h"

namespace ketenpoort::cli {

namespace {

using nlohmann::json;

constexpr std::string_view kPrefix = "kpb1.";
constexpr std::size_t kMaxBundleBytes = 4 * 1024 * 1024;
constexpr const char* kCode = "invalid_bundle";

Error Bad(std::string field, std::string message) {
  return InvalidArgument(kCode, std::move(message), std::move(field));
}

// The one certificate in `pem`.
Result<crypto::Certificate> OneCertificate(const std::string& pem, const std::string& field) {
  auto chain = crypto::ParsePemChain(pem);
  if (!chain || chain->size() != 1)
    return Bad(field, "must be one PEM certificate");
  return chain->front();
}

}  // namespace

std::string BundleToText(const PeerBundle& b) {
  json doc = {{"version", 1},
              {"gateway", b.gateway},
              {"url", b.url},
              {"ca", b.ca_pem},
              {"certificate", b.certificate_pem},
              {"organisations", b.organisations},
              {"token", b.token}};
  return std::string(kPrefix) + crypto::Base64UrlEncode(AsBytes(doc.dump()));
}

Result<PeerBundle> BundleFromText(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.remove_suffix(1);
  if (text.size() > kMaxBundleBytes || text.substr(0, kPrefix.size()) != kPrefix)
    return Bad("", "is not a peer bundle (it starts with kpb1.)");
  auto bytes = crypto::Base64UrlDecode(text.substr(kPrefix.size()));
  if (!bytes)
    return Bad("", "is damaged: not base64url after kpb1.");
  json doc = json::parse(bytes->begin(), bytes->end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object())
    return Bad("", "is damaged: no JSON object after kpb1.");
  JsonFields f(doc, "", kCode);
  KP_RETURN_IF_ERROR(f.IsObject());
  KP_RETURN_IF_ERROR(
      f.OnlyKeys({"version", "gateway", "url", "ca", "certificate", "organisations", "token"}));
  if (!doc.contains("version") || doc["version"] != 1)
    return Bad("version", "must be 1");
  PeerBundle b;
  KP_ASSIGN_OR_RETURN(b.gateway, f.RequiredString("gateway"));
  if (!IsValidOrgId(b.gateway))
    return Bad("gateway", "must be a gateway id (lower-case letters, digits and '-')");
  KP_ASSIGN_OR_RETURN(b.url, f.RequiredString("url"));
  if (!ParseGatewayUrl(b.url))
    return Bad("url", "must be an https URL");
  KP_ASSIGN_OR_RETURN(b.ca_pem, f.RequiredString("ca"));
  KP_ASSIGN_OR_RETURN(crypto::Certificate ca, OneCertificate(b.ca_pem, "ca"));
  KP_ASSIGN_OR_RETURN(b.certificate_pem, f.RequiredString("certificate"));
  KP_ASSIGN_OR_RETURN(crypto::Certificate leaf, OneCertificate(b.certificate_pem, "certificate"));
  if (!crypto::VerifyIssuedBy(leaf, {ca}))
    return Bad("certificate", "is not issued by the bundle's CA");
  KP_ASSIGN_OR_RETURN(const json* orgs, f.RequiredArray("organisations"));
  std::set<std::string> seen;
  for (const json& o : *orgs) {
    if (!o.is_object() || !o.contains("id") || !o["id"].is_string() ||
        !IsValidOrgId(o["id"].get<std::string>()) || !seen.insert(o["id"]).second) {
      return Bad("organisations", "must be directory entries, each with its own organisation id");
    }
    const std::string cert = o.value("certificate", json("")).is_string()
                                 ? o.value("certificate", std::string())
                                 : std::string("?");
    if (cert.empty())
      continue;
    auto org_cert = OneCertificate(cert, "organisations");
    if (!org_cert || !crypto::VerifyIssuedBy(*org_cert, {ca})) {
      return Bad("organisations",
                 "the certificate of '" + o["id"].get<std::string>() + "' is not issued by the CA");
    }
  }
  b.organisations = *orgs;
  KP_ASSIGN_OR_RETURN(b.token, f.RequiredString("token"));
  if (b.token.rfind("kpt_", 0) != 0)
    return Bad("token", "must be a ketenpoort API token (kpt_...)");
  return b;
}

}  // namespace ketenpoort::cli
