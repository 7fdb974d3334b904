// Strict reading of one JSON object of a configuration file (directory.json, routes.json):
// every key must be known, every value of the right type, and every error names the field's
// path from the document root, so a person can find it in the file.
//
//   // (compiled in examples_test.cpp)
//   JsonFields f(rule, "rules[2]", "invalid_routes");
//   KP_RETURN_IF_ERROR(f.IsObject());   // "rules[2]: must be an object, not an array"
//   KP_RETURN_IF_ERROR(f.OnlyKeys({"id", "match", "to"}));
//                                       // "rules[2].mtach: unknown key 'mtach'"
//   KP_ASSIGN_OR_RETURN(std::string id, f.RequiredString("id"));
//   KP_ASSIGN_OR_RETURN(auto to, f.StringArray("to", /*required=*/true));
//
// Every error is InvalidArgument with the `code` given to the constructor and `field` set to
// the path. JSON null counts as absent. A JsonFields borrows the value: keep it alive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/error.h"

namespace ketenpoort {

class JsonFields {
 public:
  JsonFields(const nlohmann::json& value, std::string path, std::string code);

  Status IsObject() const;
  Status OnlyKeys(std::initializer_list<std::string_view> known) const;

  // The value at `key`, or nullptr when it is absent or null.
  const nlohmann::json* Find(std::string_view key) const;

  std::string PathOf(std::string_view key) const;  // "rules[2]" + "id" -> "rules[2].id"
  const std::string& path() const { return path_; }
  Error Bad(std::string field, std::string message) const;

  Result<std::string> RequiredString(std::string_view key) const;  // present, non-empty
  Result<std::string> OptionalString(std::string_view key) const;  // absent or null: ""
  Result<bool> OptionalBool(std::string_view key, bool fallback) const;
  // A whole number from min to max; absent: `fallback`.
  Result<std::int64_t> OptionalInteger(std::string_view key, std::int64_t fallback,
                                       std::int64_t min, std::int64_t max) const;
  // An array of whole numbers, each from min to max; absent: `fallback`.
  Result<std::vector<std::int64_t>> IntegerArray(std::string_view key,
                                                 std::vector<std::int64_t> fallback,
                                                 std::int64_t min, std::int64_t max) const;
  Result<const nlohmann::json*> RequiredArray(std::string_view key) const;
  // An array of non-empty, distinct strings; absent: empty unless `required`.
  Result<std::vector<std::string>> StringArray(std::string_view key, bool required) const;
  // A non-empty string, or a non-empty array of distinct non-empty strings; absent: empty.
  Result<std::vector<std::string>> StringOrArray(std::string_view key) const;

 private:
  const nlohmann::json& value_;
  std::string path_;
  std::string code_;
};

// "rules" + 2 -> "rules[2]"
std::string IndexPath(std::string_view path, std::size_t index);

// Parses a whole document; never throws. Every error uses `code`: a syntax error names the byte
// offset, a number beyond double's range (1e400) says so, a repeated key in an object names it.
Result<nlohmann::json> ParseJsonText(std::string_view text, std::string_view code);

}  // namespace ketenpoort
