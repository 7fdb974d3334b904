#include "gateway/federation/status_report.h"

#include <algorithm>
#include <string_view>

#include "gateway/audit/time_format.h"
#include "gateway/core/json_fields.h"
#include "gateway/core/organisation.h"
#include "gateway/crypto/encoding.h"
#include "gateway/federation/canonical_bytes.h"
#include "gateway/federation/signed_json.h"
#include "gateway/messages/federation_message.h"

namespace ketenpoort::delivery {

namespace {

using nlohmann::json;

constexpr std::string_view kTag = "ketenpoort-status-report-v1\n";
constexpr std::size_t kMaxStateBytes = 32;
constexpr std::size_t kMaxCodeBytes = 64;
constexpr std::size_t kMaxReasonBytes = 2000;
constexpr std::size_t kMaxActorBytes = 200;
constexpr const char* kCode = "invalid_status_report";

Error Bad(std::string field, std::string message) {
  return InvalidArgument(kCode, std::move(message), std::move(field));
}

bool IsSnakeCase(std::string_view s, std::size_t max) {
  return s.size() <= max && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
         });
}

}  // namespace

Status Validate(const StatusReport& r) {
  if (!IsValidMessageId(r.id))
    return Bad("id", "must be 1 to 128 of A-Z a-z 0-9 - _ . :");
  if (!IsValidMessageId(r.message_id))
    return Bad("message_id", "must be 1 to 128 of A-Z a-z 0-9 - _ . :");
  if (!IsValidOrgId(r.recipient))
    return Bad("recipient", "must be an organisation id");
  if (r.state.empty() || !IsSnakeCase(r.state, kMaxStateBytes))
    return Bad("state", "must be 1 to 32 of a-z 0-9 _");
  if (!IsSnakeCase(r.code, kMaxCodeBytes))
    return Bad("code", "must be at most 64 of a-z 0-9 _");
  if (r.reason.size() > kMaxReasonBytes)
    return Bad("reason", "must be at most 2000 bytes");
  if (r.actor.empty() || r.actor.size() > kMaxActorBytes)
    return Bad("actor", "must be 1 to 200 bytes");
  if (!IsValidMessageId(r.gateway))
    return Bad("gateway", "must be a gateway id");
  if (r.set_ms < 0 || r.set_ms > audit::kMaxTimeMs)
    return Bad("set", "is out of range");
  return Ok();
}

Bytes CanonicalBytes(const StatusReport& r) {
  Bytes out;
  PutRaw(out, AsBytes(kTag));
  for (std::string_view s :
       {std::string_view(r.id), std::string_view(r.message_id), std::string_view(r.recipient),
        std::string_view(r.state), std::string_view(r.code), std::string_view(r.reason),
        std::string_view(r.actor), std::string_view(r.gateway)}) {
    PutStr(out, s);
  }
  PutU64(out, static_cast<std::uint64_t>(r.set_ms));
  return out;
}

crypto::Digest ReportDigest(const StatusReport& report) {
  return crypto::Sha256(CanonicalBytes(report));
}

Result<SignedStatusReport> SignStatusReport(const crypto::Keyring& keyring,
                                            const std::string& key_id, const StatusReport& report) {
  KP_RETURN_IF_ERROR(Validate(report));
  KP_ASSIGN_OR_RETURN(Bytes signature, keyring.SignDigest(key_id, CanonicalBytes(report)));
  return SignedStatusReport{report, std::move(signature)};
}

Status VerifyStatusReport(const SignedStatusReport& signed_report,
                          const crypto::Certificate& signer) {
  KP_RETURN_IF_ERROR(Validate(signed_report.report));
  if (signed_report.signature.empty() ||
      !crypto::VerifySignature(signer, CanonicalBytes(signed_report.report),
                               signed_report.signature)) {
    return Refused("report_signature_invalid",
                   "status report " + signed_report.report.id +
                       " is not signed by the key of the certificate this connection presented",
                   "signature");
  }
  return Ok();
}

json ToJson(const SignedStatusReport& signed_report) {
  const StatusReport& r = signed_report.report;
  return json{{"id", r.id},
              {"message_id", r.message_id},
              {"recipient", r.recipient},
              {"state", r.state},
              {"code", r.code},
              {"reason", r.reason},
              {"actor", r.actor},
              {"set", audit::FormatTime(r.set_ms)},
              {"gateway", r.gateway},
              {"signature", crypto::Base64Encode(signed_report.signature)}};
}

Result<SignedStatusReport> SignedStatusReportFromJson(const json& value) {
  JsonFields f(value, "", kCode);
  KP_RETURN_IF_ERROR(f.IsObject());
  KP_RETURN_IF_ERROR(f.OnlyKeys({"id", "message_id", "recipient", "state", "code", "reason",
                                 "actor", "set", "gateway", "signature"}));
  SignedStatusReport out;
  StatusReport& r = out.report;
  KP_ASSIGN_OR_RETURN(r.id, f.RequiredString("id"));
  KP_ASSIGN_OR_RETURN(r.message_id, f.RequiredString("message_id"));
  KP_ASSIGN_OR_RETURN(r.recipient, f.RequiredString("recipient"));
  KP_ASSIGN_OR_RETURN(r.state, f.RequiredString("state"));
  KP_ASSIGN_OR_RETURN(r.code, f.OptionalString("code"));
  KP_ASSIGN_OR_RETURN(r.reason, f.OptionalString("reason"));
  KP_ASSIGN_OR_RETURN(r.actor, f.RequiredString("actor"));
  KP_ASSIGN_OR_RETURN(r.set_ms, TimeField(f, "set", kCode));
  KP_ASSIGN_OR_RETURN(r.gateway, f.RequiredString("gateway"));
  KP_ASSIGN_OR_RETURN(out.signature, SignatureField(f, kCode));
  KP_RETURN_IF_ERROR(Validate(r));
  return out;
}

json ToJson(const StatusReportPost& post) {
  return {{"report", ToJson(post.report)}, {"certificate", post.certificate_pem}};
}

Result<StatusReportPost> StatusReportPostFromJson(const json& value) {
  KP_ASSIGN_OR_RETURN(ChainedStatement body,
                      ChainedStatementFromJson(value, "report", kCode, "report"));
  KP_ASSIGN_OR_RETURN(SignedStatusReport signed_report,
                      SignedStatusReportFromJson(*body.statement));
  return StatusReportPost{std::move(signed_report), std::move(body.certificate_pem)};
}

}  // namespace ketenpoort::delivery
