#include "gateway/messages/message_request.h"

#include <algorithm>
#include <utility>

#include "gateway/core/json_fields.h"
#include "gateway/core/organisation.h"
#include "gateway/core/pseudonym.h"
#include "gateway/core/reason_text.h"
#include "gateway/messages/federation_message.h"

namespace ketenpoort::server {

namespace {

constexpr std::size_t kMaxIdempotencyKeyBytes = 200;

}  // namespace

Result<Submission> SubmissionFromJson(const nlohmann::json& body) {
  JsonFields keys(body, "", "unknown_field");
  KP_RETURN_IF_ERROR(keys.OnlyKeys({"kind", "recipients", "routing", "subject_ref", "legal_basis",
                                    "deadline", "expires", "codelists", "payload", "follows",
                                    "follow_reason", "legal_bases"}));
  KP_ASSIGN_OR_RETURN(RoutingInput routing, RoutingInputFromJson(body));
  const JsonFields f(body, "", "invalid_request");
  auto recipients = [&]() -> Result<std::optional<std::vector<std::string>>> {
    if (f.Find("recipients") == nullptr)
      return std::optional<std::vector<std::string>>();
    KP_ASSIGN_OR_RETURN(std::vector<std::string> given,
                        f.StringArray("recipients", /*required=*/false));
    return std::optional<std::vector<std::string>>(std::move(given));
  };
  auto codelists = [&]() -> Result<CodeListVersions> {
    const nlohmann::json* c = f.Find("codelists");
    if (c == nullptr)
      return CodeListVersions{};
    return CodeListVersionsFromJson(*c);
  };
  auto payload = [&]() -> Result<SealedPayload> {
    KP_ASSIGN_OR_RETURN(std::string base64, f.RequiredString("payload"));
    return DecodeSealedPayload(base64);
  };
  auto follows = [&]() -> Result<std::optional<FollowUp>> {
    KP_ASSIGN_OR_RETURN(std::string id, f.OptionalString("follows"));
    KP_ASSIGN_OR_RETURN(std::string reason, f.OptionalString("follow_reason"));
    if (id.empty()) {
      if (!reason.empty()) {
        return InvalidArgument("invalid_request", "a follow-up reason needs \"follows\"",
                               "follow_reason");
      }
      return std::optional<FollowUp>();
    }
    if (!delivery::IsValidMessageId(id))
      return InvalidArgument("invalid_request", "must be a message id", "follows");
    KP_RETURN_IF_ERROR(CheckReasonText(reason, "follow_reason", /*required=*/true));
    return std::optional<FollowUp>(
        FollowUp{.message_id = std::move(id), .reason = std::move(reason)});
  };
  auto legal_bases = [&]() -> Result<std::map<std::string, LegalBasis>> {
    std::map<std::string, LegalBasis> bases;
    const nlohmann::json* given = f.Find("legal_bases");
    if (given == nullptr || given->is_null())
      return bases;
    if (!given->is_object()) {
      return InvalidArgument("invalid_legal_basis",
                             "must be an object: organisation id -> legal basis", "legal_bases");
    }
    for (const auto& [org, name] : given->items()) {
      const std::string field = "legal_bases." + org;
      if (!IsValidOrgId(org))
        return InvalidArgument("invalid_request", "not an organisation id", field);
      std::optional<LegalBasis> basis =
          name.is_string() ? ParseLegalBasis(name.get<std::string>()) : std::nullopt;
      if (!basis) {
        return InvalidArgument("invalid_legal_basis",
                               "must be consent, legal_obligation, vital_interest or public_task",
                               field);
      }
      bases.emplace(org, *basis);
    }
    return bases;
  };
  return Submission{.routing = std::move(routing),
                    .recipients = recipients(),
                    .header = delivery::ReadCommonHeader(f),
                    .codelists = codelists(),
                    .payload = payload(),
                    .follows = follows(),
                    .legal_bases = legal_bases()};
}

bool SubmissionReadsStore(const nlohmann::json& body) {
  if (!body.is_object())
    return false;
  auto is_string = [&](const char* key, std::string_view value) {
    auto it = body.find(key);
    return it != body.end() && it->is_string() && (value.empty() || *it == value);
  };
  if (is_string("follows", ""))
    return true;
  if (!is_string("subject_ref", ""))
    return false;
  if (is_string("legal_basis", "consent"))
    return true;
  auto bases = body.find("legal_bases");
  if (bases != body.end() && bases->is_object()) {
    for (const auto& basis : *bases) {
      if (basis.is_string() && basis == "consent")
        return true;
    }
  }
  return false;
}

Result<ConsentWithdrawalRequest> ConsentWithdrawalFromJson(const nlohmann::json& body) {
  {
    JsonFields keys(body, "", "unknown_field");
    KP_RETURN_IF_ERROR(keys.OnlyKeys({"subject_ref", "recipient", "reason"}));
  }
  JsonFields f(body, "", "invalid_request");
  ConsentWithdrawalRequest w;
  KP_ASSIGN_OR_RETURN(w.subject_ref, f.RequiredString("subject_ref"));
  if (!IsPseudonym(w.subject_ref)) {
    return InvalidArgument("invalid_subject_ref",
                           "must be a client pseudonym as `ketenpoort pseudonym` makes it",
                           "subject_ref");
  }
  KP_ASSIGN_OR_RETURN(w.recipient, f.OptionalString("recipient"));
  if (!w.recipient.empty() && !IsValidOrgId(w.recipient))
    return InvalidArgument("invalid_request", "not an organisation id", "recipient");
  KP_ASSIGN_OR_RETURN(w.reason, f.OptionalString("reason"));
  KP_RETURN_IF_ERROR(CheckReasonText(w.reason, "reason", /*required=*/true));
  return w;
}

Result<StatusChange> StatusChangeFromJson(const nlohmann::json& body) {
  {
    JsonFields keys(body, "", "unknown_field");
    KP_RETURN_IF_ERROR(keys.OnlyKeys({"state", "reason", "code", "recipient"}));
  }
  JsonFields f(body, "", "invalid_request");
  StatusChange c;
  KP_ASSIGN_OR_RETURN(c.state, f.RequiredString("state"));
  KP_ASSIGN_OR_RETURN(c.reason, f.OptionalString("reason"));
  KP_ASSIGN_OR_RETURN(c.recipient, f.OptionalString("recipient"));
  KP_ASSIGN_OR_RETURN(c.code, f.OptionalString("code"));
  KP_RETURN_IF_ERROR(CheckReasonText(c.reason, "reason", /*required=*/false));
  return c;
}

Result<IdempotencyKey> ReadIdempotencyKey(std::string key, std::string_view raw_body) {
  if (key.empty() || key.size() > kMaxIdempotencyKeyBytes) {
    return InvalidArgument("invalid_idempotency_key", "must be 1 to 200 characters",
                           "Idempotency-Key");
  }
  return IdempotencyKey{std::move(key), crypto::Sha256(AsBytes(raw_body))};
}

}  // namespace ketenpoort::server
