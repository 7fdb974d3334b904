#include "gateway/federation/receipt.h"

#include <algorithm>
#include <set>
#include <string_view>

#include "gateway/audit/time_format.h"
#include "gateway/core/json_fields.h"
#include "gateway/core/organisation.h"
#include "gateway/crypto/encoding.h"
#include "gateway/federation/canonical_bytes.h"
#include "gateway/federation/signed_json.h"

namespace ketenpoort::delivery {

namespace {

using nlohmann::json;

constexpr std::string_view kTag = "ketenpoort-delivery-receipt-v1\n";
constexpr std::size_t kMaxIdBytes = 128;
constexpr const char* kCode = "invalid_receipt";

Error Bad(std::string field, std::string message) {
  return InvalidArgument(kCode, std::move(message), std::move(field));
}

bool IsPlainId(std::string_view s) {
  if (s.empty() || s.size() > kMaxIdBytes)
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

// Same elements, any order (both sides are distinct after Validate).
bool SameSet(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

}  // namespace

Status Validate(const DeliveryReceipt& receipt) {
  if (!IsPlainId(receipt.message_id))
    return Bad("message_id", "must be 1 to 128 printable ASCII characters without spaces");
  if (!IsPlainId(receipt.gateway))
    return Bad("gateway", "must be 1 to 128 printable ASCII characters without spaces");
  if (receipt.recipients.empty() || receipt.recipients.size() > kMaxReceiptRecipients)
    return Bad("recipients", "must name 1 to 1000 organisations");
  std::set<std::string_view> seen;
  for (const std::string& org : receipt.recipients) {
    if (!IsValidOrgId(org))
      return Bad("recipients", "holds a value that is not an organisation id");
    if (!seen.insert(org).second)
      return Bad("recipients", "names an organisation twice");
  }
  if (receipt.received_ms < 0 || receipt.received_ms > audit::kMaxTimeMs)
    return Bad("received", "is out of range");
  return Ok();
}

Bytes CanonicalBytes(const DeliveryReceipt& receipt) {
  std::vector<std::string_view> sorted(receipt.recipients.begin(), receipt.recipients.end());
  std::sort(sorted.begin(), sorted.end());
  Bytes out;
  out.reserve(kTag.size() + 4 + receipt.message_id.size() + 4 + receipt.gateway.size() + 8 + 32 +
              4 + sorted.size() * 24);
  PutRaw(out, AsBytes(kTag));
  PutStr(out, receipt.message_id);
  PutStr(out, receipt.gateway);
  PutU64(out, static_cast<std::uint64_t>(receipt.received_ms));
  PutRaw(out, receipt.payload_sha256);
  PutU32(out, static_cast<std::uint32_t>(sorted.size()));
  for (std::string_view org : sorted)
    PutStr(out, org);
  return out;
}

Result<SignedReceipt> SignReceipt(const crypto::Keyring& keyring, const std::string& key_id,
                                  const DeliveryReceipt& receipt) {
  KP_RETURN_IF_ERROR(Validate(receipt));
  KP_ASSIGN_OR_RETURN(Bytes signature, keyring.SignDigest(key_id, CanonicalBytes(receipt)));
  return SignedReceipt{receipt, std::move(signature)};
}

Status VerifyReceipt(const SignedReceipt& signed_receipt, const crypto::Certificate& signer) {
  KP_RETURN_IF_ERROR(Validate(signed_receipt.receipt));
  if (signed_receipt.signature.empty() ||
      !crypto::VerifySignature(signer, CanonicalBytes(signed_receipt.receipt),
                               signed_receipt.signature)) {
    return Refused("receipt_signature_invalid",
                   "receipt for message " + signed_receipt.receipt.message_id +
                       " is not signed by the expected gateway key",
                   "signature");
  }
  return Ok();
}

Status VerifyReceiptFor(const SignedReceipt& signed_receipt, const crypto::Certificate& signer,
                        const ReceiptExpectation& expected) {
  KP_RETURN_IF_ERROR(VerifyReceipt(signed_receipt, signer));
  const DeliveryReceipt& r = signed_receipt.receipt;
  auto mismatch = [&](const char* field) {
    return Refused("receipt_mismatch",
                   "receipt does not match the delivery of message " + expected.message_id, field);
  };
  if (r.message_id != expected.message_id)
    return mismatch("message_id");
  if (r.gateway != expected.gateway)
    return mismatch("gateway");
  if (r.payload_sha256 != expected.payload_sha256)
    return mismatch("payload_sha256");
  if (!SameSet(r.recipients, expected.recipients))
    return mismatch("recipients");
  return Ok();
}

json ToJson(const SignedReceipt& signed_receipt) {
  const DeliveryReceipt& r = signed_receipt.receipt;
  return json{{"message_id", r.message_id},
              {"recipients", r.recipients},
              {"gateway", r.gateway},
              {"received", audit::FormatTime(r.received_ms)},
              {"payload_sha256", crypto::HexEncode(r.payload_sha256)},
              {"signature", crypto::Base64Encode(signed_receipt.signature)}};
}

Result<SignedReceipt> SignedReceiptFromJson(const json& value) {
  JsonFields f(value, "", kCode);
  KP_RETURN_IF_ERROR(f.IsObject());
  KP_RETURN_IF_ERROR(f.OnlyKeys(
      {"message_id", "recipients", "gateway", "received", "payload_sha256", "signature"}));
  SignedReceipt out;
  DeliveryReceipt& r = out.receipt;
  KP_ASSIGN_OR_RETURN(r.message_id, f.RequiredString("message_id"));
  KP_ASSIGN_OR_RETURN(r.recipients, f.StringArray("recipients", /*required=*/true));
  KP_ASSIGN_OR_RETURN(r.gateway, f.RequiredString("gateway"));
  KP_ASSIGN_OR_RETURN(r.received_ms, TimeField(f, "received", kCode));
  KP_ASSIGN_OR_RETURN(std::string digest_hex, f.RequiredString("payload_sha256"));
  auto digest = crypto::HexDecode(digest_hex);
  if (!digest || digest->size() != r.payload_sha256.size())
    return Bad("payload_sha256", "must be 64 hexadecimal digits");
  std::copy(digest->begin(), digest->end(), r.payload_sha256.begin());
  KP_ASSIGN_OR_RETURN(out.signature, SignatureField(f, kCode));
  KP_RETURN_IF_ERROR(Validate(r));
  return out;
}

json ToJson(const ReceiptAnswer& answer) {
  return {{"receipt", ToJson(answer.receipt)}, {"certificate", answer.certificate_pem}};
}

Result<ReceiptAnswer> ReceiptAnswerFromJson(const json& value) {
  KP_ASSIGN_OR_RETURN(ChainedStatement body,
                      ChainedStatementFromJson(value, "receipt", kCode, "receipt"));
  KP_ASSIGN_OR_RETURN(SignedReceipt signed_receipt, SignedReceiptFromJson(*body.statement));
  return ReceiptAnswer{std::move(signed_receipt), std::move(body.certificate_pem)};
}

}  // namespace ketenpoort::delivery
