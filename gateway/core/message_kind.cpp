#include "gateway/core/message_kind.h"

#include <algorithm>

namespace ketenpoort {

std::vector<std::string_view> CodeListedRoutingKeys() {
  return {"age_band", "gender", "exploitation"};
}

Status MessageKind::ValidateHeader(const KindHeader& header, const CodeLists& lists,
                                   const CodeListVersions& versions) const {
  for (const std::string& key : spec_.required_routing) {
    if (!header.routing.contains(key)) {
      return InvalidArgument("missing_header_field",
                             "a " + spec_.name + " needs routing key '" + key + "'",
                             "routing." + key);
    }
  }
  for (const auto& [key, allowed] : spec_.enum_routing) {
    auto it = header.routing.find(key);
    if (it == header.routing.end())
      continue;
    if (std::find(allowed.begin(), allowed.end(), it->second) == allowed.end()) {
      std::string list;
      for (const std::string& a : allowed)
        list += (list.empty() ? "" : ", ") + a;
      return InvalidArgument("invalid_routing_value", "must be one of: " + list, "routing." + key);
    }
  }
  for (std::string_view key : CodeListedRoutingKeys()) {
    auto it = header.routing.find(std::string(key));
    if (it == header.routing.end() || !lists.Has(key))
      continue;
    KP_RETURN_IF_ERROR(lists.CheckCode(key, versions, it->second, "routing." + std::string(key)));
  }
  if (spec_.requires_subject_ref && header.subject_ref.empty()) {
    return InvalidArgument("missing_header_field",
                           "a " + spec_.name + " needs the client's pseudonym", "subject_ref");
  }
  if (spec_.requires_legal_basis && !header.legal_basis) {
    return Refused("legal_basis_required",
                   "a " + spec_.name + " is only handed over with a recorded legal basis",
                   "legal_basis");
  }
  return Ok();
}

Status MessageKind::ValidatePayload(const nlohmann::json& payload, const CodeLists& lists,
                                    const CodeListVersions& versions, bool has_legal_basis) const {
  if (!spec_.payload)
    return Ok();
  KP_RETURN_IF_ERROR(spec_.payload->Validate(payload, lists, versions));
  if (has_legal_basis)
    return Ok();
  for (const std::string& field : spec_.payload_fields_needing_legal_basis) {
    auto it = payload.find(field);
    if (it != payload.end() && !it->is_null()) {
      return Refused("legal_basis_required",
                     "identifying data may only be sent with a recorded legal basis "
                     "(--legal-basis)",
                     field);
    }
  }
  return Ok();
}

Status MessageKind::CheckSender(OrgKind sender) const {
  const auto& allowed = spec_.sender_kinds;
  if (allowed.empty() || std::find(allowed.begin(), allowed.end(), sender) != allowed.end())
    return Ok();
  std::string kinds;
  for (OrgKind k : allowed)
    kinds += (kinds.empty() ? "" : " or ") + std::string(OrgKindName(k));
  return PermissionDenied("sender_not_permitted", "a " + spec_.name +
                                                      " may be started only by an organisation "
                                                      "of kind " +
                                                      kinds + ", not by one of kind '" +
                                                      std::string(OrgKindName(sender)) + "'");
}

}  // namespace ketenpoort
