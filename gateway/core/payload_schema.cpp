#include "gateway/core/payload_schema.h"

#include <regex>
#include <set>

#include "gateway/core/json_fields.h"

namespace ketenpoort {

namespace {

using nlohmann::json;

Error BadType(const std::string& field, const std::string& expected) {
  return InvalidArgument("invalid_type", "must be " + expected, field);
}

bool IsDate(const std::string& s) {
  static const std::regex date(R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))");
  return std::regex_match(s, date);
}

bool IsTime(const std::string& s) {
  static const std::regex time(
      R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?Z)");
  return std::regex_match(s, time);
}

Status CheckField(const FieldSpec& spec, const json& v, const CodeLists& lists,
                  const CodeListVersions& versions) {
  const std::string& field = spec.name;
  switch (spec.type) {
    case FieldType::kString:
      if (!v.is_string() || v.get<std::string>().empty())
        return BadType(field, "a non-empty string");
      if (v.get<std::string>().size() > spec.max_length) {
        return InvalidArgument(
            "invalid_type", "must be at most " + std::to_string(spec.max_length) + " bytes", field);
      }
      return Ok();
    case FieldType::kBool:
      return v.is_boolean() ? Ok() : Status(BadType(field, "true or false"));
    case FieldType::kInteger:
      if (!v.is_number_integer() || v.get<long long>() < spec.min ||
          v.get<long long>() > spec.max) {
        return BadType(field, "a whole number from " + std::to_string(spec.min) + " to " +
                                  std::to_string(spec.max));
      }
      return Ok();
    case FieldType::kDate:
      return v.is_string() && IsDate(v.get<std::string>())
                 ? Ok()
                 : Status(BadType(field, "a date YYYY-MM-DD"));
    case FieldType::kTime:
      return v.is_string() && IsTime(v.get<std::string>())
                 ? Ok()
                 : Status(BadType(field, "a UTC time like 2026-11-23T10:00:00Z"));
    case FieldType::kEnum: {
      std::string allowed;
      for (const std::string& value : spec.values)
        allowed += (allowed.empty() ? "" : ", ") + value;
      if (v.is_string()) {
        for (const std::string& value : spec.values) {
          if (v.get<std::string>() == value)
            return Ok();
        }
      }
      return InvalidArgument("invalid_value", "must be one of: " + allowed, field);
    }
    case FieldType::kCode:
      if (!v.is_string())
        return BadType(field, "a code of list " + spec.list);
      return lists.CheckCode(spec.list, versions, v.get<std::string>(), field);
    case FieldType::kCodes: {
      if (!v.is_array() || v.empty())
        return BadType(field, "a non-empty array of codes of list " + spec.list);
      std::set<std::string> seen;
      for (std::size_t i = 0; i < v.size(); ++i) {
        const std::string item = IndexPath(field, i);
        if (!v[i].is_string())
          return BadType(item, "a code of list " + spec.list);
        KP_RETURN_IF_ERROR(lists.CheckCode(spec.list, versions, v[i].get<std::string>(), item));
        if (!seen.insert(v[i].get<std::string>()).second)
          return InvalidArgument("invalid_value", "is listed twice", item);
      }
      return Ok();
    }
    case FieldType::kStrings:
      if (!v.is_array())
        return BadType(field, "an array of strings");
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string() || v[i].get<std::string>().empty() ||
            v[i].get<std::string>().size() > spec.max_length) {
          return BadType(IndexPath(field, i), "a non-empty string of at most " +
                                                  std::to_string(spec.max_length) + " bytes");
        }
      }
      return Ok();
  }
  return Internal("schema_error", "unknown field type");
}

}  // namespace

Status PayloadSchema::Validate(const json& payload, const CodeLists& lists,
                               const CodeListVersions& versions) const {
  if (!payload.is_object())
    return InvalidArgument("invalid_payload", "the payload must be a JSON object", "payload");
  for (const auto& [key, value] : payload.items()) {
    bool known = false;
    for (const FieldSpec& spec : fields)
      known = known || spec.name == key;
    if (!known)
      return InvalidArgument("unknown_field", "not a field of this message kind", key);
  }
  for (const FieldSpec& spec : fields) {
    auto it = payload.find(spec.name);
    if (it == payload.end() || it->is_null()) {
      if (spec.required)
        return InvalidArgument("missing_field", "is required", spec.name);
      continue;
    }
    KP_RETURN_IF_ERROR(CheckField(spec, *it, lists, versions));
  }
  return Ok();
}

Status ValidatePayloadText(const PayloadSchema& schema, std::string_view text,
                           const CodeLists& lists, const CodeListVersions& versions) {
  KP_ASSIGN_OR_RETURN(json doc, ParseJsonText(text, "invalid_payload"));
  return schema.Validate(doc, lists, versions);
}

}  // namespace ketenpoort
