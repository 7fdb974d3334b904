#include "gateway/core/directory.h"

#include <algorithm>
#include <utility>

#include "gateway/core/json_fields.h"

namespace ketenpoort {

namespace {
using json = nlohmann::json;

constexpr std::string_view kCode = "invalid_directory";
constexpr std::string_view kPemHeader = "-----BEGIN CERTIFICATE-----";

Error Bad(std::string field, std::string message) {
  return InvalidArgument(std::string(kCode), std::move(message), std::move(field));
}

bool HasControlOrSpace(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// A plausible functional mailbox: local@domain.tld, no spaces. Deliverability is SMTP's job.
bool LooksLikeEmail(std::string_view s) {
  auto at = s.find('@');
  if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view domain = s.substr(at + 1);
  auto dot = domain.find('.');
  return !HasControlOrSpace(s) && dot != std::string_view::npos && dot != 0 && domain.back() != '.';
}

// Checks what JSON types cannot: formats and the rules between fields.
Status Validate(const Organisation& org, const std::string& path) {
  auto field = [&](std::string_view name) { return path + "." + std::string(name); };
  if (!IsValidOrgId(org.id)) {
    return Bad(field("id"), "invalid organisation id '" + org.id +
                                "': use 1-64 of a-z, 0-9 and '-', starting with a letter or digit");
  }
  if (org.name.empty())
    return Bad(field("name"), "must not be empty");
  if (HasControl(org.name))
    return Bad(field("name"), "must not contain control characters");
  if (OrgKindName(org.kind) == "unknown")
    return Bad(field("kind"), "unknown organisation kind");
  if (org.regions.empty() && org.kind != OrgKind::kPortal) {
    return Bad(field("regions"), "must name at least one region (\"NL\" for a national one)");
  }
  for (std::size_t i = 0; i < org.regions.size(); ++i) {
    const auto& r = org.regions[i];
    if (!IsValidRegion(r)) {
      return Bad(IndexPath(field("regions"), i),
                 "invalid region '" + r + "': use a CBS code such as GM0518, or NL");
    }
    if (std::count(org.regions.begin(), org.regions.end(), r) > 1) {
      return Bad(IndexPath(field("regions"), i), "duplicate value '" + r + "'");
    }
  }
  for (std::size_t i = 0; i < org.accepts.size(); ++i) {
    const auto& k = org.accepts[i];
    if (!IsValidMessageKind(k)) {
      return Bad(IndexPath(field("accepts"), i), "invalid message kind '" + k + "'");
    }
    if (std::count(org.accepts.begin(), org.accepts.end(), k) > 1) {
      return Bad(IndexPath(field("accepts"), i), "duplicate value '" + k + "'");
    }
  }
  if (!org.certificate_pem.empty() && !org.certificate_pem.starts_with(kPemHeader)) {
    return Bad(field("certificate"), "must be a PEM certificate (\"-----BEGIN CERTIFICATE-----\")");
  }
  if (!org.gateway_url.empty() &&
      (!org.gateway_url.starts_with("https://") || org.gateway_url.size() <= 8 ||
       HasControlOrSpace(org.gateway_url))) {
    return Bad(field("gateway"), "must be null or an https:// URL of the peer gateway");
  }
  if (!org.contact_email.empty() && !LooksLikeEmail(org.contact_email)) {
    return Bad(field("contact"), "must be an e-mail address");
  }
  return Ok();
}

Result<Organisation> ParseOrganisation(const json& value, const std::string& path) {
  JsonFields f(value, path, std::string(kCode));
  KP_RETURN_IF_ERROR(f.IsObject());
  KP_RETURN_IF_ERROR(f.OnlyKeys(
      {"id", "name", "kind", "regions", "accepts", "certificate", "gateway", "contact"}));
  Organisation org;
  KP_ASSIGN_OR_RETURN(org.id, f.RequiredString("id"));
  KP_ASSIGN_OR_RETURN(org.name, f.RequiredString("name"));
  KP_ASSIGN_OR_RETURN(std::string kind, f.RequiredString("kind"));
  auto parsed_kind = ParseOrgKind(kind);
  if (!parsed_kind)
    return Bad(f.PathOf("kind"), "unknown organisation kind '" + kind + "'");
  org.kind = *parsed_kind;
  KP_ASSIGN_OR_RETURN(org.regions, f.StringArray("regions", /*required=*/true));
  KP_ASSIGN_OR_RETURN(org.accepts, f.StringArray("accepts", /*required=*/true));
  KP_ASSIGN_OR_RETURN(org.certificate_pem, f.OptionalString("certificate"));
  KP_ASSIGN_OR_RETURN(org.gateway_url, f.OptionalString("gateway"));
  KP_ASSIGN_OR_RETURN(org.contact_email, f.OptionalString("contact"));
  return org;
}
}  // namespace

Result<Directory> Directory::FromOrganisations(std::vector<Organisation> organisations) {
  Directory dir;
  for (std::size_t i = 0; i < organisations.size(); ++i) {
    const std::string path = IndexPath("organisations", i);
    KP_RETURN_IF_ERROR(Validate(organisations[i], path));
    auto [it, inserted] = dir.index_.emplace(organisations[i].id, i);
    if (!inserted) {
      return Bad(path + ".id", "duplicate organisation id '" + organisations[i].id + "' (also " +
                                   IndexPath("organisations", it->second) + ")");
    }
  }
  dir.organisations_ = std::move(organisations);
  return dir;
}

Result<Directory> Directory::FromJson(const json& doc) {
  JsonFields root(doc, "", std::string(kCode));
  KP_RETURN_IF_ERROR(root.IsObject());
  KP_RETURN_IF_ERROR(root.OnlyKeys({"version", "organisations"}));
  const json* version = root.Find("version");
  if (version == nullptr)
    return Bad("version", "is required");
  if (!version->is_number_integer())
    return Bad("version", "must be an integer");
  if (version->get<long long>() != kVersion) {
    return Bad("version", "unsupported version " + version->dump() + "; this gateway reads " +
                              std::to_string(kVersion));
  }
  KP_ASSIGN_OR_RETURN(const json* list, root.RequiredArray("organisations"));
  std::vector<Organisation> organisations;
  organisations.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i) {
    KP_ASSIGN_OR_RETURN(Organisation org,
                        ParseOrganisation((*list)[i], IndexPath("organisations", i)));
    organisations.push_back(std::move(org));
  }
  return FromOrganisations(std::move(organisations));
}

Result<Directory> Directory::Parse(std::string_view text) {
  KP_ASSIGN_OR_RETURN(json doc, ParseJsonText(text, kCode));
  return FromJson(doc);
}

const Organisation* Directory::Find(std::string_view id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &organisations_[it->second];
}

json Directory::ToJson() const {
  json list = json::array();
  for (const auto& org : organisations_)
    list.push_back(OrganisationToJson(org));
  return json{{"version", kVersion}, {"organisations", std::move(list)}};
}

json OrganisationToJson(const Organisation& org) {
  return json{
      {"id", org.id},
      {"name", org.name},
      {"kind", OrgKindName(org.kind)},
      {"regions", org.regions},
      {"accepts", org.accepts},
      {"certificate", org.certificate_pem},
      {"gateway", org.gateway_url.empty() ? json(nullptr) : json(org.gateway_url)},
      {"contact", org.contact_email},
  };
}

}  // namespace ketenpoort
