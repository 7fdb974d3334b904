// The JSON pieces the federation's signed statements (receipt.h, status_report.h) read alike:
// a time, a signature, and the body that carries a statement beside its signer's certificate
// chain. Each error is kInvalidArgument with the statement's own code and the JSON key as field,
// so a receipt's errors say invalid_receipt and a report's invalid_status_report.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/audit/time_format.h"
#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/core/json_fields.h"
#include "gateway/crypto/encoding.h"

namespace ketenpoort::delivery {

// Key `key` of `f`: RFC 3339 UTC with milliseconds (audit/time_format.h), as ms since the epoch.
inline Result<std::int64_t> TimeField(const JsonFields& f, const char* key, std::string_view code) {
  KP_ASSIGN_OR_RETURN(std::string text, f.RequiredString(key));
  auto time = audit::ParseTime(text);
  if (!time)
    return InvalidArgument(std::string(code), "must be RFC 3339 UTC with milliseconds", key);
  return *time;
}

// Key "signature" of `f`: standard base64 of a DER signature (1 to 512 bytes).
inline Result<Bytes> SignatureField(const JsonFields& f, std::string_view code) {
  constexpr std::size_t kMaxSignatureBytes = 512;
  KP_ASSIGN_OR_RETURN(std::string text, f.RequiredString("signature"));
  auto signature = crypto::Base64Decode(text);
  if (!signature || signature->empty() || signature->size() > kMaxSignatureBytes) {
    return InvalidArgument(std::string(code), "must be base64 of a DER signature", "signature");
  }
  return std::move(*signature);
}

// {"KEY": {...the statement...}, "certificate": "-----BEGIN CERTIFICATE-----..."}; other keys
// are ignored (a later version may add some). `what` names the statement in the error about a
// missing chain ("receipt", "report").
struct ChainedStatement {
  const nlohmann::json* statement = nullptr;  // points into the value read
  std::string certificate_pem{};
};
inline Result<ChainedStatement> ChainedStatementFromJson(const nlohmann::json& value,
                                                         const char* key, std::string_view code,
                                                         std::string_view what) {
  if (!value.is_object())
    return InvalidArgument(std::string(code), "must be an object", "");
  auto statement = value.find(key);
  if (statement == value.end())
    return InvalidArgument(std::string(code), "is missing", key);
  auto certificate = value.find("certificate");
  if (certificate == value.end() || !certificate->is_string()) {
    return InvalidArgument(std::string(code),
                           "must be the PEM certificate chain that signed the " + std::string(what),
                           "certificate");
  }
  return ChainedStatement{&*statement, certificate->get<std::string>()};
}

}  // namespace ketenpoort::delivery
