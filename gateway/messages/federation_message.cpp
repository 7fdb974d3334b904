#include "gateway/messages/federation_message.h"

#include <utility>

#include "gateway/audit/time_format.h"
#include "gateway/core/json_fields.h"
#include "gateway/core/legal_basis.h"
#include "gateway/core/routing_rules.h"
#include "gateway/crypto/encoding.h"
#include "gateway/messages/message_header.h"
#include "gateway/store/message_repository.h"

namespace ketenpoort::delivery {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxMessageIdBytes = 128;

json OptionalTime(const std::optional<std::int64_t>& ms) {
  return ms ? json(audit::FormatTime(*ms)) : json(nullptr);
}

}  // namespace

// A message id is the sending gateway's, so only its form is ours to check.
bool IsValidMessageId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxMessageIdBytes && IsIdToken(id);
}

json HeaderToJson(const FederationMessage& m) {
  json out = {{"id", m.id},
              {"kind", m.kind},
              {"from", m.from},
              {"recipients", m.recipients},
              {"routing", m.routing},
              {"subject_ref", m.subject_ref},
              {"legal_basis", m.legal_basis},
              {"deadline", OptionalTime(m.deadline_ms)},
              {"expires", OptionalTime(m.expires_ms)},
              {"created", audit::FormatTime(m.created_ms)}};
  if (!m.follows.empty()) {
    out["follows"] = m.follows;
    out["thread"] = m.thread;
  }
  return out;
}

json ToJson(const FederationMessage& m) {
  json out = HeaderToJson(m);
  out["payload"] = crypto::Base64Encode(m.payload);
  return out;
}

Result<FederationMessage> FederationMessageFromJson(const json& wire) {
  FederationMessage m;
  JsonFields keys(wire, "", "unknown_field");
  KP_RETURN_IF_ERROR(keys.IsObject());
  KP_RETURN_IF_ERROR(
      keys.OnlyKeys({"id", "kind", "from", "recipients", "routing", "subject_ref", "legal_basis",
                     "deadline", "expires", "created", "payload", "follows", "thread"}));
  KP_ASSIGN_OR_RETURN(RoutingInput routing, RoutingInputFromJson(wire));
  m.kind = std::move(routing.kind);
  m.routing = std::move(routing.routing);
  m.legal_basis = routing.legal_basis ? std::string(LegalBasisName(*routing.legal_basis)) : "";
  JsonFields f(wire, "", "invalid_request");
  KP_ASSIGN_OR_RETURN(m.id, f.RequiredString("id"));
  if (!IsValidMessageId(m.id)) {
    return InvalidArgument("invalid_message_id", "must be 1 to 128 letters, digits and -_.:", "id");
  }
  KP_ASSIGN_OR_RETURN(m.from, f.RequiredString("from"));
  KP_ASSIGN_OR_RETURN(m.recipients, f.StringArray("recipients", /*required=*/true));
  if (m.recipients.empty()) {
    return InvalidArgument("invalid_request", "must name at least one organisation", "recipients");
  }
  KP_ASSIGN_OR_RETURN(CommonHeader header, ReadCommonHeader(f));
  m.subject_ref = std::move(header.subject_ref);
  m.deadline_ms = header.deadline_ms;
  m.expires_ms = header.expires_ms;
  KP_ASSIGN_OR_RETURN(std::string created, f.RequiredString("created"));
  KP_ASSIGN_OR_RETURN(m.created_ms, ParseRequestTime(created, "created"));
  KP_ASSIGN_OR_RETURN(std::string payload, f.RequiredString("payload"));
  KP_ASSIGN_OR_RETURN(m.payload, DecodePayload(payload));
  KP_ASSIGN_OR_RETURN(m.follows, f.OptionalString("follows"));
  KP_ASSIGN_OR_RETURN(m.thread, f.OptionalString("thread"));
  if (m.follows.empty() != m.thread.empty()) {
    return InvalidArgument("invalid_request", "a follow-up names both follows and thread",
                           m.follows.empty() ? "follows" : "thread");
  }
  if (!m.follows.empty() && !IsValidMessageId(m.follows))
    return InvalidArgument("invalid_message_id", "must be a message id", "follows");
  if (!m.thread.empty() && !IsValidMessageId(m.thread))
    return InvalidArgument("invalid_message_id", "must be a message id", "thread");
  return m;
}

std::string MessageIdOf(const json& wire) {
  if (!wire.is_object())
    return "";
  auto id = wire.find("id");
  if (id == wire.end() || !id->is_string() || !IsValidMessageId(id->get<std::string>()))
    return "";
  return id->get<std::string>();
}

FederationMessage FederationMessageOf(store::MessageRecord record,
                                      std::vector<std::string> recipients) {
  return FederationMessage{.id = std::move(record.id),
                           .kind = std::move(record.kind),
                           .from = std::move(record.sender_org),
                           .recipients = std::move(recipients),
                           .routing = std::move(record.routing),
                           .subject_ref = std::move(record.subject_ref),
                           .legal_basis = std::move(record.legal_basis),
                           .deadline_ms = record.deadline_ms,
                           .expires_ms = record.expires_ms,
                           .created_ms = record.created_ms,
                           .payload = record.payload ? std::move(*record.payload) : Bytes{}};
}

}  // namespace ketenpoort::delivery
