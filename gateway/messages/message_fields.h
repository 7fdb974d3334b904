// Checks of message fields shared by the ways a message enters this gateway: submitted by an
// organisation (message_service.h, securemail_service.h) and delivered by a peer gateway
// (federation_service.h). The form of each field is messages/message_header.h's; these add what
// needs the clock or the directory.
//
//   // (compiled in examples_test.cpp)
//   JsonFields f(body, "", "invalid_request");
//   KP_ASSIGN_OR_RETURN(CommonHeader h, ReadCommonHeader(f, now_ms));  // expiry still ahead
//   KP_ASSIGN_OR_RETURN(auto certs, DirectoryCertificates(directory));   // org id -> cert
//   KP_ASSIGN_OR_RETURN(SealedPayload sealed, DecodeSealedPayload(body["payload"]));
//   if (!sealed.info.IsFor(certs.at("comensha"))) -> envelope_recipient_mismatch
//
// Errors are those of POST /v1/messages in docs/API.md, with the same codes and fields.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/bytes.h"
#include "gateway/core/directory.h"
#include "gateway/core/error.h"
#include "gateway/core/json_fields.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/envelope.h"
#include "gateway/messages/message_header.h"

namespace ketenpoort::server {

using delivery::CommonHeader;

// delivery::ReadCommonHeader, then an expiry at or before `now_ms` is 400 invalid_time.
Result<CommonHeader> ReadCommonHeader(const JsonFields& fields, std::int64_t now_ms);

using CertificateMap = std::map<std::string, crypto::Certificate, std::less<>>;

// The certificate of every organisation that has one. A certificate that does not parse:
// kInvalidArgument "invalid_directory", field "organisations.ID.certificate".
Result<CertificateMap> DirectoryCertificates(const Directory& directory);

struct SealedPayload {
  Bytes der;                  // the DER CMS envelope
  crypto::EnvelopeInfo info;  // whom it is encrypted for
};

// Decodes the base64 "payload" of a message: not base64 -> 400 invalid_payload; not a CMS
// (Auth)EnvelopedData -> 422 with crypto's code (invalid_envelope, not_an_envelope); field
// "payload" either way.
Result<SealedPayload> DecodeSealedPayload(const std::string& base64);
// The second half of DecodeSealedPayload, for a payload already decoded (a peer's delivery).
Result<SealedPayload> InspectSealedPayload(Bytes der);

}  // namespace ketenpoort::server
