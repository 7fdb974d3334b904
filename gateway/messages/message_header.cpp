#include "gateway/messages/message_header.h"

#include <algorithm>

#include "gateway/audit/time_format.h"
#include "gateway/core/pseudonym.h"
#include "gateway/crypto/encoding.h"

namespace ketenpoort::delivery {

bool IsIdToken(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':';
  });
}

Result<std::int64_t> ParseRequestTime(const std::string& text, const std::string& field) {
  return audit::ParseUserTime(text, field);
}

Result<CommonHeader> ReadCommonHeader(const JsonFields& f) {
  CommonHeader h;
  KP_ASSIGN_OR_RETURN(h.subject_ref, f.OptionalString("subject_ref"));
  if (!h.subject_ref.empty() && !IsPseudonym(h.subject_ref)) {
    return InvalidArgument("invalid_subject_ref",
                           "must be a client pseudonym as `ketenpoort pseudonym` makes it (64 "
                           "lower-case hex digits), never a name or a number",
                           "subject_ref");
  }
  KP_ASSIGN_OR_RETURN(std::string deadline, f.OptionalString("deadline"));
  if (!deadline.empty()) {
    KP_ASSIGN_OR_RETURN(h.deadline_ms, ParseRequestTime(deadline, "deadline"));
  }
  KP_ASSIGN_OR_RETURN(std::string expires, f.OptionalString("expires"));
  if (!expires.empty()) {
    KP_ASSIGN_OR_RETURN(h.expires_ms, ParseRequestTime(expires, "expires"));
  }
  return h;
}

Status CheckNotExpired(const std::optional<std::int64_t>& expires_ms, std::int64_t now_ms) {
  if (expires_ms && *expires_ms <= now_ms)
    return InvalidArgument("invalid_time", "lies in the past", "expires");
  return Ok();
}

Result<Bytes> DecodePayload(std::string_view base64) {
  auto payload = crypto::Base64Decode(base64);
  if (!payload) {
    return InvalidArgument("invalid_payload", "must be the base64 of a DER CMS envelope",
                           "payload");
  }
  return std::move(*payload);
}

}  // namespace ketenpoort::delivery
