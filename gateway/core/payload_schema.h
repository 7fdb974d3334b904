// The shape of a message kind's payload: the JSON document a sender seals and a recipient
// opens (the gateway never sees it). `ketenpoort send` checks it before sealing and `open`
// after decrypting, with one error naming the field.
//
//   // (compiled in examples_test.cpp)
//   PayloadSchema schema{{
//       {.name = "client_ref", .type = FieldType::kString, .required = true},
//       {.name = "needs", .type = FieldType::kCodes, .required = true, .list = "need"},
//       {.name = "urgency", .type = FieldType::kEnum, .values = {"normal", "urgent"}},
//   }};
//   schema.Validate(json::parse(R"({"client_ref":"p-1","needs":["shelterr"]})"), lists, versions)
//   // 400 invalid_code, field "needs[0]": "'shelterr' is not a code of list need v1 (...)"
//
// Contract: the document must be an object; keys not in the schema are refused
// (unknown_field), required fields must be present and not null (missing_field), every value
// must have its type (invalid_type) and, for codes, be in the code list at the version the
// message records (invalid_code). Fields are checked in schema order, so the first error is
// deterministic. Error messages quote codes and enum values, never free text from the payload.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/code_lists.h"
#include "gateway/core/error.h"

namespace ketenpoort {

enum class FieldType {
  kString,   // non-empty text of at most max_length bytes
  kBool,     // true or false
  kInteger,  // a whole number from min to max
  kDate,     // "YYYY-MM-DD"
  kTime,     // RFC 3339 UTC, "2026-11-23T10:00:00Z" (fractions allowed)
  kEnum,     // one of `values`
  kCode,     // one code of code list `list`
  kCodes,    // a non-empty array of distinct codes of `list`
  kStrings,  // an array of non-empty strings (attachment names, ...)
};

struct FieldSpec {
  std::string name{};
  FieldType type = FieldType::kString;
  bool required = false;
  std::string list{};                 // kCode, kCodes
  std::vector<std::string> values{};  // kEnum
  std::size_t max_length = 2000;      // kString, and each item of kStrings
  long long min = 0;                  // kInteger
  long long max = 1000000;            // kInteger
  std::string description{};          // for --help and the README
};

struct PayloadSchema {
  std::vector<FieldSpec> fields{};

  Status Validate(const nlohmann::json& payload, const CodeLists& lists,
                  const CodeListVersions& versions) const;
};

// Parses `text` as JSON (400 invalid_payload naming the byte offset) and validates it.
Status ValidatePayloadText(const PayloadSchema& schema, std::string_view text,
                           const CodeLists& lists, const CodeListVersions& versions);

}  // namespace ketenpoort
