// The clear-text fields of a message as JSON carries them, read alike wherever a message enters
// a gateway: submitted by an organisation (messages/message_service.h, securemail) and delivered
// by a peer gateway (federation_message.h). They check the form of a field only; what a field
// may say in a given place (a deadline the kind requires, an expiry still ahead) is the caller's.
//
//   // (compiled in examples_test.cpp)
//   JsonFields f(body, "", "invalid_request");
//   KP_ASSIGN_OR_RETURN(CommonHeader h, ReadCommonHeader(f));  // subject_ref, deadline, expires
//   KP_RETURN_IF_ERROR(CheckNotExpired(h.expires_ms, now_ms));  // 400 invalid_time "expires"
//   KP_ASSIGN_OR_RETURN(std::int64_t ms, ParseRequestTime("2026-12-01T12:00:00Z", "deadline"));
//   KP_ASSIGN_OR_RETURN(Bytes der, DecodePayload(body["payload"].get<std::string>()));
//
// Errors are those of POST /v1/messages in docs/API.md, with the same codes and fields.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/core/json_fields.h"

namespace ketenpoort::delivery {

// Only [A-Za-z0-9-_.:] (possibly empty): the characters of the ids a path or header may carry.
bool IsIdToken(std::string_view s);

// RFC 3339 UTC, with or without milliseconds ("2026-12-01T12:00:00Z"); 400 invalid_time
// naming `field` otherwise.
Result<std::int64_t> ParseRequestTime(const std::string& text, const std::string& field);

// The optional header fields: "subject_ref" (a client pseudonym, IsPseudonym in
// core/pseudonym.h: 400 invalid_subject_ref),
// "deadline" and "expires" (ParseRequestTime). Absent or null fields stay empty. Errors of a
// wrong type are those of `fields` (JsonFields::OptionalString).
struct CommonHeader {
  std::string subject_ref;
  std::optional<std::int64_t> deadline_ms;
  std::optional<std::int64_t> expires_ms;
};
Result<CommonHeader> ReadCommonHeader(const JsonFields& fields);

// An expiry at or before `now_ms`: 400 invalid_time, field "expires". None: Ok.
Status CheckNotExpired(const std::optional<std::int64_t>& expires_ms, std::int64_t now_ms);

// The "payload" field: the standard base64 of a DER CMS envelope; anything else is 400
// invalid_payload, field "payload". Whether the bytes are an envelope is not checked here
// (messages/message_fields.h, DecodeSealedPayload).
Result<Bytes> DecodePayload(std::string_view base64);

}  // namespace ketenpoort::delivery
