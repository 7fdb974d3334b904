// Checks of message fields shared by the two ways a message enters this gateway: submitted by
// an organisation (message_service.h) and delivered by a peer gateway (federation_service.h).
//
//   if (!IsValidSubjectRef(ref)) return InvalidArgument("invalid_subject_ref", ...);
//   KP_ASSIGN_OR_RETURN(std::int64_t ms, ParseRequestTime("2026-12-01T12:00:00Z", "deadline"));
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

namespace ketenpoort::server {

// A pseudonym: at most 128 of [A-Za-z0-9-_.:], possibly empty; never a name with spaces.
bool IsValidSubjectRef(std::string_view s);

// RFC 3339 UTC, with or without milliseconds ("2026-12-01T12:00:00Z"); 400 invalid_time
// naming `field` otherwise.
Result<std::int64_t> ParseRequestTime(const std::string& text, const std::string& field);

// The optional header fields both entry paths read alike: "subject_ref" (a pseudonym, see
// above: 400 invalid_subject_ref), "deadline" and "expires" (ParseRequestTime; an expiry at or
// before `now_ms` is 400 invalid_time). Absent or null fields stay empty.
struct CommonHeader {
  std::string subject_ref;
  std::optional<std::int64_t> deadline_ms;
  std::optional<std::int64_t> expires_ms;
};
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

}  // namespace ketenpoort::server
