#include "gateway/core/routing_rules.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <set>
#include <utility>

#include "gateway/core/json_fields.h"

namespace ketenpoort {

namespace {
using json = nlohmann::json;

constexpr std::string_view kCode = "invalid_routes";

constexpr std::array<std::string_view, 6> kRoutingKeys{"region",       "age_band", "gender",
                                                       "exploitation", "topic",    "urgency"};

Error Bad(std::string field, std::string message) {
  return InvalidArgument(std::string(kCode), std::move(message), std::move(field));
}

bool IsRoutingKey(std::string_view key) {
  return std::find(kRoutingKeys.begin(), kRoutingKeys.end(), key) != kRoutingKeys.end();
}

// Empty when `value` is acceptable for routing key `key`, else what is wrong with it.
std::string RoutingValueProblem(std::string_view key, std::string_view value) {
  if (value.empty())
    return "must not be empty";
  if (key == "region") {
    if (!IsValidRegion(value))
      return "must be a CBS region code such as GM0518, or NL";
    return {};
  }
  bool ok = value.size() <= 64 && std::all_of(value.begin(), value.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
            });
  if (!ok)
    return "must be a lower-case code of at most 64 characters (a-z, 0-9, '_', '-')";
  return {};
}

template <typename T>
bool Contains(const std::vector<T>& list, const T& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// The path of the i-th value of a key that may be a string or an array.
std::string ValuePath(const JsonFields& f, std::string_view key, std::size_t i) {
  const json* v = f.Find(key);
  return (v != nullptr && v->is_array()) ? IndexPath(f.PathOf(key), i) : f.PathOf(key);
}

Result<LegalBasisMatch> ParseLegalBasisMatch(const JsonFields& f) {
  LegalBasisMatch m;
  const json* v = f.Find("legal_basis");
  if (v == nullptr)
    return m;
  KP_ASSIGN_OR_RETURN(std::vector<std::string> values, f.StringOrArray("legal_basis"));
  if (v->is_string() && values[0] == "present") {
    m.mode = LegalBasisMatch::Mode::kPresent;
    return m;
  }
  if (v->is_string() && values[0] == "absent") {
    m.mode = LegalBasisMatch::Mode::kAbsent;
    return m;
  }
  m.mode = LegalBasisMatch::Mode::kOneOf;
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto basis = ParseLegalBasis(values[i]);
    if (!basis) {
      return Bad(ValuePath(f, "legal_basis", i),
                 "unknown legal basis '" + values[i] +
                     "': use present, absent, consent, legal_obligation, vital_interest or "
                     "public_task");
    }
    m.bases.push_back(*basis);
  }
  return m;
}

Result<RoutingPolicy> ParsePolicy(const json& value, const std::string& path) {
  JsonFields f(value, path, std::string(kCode));
  KP_RETURN_IF_ERROR(f.IsObject());
  KP_RETURN_IF_ERROR(
      f.OnlyKeys({"id", "description", "recipient_kind", "requires_legal_basis", "deny"}));
  RoutingPolicy p;
  KP_ASSIGN_OR_RETURN(p.id, f.RequiredString("id"));
  if (!IsValidOrgId(p.id)) {
    return Bad(f.PathOf("id"), "invalid policy id '" + p.id + "': use 1-64 of a-z, 0-9 and '-'");
  }
  KP_ASSIGN_OR_RETURN(p.description, f.OptionalString("description"));
  if (f.Find("recipient_kind") == nullptr)
    return Bad(f.PathOf("recipient_kind"), "is required");
  KP_ASSIGN_OR_RETURN(std::vector<std::string> kinds, f.StringOrArray("recipient_kind"));
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    auto kind = ParseOrgKind(kinds[i]);
    if (!kind) {
      return Bad(ValuePath(f, "recipient_kind", i), "unknown organisation kind '" + kinds[i] + "'");
    }
    p.recipient_kinds.push_back(*kind);
  }
  KP_ASSIGN_OR_RETURN(p.requires_legal_basis, f.OptionalBool("requires_legal_basis", false));
  KP_ASSIGN_OR_RETURN(p.deny, f.OptionalBool("deny", false));
  if (!p.requires_legal_basis && !p.deny) {
    return Bad(path, "policy '" + p.id + "' has no effect: set requires_legal_basis or deny");
  }
  return p;
}

Result<RoutingRule> ParseRule(const json& value, const std::string& path) {
  JsonFields f(value, path, std::string(kCode));
  KP_RETURN_IF_ERROR(f.IsObject());
  KP_RETURN_IF_ERROR(f.OnlyKeys({"id", "description", "match", "to"}));
  RoutingRule r;
  KP_ASSIGN_OR_RETURN(r.id, f.RequiredString("id"));
  if (!IsValidOrgId(r.id)) {
    return Bad(f.PathOf("id"), "invalid rule id '" + r.id + "': use 1-64 of a-z, 0-9 and '-'");
  }
  KP_ASSIGN_OR_RETURN(r.description, f.OptionalString("description"));

  const json* match = f.Find("match");
  if (match == nullptr)
    return Bad(f.PathOf("match"), "is required");
  JsonFields m(*match, f.PathOf("match"), std::string(kCode));
  KP_RETURN_IF_ERROR(m.IsObject());
  KP_RETURN_IF_ERROR(m.OnlyKeys(
      {"kind", "region", "age_band", "gender", "exploitation", "topic", "urgency", "legal_basis"}));
  KP_ASSIGN_OR_RETURN(r.kinds, m.StringOrArray("kind"));
  for (std::size_t i = 0; i < r.kinds.size(); ++i) {
    if (!IsValidMessageKind(r.kinds[i])) {
      return Bad(ValuePath(m, "kind", i), "invalid message kind '" + r.kinds[i] + "'");
    }
  }
  for (std::string_view key : kRoutingKeys) {
    if (m.Find(key) == nullptr)
      continue;
    KP_ASSIGN_OR_RETURN(std::vector<std::string> values, m.StringOrArray(key));
    for (std::size_t i = 0; i < values.size(); ++i) {
      std::string problem = RoutingValueProblem(key, values[i]);
      if (!problem.empty())
        return Bad(ValuePath(m, key, i), problem);
    }
    r.routing.emplace(std::string(key), std::move(values));
  }
  KP_ASSIGN_OR_RETURN(r.legal_basis, ParseLegalBasisMatch(m));

  KP_ASSIGN_OR_RETURN(r.to, f.StringArray("to", /*required=*/true));
  if (r.to.empty())
    return Bad(f.PathOf("to"), "must name at least one organisation");
  return r;
}
}  // namespace

std::span<const std::string_view> RoutingKeys() {
  return kRoutingKeys;
}

Status ValidateRoutingInput(const RoutingInput& input) {
  if (input.kind.empty())
    return InvalidArgument("missing_field", "kind is required", "kind");
  if (!IsValidMessageKind(input.kind)) {
    return InvalidArgument("invalid_kind", "kind must be a message kind such as 'signal'", "kind");
  }
  for (const auto& [key, value] : input.routing) {
    if (!IsRoutingKey(key)) {
      return InvalidArgument("unknown_routing_key",
                             "unknown routing key; known keys are region, age_band, gender, "
                             "exploitation, topic and urgency",
                             "routing." + key);
    }
    std::string problem = RoutingValueProblem(key, value);
    if (!problem.empty())
      return InvalidArgument("invalid_routing_value", problem, "routing." + key);
  }
  return Ok();
}

bool LegalBasisMatch::Matches(const std::optional<LegalBasis>& basis) const {
  switch (mode) {
    case Mode::kAny:
      return true;
    case Mode::kPresent:
      return basis.has_value();
    case Mode::kAbsent:
      return !basis.has_value();
    case Mode::kOneOf:
      return basis.has_value() && Contains(bases, *basis);
  }
  return false;
}

bool RoutingRule::Matches(const RoutingInput& input) const {
  if (!kinds.empty() && !Contains(kinds, input.kind))
    return false;
  for (const auto& [key, values] : routing) {
    auto it = input.routing.find(key);
    if (it == input.routing.end() || !Contains(values, it->second))
      return false;
  }
  return legal_basis.Matches(input.legal_basis);
}

bool RoutingPolicy::Covers(OrgKind kind) const {
  return Contains(recipient_kinds, kind);
}

Result<RoutingRules> RoutingRules::FromJson(const json& doc, const Directory& directory) {
  JsonFields root(doc, "", std::string(kCode));
  KP_RETURN_IF_ERROR(root.IsObject());
  KP_RETURN_IF_ERROR(root.OnlyKeys({"version", "rules", "policies"}));
  const json* version = root.Find("version");
  if (version == nullptr)
    return Bad("version", "is required");
  if (!version->is_number_integer())
    return Bad("version", "must be an integer");
  if (version->get<long long>() != kVersion) {
    return Bad("version", "unsupported version " + version->dump() + "; this gateway reads " +
                              std::to_string(kVersion));
  }

  RoutingRules out;
  if (const json* policies = root.Find("policies"); policies != nullptr) {
    if (!policies->is_array())
      return Bad("policies", "must be an array");
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < policies->size(); ++i) {
      const std::string path = IndexPath("policies", i);
      KP_ASSIGN_OR_RETURN(RoutingPolicy p, ParsePolicy((*policies)[i], path));
      auto [it, inserted] = seen.emplace(p.id, i);
      if (!inserted) {
        return Bad(path + ".id", "duplicate policy id '" + p.id + "' (also " +
                                     IndexPath("policies", it->second) + ")");
      }
      out.policies_.push_back(std::move(p));
    }
  }

  KP_ASSIGN_OR_RETURN(const json* rules, root.RequiredArray("rules"));
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < rules->size(); ++i) {
    const std::string path = IndexPath("rules", i);
    KP_ASSIGN_OR_RETURN(RoutingRule r, ParseRule((*rules)[i], path));
    auto [it, inserted] = seen.emplace(r.id, i);
    if (!inserted) {
      return Bad(path + ".id",
                 "duplicate rule id '" + r.id + "' (also " + IndexPath("rules", it->second) + ")");
    }
    for (std::size_t j = 0; j < r.to.size(); ++j) {
      const std::string to_path = IndexPath(path + ".to", j);
      const Organisation* org = directory.Find(r.to[j]);
      if (org == nullptr) {
        return Bad(to_path, "rule '" + r.id + "' sends to unknown organisation '" + r.to[j] + "'");
      }
      if (const RoutingPolicy* p = out.DenyPolicyFor(org->kind); p != nullptr) {
        return Bad(to_path, "rule '" + r.id + "' sends to '" + org->id + "' (" +
                                std::string(OrgKindName(org->kind)) + "), which policy '" + p->id +
                                "' forbids");
      }
      for (const auto& kind : r.kinds) {
        if (!org->Accepts(kind)) {
          return Bad(to_path, "rule '" + r.id + "' sends '" + kind + "' messages to '" + org->id +
                                  "', which does not accept them");
        }
      }
      out.recipients_.emplace(org->id, Recipient{org->kind, org->accepts});
    }
    out.rules_.push_back(std::move(r));
  }
  return out;
}

Result<RoutingRules> RoutingRules::Parse(std::string_view text, const Directory& directory) {
  KP_ASSIGN_OR_RETURN(json doc, ParseJsonText(text, kCode));
  return FromJson(doc, directory);
}

const RoutingPolicy* RoutingRules::LegalBasisPolicyFor(OrgKind kind) const {
  for (const auto& p : policies_) {
    if (p.requires_legal_basis && p.Covers(kind))
      return &p;
  }
  return nullptr;
}

const RoutingPolicy* RoutingRules::DenyPolicyFor(OrgKind kind) const {
  for (const auto& p : policies_) {
    if (p.deny && p.Covers(kind))
      return &p;
  }
  return nullptr;
}

bool RoutingRules::HeldBack(const Recipient& recipient, const RoutingInput& input) const {
  if (!Contains(recipient.accepts, input.kind))
    return true;
  if (DenyPolicyFor(recipient.kind) != nullptr)
    return true;
  if (!input.legal_basis && LegalBasisPolicyFor(recipient.kind) != nullptr)
    return true;
  return false;
}

Resolution RoutingRules::Resolve(const RoutingInput& input) const {
  Resolution out;
  std::set<std::string> recipients;
  for (const auto& rule : rules_) {
    if (!rule.Matches(input))
      continue;
    out.rules.push_back(rule.id);
    for (const auto& id : rule.to) {
      auto it = recipients_.find(id);
      if (it == recipients_.end() || HeldBack(it->second, input))
        continue;
      recipients.insert(id);
    }
  }
  out.recipients.assign(recipients.begin(), recipients.end());
  return out;
}

Status RoutingRules::CheckRecipients(const RoutingInput& input,
                                     const std::vector<std::string>& requested,
                                     const Directory& directory, RecipientScope scope) const {
  KP_RETURN_IF_ERROR(ValidateRoutingInput(input));
  const auto region = input.routing.find("region");
  if (scope == RecipientScope::kInRegion && region == input.routing.end()) {
    return Refused("region_required", "a follow-up goes to organisations of the case's region",
                   "routing.region");
  }
  if (requested.empty()) {
    return Refused("no_recipients", "a message needs at least one recipient", "recipients");
  }
  for (std::size_t i = 0; i < requested.size(); ++i) {
    const auto& id = requested[i];
    if (std::find(requested.begin(), requested.begin() + static_cast<std::ptrdiff_t>(i), id) !=
        requested.begin() + static_cast<std::ptrdiff_t>(i)) {
      return InvalidArgument("duplicate_recipient", "organisation '" + id + "' is listed twice",
                             "recipients");
    }
    if (directory.Find(id) == nullptr) {
      return NotFound("unknown_organisation", "unknown organisation '" + id + "'", "recipients");
    }
  }
  const Resolution resolved = Resolve(input);
  for (const auto& id : requested) {
    const Organisation& org = *directory.Find(id);
    const std::string org_desc = "'" + org.id + "' (" + std::string(OrgKindName(org.kind)) + ")";
    if (!org.Accepts(input.kind)) {
      return Refused("kind_not_accepted",
                     "organisation " + org_desc + " does not accept '" + input.kind + "' messages",
                     "recipients");
    }
    if (const RoutingPolicy* p = DenyPolicyFor(org.kind); p != nullptr) {
      return Refused("recipient_denied",
                     "policy '" + p->id + "' forbids sending case data to " + org_desc,
                     "recipients");
    }
    if (const RoutingPolicy* p = LegalBasisPolicyFor(org.kind);
        p != nullptr && !input.legal_basis) {
      return Refused("legal_basis_required",
                     "policy '" + p->id + "' requires a legal basis to send to " + org_desc,
                     "legal_basis");
    }
    if (scope == RecipientScope::kInRegion) {
      const bool serves =
          std::find(org.regions.begin(), org.regions.end(), region->second) != org.regions.end() ||
          std::find(org.regions.begin(), org.regions.end(), "NL") != org.regions.end();
      if (!serves) {
        return Refused("recipient_outside_region",
                       "organisation " + org_desc + " does not serve region " + region->second,
                       "recipients");
      }
    } else if (!std::binary_search(resolved.recipients.begin(), resolved.recipients.end(), id)) {
      return Refused("recipient_not_routed",
                     "no routing rule sends this '" + input.kind + "' message to " + org_desc,
                     "recipients");
    }
  }
  return Ok();
}

Result<RoutingInput> RoutingInputFromJson(const nlohmann::json& body) {
  JsonFields fields(body, "", "invalid_request");
  KP_RETURN_IF_ERROR(fields.IsObject());
  RoutingInput input;
  KP_ASSIGN_OR_RETURN(input.kind, fields.RequiredString("kind"));
  if (const nlohmann::json* routing = fields.Find("routing")) {
    if (!routing->is_object())
      return fields.Bad("routing", "must be an object");
    for (const auto& [key, value] : routing->items()) {
      if (!value.is_string())
        return fields.Bad("routing." + key, "must be a string");
      input.routing[key] = value.get<std::string>();
    }
  }
  KP_ASSIGN_OR_RETURN(std::string basis, fields.OptionalString("legal_basis"));
  if (!basis.empty()) {
    input.legal_basis = ParseLegalBasis(basis);
    if (!input.legal_basis) {
      return InvalidArgument("invalid_legal_basis",
                             "unknown legal basis '" + basis +
                                 "' (consent, legal_obligation, vital_interest, public_task)",
                             "legal_basis");
    }
  }
  KP_RETURN_IF_ERROR(ValidateRoutingInput(input));
  return input;
}

}  // namespace ketenpoort
