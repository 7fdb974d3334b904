// A status report: one gateway's signed statement that a delivery of a federated message moved
// there, sent to the gateway of the message's other party (POST /v1/federation/status), which
// applies it to its own copy of the delivery (federation_service.h). A recipient's decision on
// gateway B reaches the sender's tracking on gateway A this way, and the sender's moves (a
// close, an answer that puts the delivery back to "received") reach B.
//
//   // (compiled in examples_test.cpp)
//   StatusReport r{.id = "r-3c1d...", .message_id = "m-5f0c...", .recipient = "comensha",
//                  .state = "assessed", .actor = "comensha/a.bakker", .set_ms = now_ms,
//                  .gateway = "gw-b"};
//   auto signed_report = SignStatusReport(keyring, "tls", r);          // sending side
//   nlohmann::json body = ToJson(StatusReportPost{*signed_report, tls_chain_pem});
//   ...
//   auto got = StatusReportPostFromJson(body);                         // receiving side
//   KP_RETURN_IF_ERROR(VerifyStatusReport(got->report, leaf_of(got->certificate_pem)));
//
// Contract:
// - Validate: id, message_id and gateway have the form of a message id (IsValidMessageId);
//   recipient is an organisation id; state 1..32 of [a-z0-9_]; code 0..64 of [a-z0-9_]; reason
//   at most 2000 bytes; actor 1..200 bytes; set_ms in 0 .. 253402300799999. Errors:
//   kInvalidArgument "invalid_status_report", `field` the JSON key.
// - CanonicalBytes is the only input to the signature. Version 1, byte for byte ("str" =
//   uint32 byte length then the bytes, canonical_bytes.h):
//
//     "ketenpoort-status-report-v1\n"     28 bytes of ASCII (the version tag)
//     id, message_id, recipient, state, code, reason, actor, gateway    str each
//     set_ms                                                            8 bytes, int64
//
// - The signature is Keyring::SignDigest over CanonicalBytes: ECDSA with SHA-256, DER, with
//   the sending gateway's TLS key; the receiver checks it against the certificate its
//   connection presented (the chain in the body must be that certificate's).
// - JSON of a report: exactly the keys id, message_id, recipient, state, code, reason, actor,
//   set (RFC 3339 UTC with milliseconds), gateway and signature (standard base64). The body of
//   the POST: {"report": {...}, "certificate": "-----BEGIN CERTIFICATE-----..."}; other keys
//   of the body are ignored, unknown keys of the report are not.
// - The answer is a delivery receipt (receipt.h) that names the report's id as message_id, the
//   report's recipient as its one recipient, and the SHA-256 of the report's CanonicalBytes as
//   payload_sha256.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/hash.h"
#include "gateway/crypto/keyring.h"

namespace ketenpoort::delivery {

struct StatusReport {
  std::string id{};          // "r-..." minted where the delivery moved; unique
  std::string message_id{};  // the message as both gateways know it
  std::string recipient{};   // the organisation whose delivery moved
  std::string state{};       // where it moved
  std::string code{};        // a coded reason, "" for none
  std::string reason{};      // the reason in words, "" for none
  std::string actor{};       // "ORG" or "ORG/USER" who moved it
  std::int64_t set_ms = 0;
  std::string gateway{};  // the id of the gateway where it moved, which signs

  bool operator==(const StatusReport&) const = default;
};

struct SignedStatusReport {
  StatusReport report;
  Bytes signature;  // DER ECDSA over CanonicalBytes(report)

  bool operator==(const SignedStatusReport&) const = default;
};

// The body of POST /v1/federation/status.
struct StatusReportPost {
  SignedStatusReport report;
  std::string certificate_pem;  // the signer's TLS chain, leaf first

  bool operator==(const StatusReportPost&) const = default;
};

Status Validate(const StatusReport& report);
// Requires a valid report (Validate).
Bytes CanonicalBytes(const StatusReport& report);
// Validates `report` and signs it with key `key_id` of `keyring`.
Result<SignedStatusReport> SignStatusReport(const crypto::Keyring& keyring,
                                            const std::string& key_id, const StatusReport& report);
// OK when the report is valid and signed by `signer`'s key; else kRefused
// "report_signature_invalid".
Status VerifyStatusReport(const SignedStatusReport& signed_report,
                          const crypto::Certificate& signer);
// SHA-256 of CanonicalBytes: what the receipt of a report names as payload_sha256.
crypto::Digest ReportDigest(const StatusReport& report);

nlohmann::json ToJson(const SignedStatusReport& signed_report);
Result<SignedStatusReport> SignedStatusReportFromJson(const nlohmann::json& value);
nlohmann::json ToJson(const StatusReportPost& post);
Result<StatusReportPost> StatusReportPostFromJson(const nlohmann::json& value);

}  // namespace ketenpoort::delivery
