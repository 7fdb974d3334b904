// A signed delivery receipt: the receiving gateway's statement that it took a message in for
// some of its organisations, signed with its key, checked by the sender against the receiving
// gateway's certificate and kept as proof of delivery.
//
//   // (compiled in examples_test.cpp)
//   DeliveryReceipt r{.message_id = "m-0f3c...", .recipients = {"comensha"},
//                     .gateway = "gw-noord", .received_ms = now_ms,
//                     .payload_sha256 = crypto::Sha256(payload_der)};
//   auto signed_receipt = SignReceipt(keyring, "gateway", r);       // receiving side
//   nlohmann::json wire = ToJson(*signed_receipt);                  // in the HTTP answer
//   ...
//   auto got = SignedReceiptFromJson(wire);                         // sending side
//   KP_RETURN_IF_ERROR(VerifyReceiptFor(*got, peer_gateway_cert,
//                                       {.message_id = id, .recipients = orgs,
//                                        .gateway = "gw-noord", .payload_sha256 = digest}));
//
// Contract:
// - Validate: message_id and gateway are 1..128 bytes of printable ASCII without spaces
//   (0x21..0x7e); recipients are 1..1000 distinct organisation ids (IsValidOrgId); received_ms
//   is in 0 .. 253402300799999 (RFC 3339 with milliseconds up to year 9999, time_format.h).
//   Errors: kInvalidArgument "invalid_receipt", `field` the JSON key.
// - CanonicalBytes is the only input to the signature. Version 1, byte for byte (integers
//   big-endian; "str" = uint32 byte length followed by the bytes):
//
//     "ketenpoort-delivery-receipt-v1\n"   31 bytes of ASCII (the version tag)
//     message_id                           str
//     gateway                              str
//     received_ms                          8 bytes, int64
//     payload_sha256                       32 bytes
//     recipient count                      uint32
//     recipients, sorted bytewise          str each
//
//   Length prefixes and fixed widths in a fixed order make it injective; sorting makes the
//   recipient order in JSON irrelevant (Validate forbids duplicates, so it is a set). A later
//   version changes the tag.
// - The signature is Keyring::SignDigest over CanonicalBytes: ECDSA with SHA-256, DER, for the
//   EC P-256 gateway keys (`openssl dgst -sha256 -verify pub.pem -signature sig` accepts it).
// - JSON: exactly the keys message_id, recipients, gateway, received (RFC 3339 UTC with
//   milliseconds, "2026-11-23T10:00:00.000Z"), payload_sha256 (64 hex digits; written lower
//   case) and signature (standard base64 of the DER signature). Unknown or missing keys and
//   wrong types are kInvalidArgument "invalid_receipt" with `field` the key.
// - VerifyReceipt: Validate, then the signature against `signer`'s public key; a bad signature
//   (any changed field, another key) is kRefused "receipt_signature_invalid". The caller picks
//   `signer` (the receiving gateway's certificate from the directory) and checks its trust.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/hash.h"
#include "gateway/crypto/keyring.h"

namespace ketenpoort::delivery {

struct DeliveryReceipt {
  std::string message_id;               // the message as the sender knows it
  std::vector<std::string> recipients;  // the organisations it was taken in for
  std::string gateway;                  // the receiving gateway's id
  std::int64_t received_ms = 0;         // when it was committed there, ms since the epoch (UTC)
  crypto::Digest payload_sha256{};      // SHA-256 of the payload bytes (the DER CMS envelope)

  bool operator==(const DeliveryReceipt&) const = default;
};

struct SignedReceipt {
  DeliveryReceipt receipt;
  Bytes signature;  // DER ECDSA over CanonicalBytes(receipt)

  bool operator==(const SignedReceipt&) const = default;
};

inline constexpr std::size_t kMaxReceiptRecipients = 1000;

Status Validate(const DeliveryReceipt& receipt);

// Requires a valid receipt (Validate).
Bytes CanonicalBytes(const DeliveryReceipt& receipt);

// Validates `receipt` and signs it with key `key_id` of `keyring`.
Result<SignedReceipt> SignReceipt(const crypto::Keyring& keyring, const std::string& key_id,
                                  const DeliveryReceipt& receipt);

// OK when `signed_receipt` is valid and signed by `signer`'s key.
Status VerifyReceipt(const SignedReceipt& signed_receipt, const crypto::Certificate& signer);

// What the sender expects a receipt for one of its deliveries to say.
struct ReceiptExpectation {
  std::string message_id;
  std::vector<std::string> recipients;  // the same set, any order
  std::string gateway;
  crypto::Digest payload_sha256{};
};

// VerifyReceipt, then the receipt must match `expected`; a difference is kRefused
// "receipt_mismatch" with `field` the first differing key (message_id, gateway,
// payload_sha256, recipients).
Status VerifyReceiptFor(const SignedReceipt& signed_receipt, const crypto::Certificate& signer,
                        const ReceiptExpectation& expected);

nlohmann::json ToJson(const SignedReceipt& signed_receipt);
Result<SignedReceipt> SignedReceiptFromJson(const nlohmann::json& value);

// The answer to a delivery (202 to POST /v1/federation/messages): the receipt and the receiving
// gateway's TLS chain (PEM, leaf first) whose key signed it; the sender checks the chain against
// its trust anchors before it trusts the receipt.
//
//   {"receipt": {"message_id": ..., "signature": ...},
//    "certificate": "-----BEGIN CERTIFICATE-----..."}
//   KP_ASSIGN_OR_RETURN(ReceiptAnswer a, ReceiptAnswerFromJson(json::parse(body)));
//   KP_ASSIGN_OR_RETURN(auto chain, crypto::ParsePemChain(a.certificate_pem));  // then trust
//
// ReceiptAnswerFromJson ignores other keys (a later version may add some). Not an object, no
// "receipt", or no string "certificate": kInvalidArgument "invalid_receipt" naming the key; then
// SignedReceiptFromJson's errors. Whether the PEM is a trusted chain is the reader's to check.
struct ReceiptAnswer {
  SignedReceipt receipt;
  std::string certificate_pem;

  bool operator==(const ReceiptAnswer&) const = default;
};

nlohmann::json ToJson(const ReceiptAnswer& answer);
Result<ReceiptAnswer> ReceiptAnswerFromJson(const nlohmann::json& value);

}  // namespace ketenpoort::delivery
