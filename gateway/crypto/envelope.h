// CMS (RFC 5652, S/MIME) envelopes without private keys: seal content to recipients, inspect who
// an envelope is for, verify a signature. Opening an envelope needs a key: Keyring::DecryptCms.
//
// Payloads are signed by the sender, then encrypted to every recipient organisation and to the
// sender itself; any `openssl cms` can open them with the right key. The gateway cannot decrypt,
// but checks that a submitted envelope is addressed to exactly the resolved recipients:
//
//   // (compiled in examples_test.cpp)
//   auto sealed = SealCms(signed_der, {recipient_cert, sender_cert});   // AuthEnvelopedData
//
//   auto info = InspectEnvelope(submitted_der);
//   if (!info) return info.error();                      // not an envelope, unsupported, garbage
//   if (!info->IsExactlyFor(resolved_certs)) return Refused("envelope_recipient_mismatch", ...);
//
//   auto signed_content = VerifySignedData(inner_der, trust_anchors);
//   signed_content->content;  signed_content->signer.SubjectCommonName();
//
// Errors: bytes that are not CMS -> kInvalidArgument "invalid_envelope" / "invalid_signed_data";
// CMS of the wrong type -> kInvalidArgument "not_an_envelope" / "not_signed_data"; a recipient
// type we do not support (password, KEK) -> kRefused "unsupported_recipient"; a bad signature ->
// kRefused "signature_invalid"; a signer that does not chain to an anchor or may not sign mail ->
// kRefused "signer_untrusted".
#pragma once

#include <vector>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/crypto/certificate.h"

namespace ketenpoort::crypto {

// How a CMS RecipientInfo names the recipient's certificate: by issuer and serial number
// (the `openssl cms -encrypt` default) or by subject key identifier (`-keyid`).
struct RecipientId {
  enum class Kind { kIssuerAndSerial, kSubjectKeyId };
  Kind kind = Kind::kIssuerAndSerial;
  Bytes issuer;          // kIssuerAndSerial: DER of the issuer Name
  Bytes serial;          // kIssuerAndSerial: DER of the serial INTEGER
  Bytes subject_key_id;  // kSubjectKeyId: the key identifier octets

  // True when this id names `cert`.
  bool Matches(const Certificate& cert) const;
  bool operator==(const RecipientId&) const = default;
};

struct EnvelopeInfo {
  bool authenticated = false;  // AuthEnvelopedData (AES-GCM) rather than EnvelopedData
  // In encoding order. RecipientInfos is a SET, so DER sorts it: do not expect the order in
  // which SealCms was given the certificates.
  std::vector<RecipientId> recipients;

  // True when some recipient id names `cert`.
  bool IsFor(const Certificate& cert) const;
  // True when every recipient id names one of `certs` and every one of `certs` is named.
  bool IsExactlyFor(const std::vector<Certificate>& certs) const;
};

// CMS AuthEnvelopedData (DER), AES-256-GCM, binary content, one key-agreement (EC, ECDH with a
// SHA-256 KDF) or key-transport (RSA) recipient per certificate, named by issuer and serial.
Result<Bytes> SealCms(ByteView content, const std::vector<Certificate>& recipients);

// Who `der` (EnvelopedData or AuthEnvelopedData, DER or BER) is addressed to. Does not decrypt.
Result<EnvelopeInfo> InspectEnvelope(ByteView der);

struct SignedContent {
  Bytes content;
  Certificate signer;
};

// Verifies CMS SignedData (DER, attached content, exactly one signer) against `trust_anchors`
// for S/MIME signing (the signer certificate needs emailProtection when it lists extended key
// usages) and returns the content and the signer's certificate. Intermediate certificates may
// travel inside the SignedData.
Result<SignedContent> VerifySignedData(ByteView signed_der,
                                       const std::vector<Certificate>& trust_anchors);

}  // namespace ketenpoort::crypto
