#include "gateway/core/json_fields.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>

namespace ketenpoort {

namespace {
using json = nlohmann::json;

const char* TypeName(const json& v) {
  if (v.is_string())
    return "a string";
  if (v.is_boolean())
    return "a boolean";
  if (v.is_number())
    return "a number";
  if (v.is_array())
    return "an array";
  if (v.is_object())
    return "an object";
  return "null";
}
}  // namespace

JsonFields::JsonFields(const json& value, std::string path, std::string code)
    : value_(value), path_(std::move(path)), code_(std::move(code)) {}

Error JsonFields::Bad(std::string field, std::string message) const {
  return InvalidArgument(code_, std::move(message), std::move(field));
}

Status JsonFields::IsObject() const {
  if (!value_.is_object()) {
    return Bad(path_, std::string("must be an object, not ") + TypeName(value_));
  }
  return Ok();
}

Status JsonFields::OnlyKeys(std::initializer_list<std::string_view> known) const {
  for (const auto& [key, value] : value_.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return Bad(PathOf(key), "unknown key '" + key + "'");
    }
  }
  return Ok();
}

const json* JsonFields::Find(std::string_view key) const {
  auto it = value_.find(std::string(key));
  if (it == value_.end() || it->is_null())
    return nullptr;
  return &*it;
}

std::string JsonFields::PathOf(std::string_view key) const {
  if (path_.empty())
    return std::string(key);
  return path_ + "." + std::string(key);
}

Result<std::string> JsonFields::RequiredString(std::string_view key) const {
  const json* v = Find(key);
  if (v == nullptr)
    return Bad(PathOf(key), "is required");
  if (!v->is_string())
    return Bad(PathOf(key), std::string("must be a string, not ") + TypeName(*v));
  if (v->get_ref<const std::string&>().empty())
    return Bad(PathOf(key), "must not be empty");
  return v->get<std::string>();
}

Result<std::string> JsonFields::OptionalString(std::string_view key) const {
  const json* v = Find(key);
  if (v == nullptr)
    return std::string();
  if (!v->is_string())
    return Bad(PathOf(key), std::string("must be a string, not ") + TypeName(*v));
  return v->get<std::string>();
}

Result<bool> JsonFields::OptionalBool(std::string_view key, bool fallback) const {
  const json* v = Find(key);
  if (v == nullptr)
    return fallback;
  if (!v->is_boolean()) {
    return Bad(PathOf(key), std::string("must be true or false, not ") + TypeName(*v));
  }
  return v->get<bool>();
}

namespace {

std::string Range(std::int64_t min, std::int64_t max) {
  return "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
}

// Whole numbers only (1.0 is not one); unsigned values above INT64_MAX are out of range.
bool InRange(const json& v, std::int64_t min, std::int64_t max) {
  if (v.is_number_unsigned()) {
    const std::uint64_t u = v.get<std::uint64_t>();
    return u <= static_cast<std::uint64_t>(INT64_MAX) && static_cast<std::int64_t>(u) >= min &&
           static_cast<std::int64_t>(u) <= max;
  }
  return v.is_number_integer() && v.get<std::int64_t>() >= min && v.get<std::int64_t>() <= max;
}

}  // namespace

Result<std::int64_t> JsonFields::OptionalInteger(std::string_view key, std::int64_t fallback,
                                                 std::int64_t min, std::int64_t max) const {
  const json* v = Find(key);
  if (v == nullptr)
    return fallback;
  if (!InRange(*v, min, max))
    return Bad(PathOf(key), "must be " + Range(min, max));
  return v->get<std::int64_t>();
}

Result<std::vector<std::int64_t>> JsonFields::IntegerArray(std::string_view key,
                                                           std::vector<std::int64_t> fallback,
                                                           std::int64_t min,
                                                           std::int64_t max) const {
  const json* v = Find(key);
  if (v == nullptr)
    return fallback;
  if (!v->is_array())
    return Bad(PathOf(key), std::string("must be an array, not ") + TypeName(*v));
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < v->size(); ++i) {
    if (!InRange((*v)[i], min, max))
      return Bad(IndexPath(PathOf(key), i), "must be " + Range(min, max));
    out.push_back((*v)[i].get<std::int64_t>());
  }
  return out;
}

Result<const json*> JsonFields::RequiredArray(std::string_view key) const {
  const json* v = Find(key);
  if (v == nullptr)
    return Bad(PathOf(key), "is required");
  if (!v->is_array())
    return Bad(PathOf(key), std::string("must be an array, not ") + TypeName(*v));
  return v;
}

Result<std::vector<std::string>> JsonFields::StringArray(std::string_view key,
                                                         bool required) const {
  const json* v = Find(key);
  if (v == nullptr) {
    if (required)
      return Bad(PathOf(key), "is required");
    return std::vector<std::string>();
  }
  if (!v->is_array())
    return Bad(PathOf(key), std::string("must be an array, not ") + TypeName(*v));
  std::vector<std::string> out;
  out.reserve(v->size());
  for (std::size_t i = 0; i < v->size(); ++i) {
    const json& item = (*v)[i];
    const std::string item_path = IndexPath(PathOf(key), i);
    if (!item.is_string()) {
      return Bad(item_path, std::string("must be a string, not ") + TypeName(item));
    }
    const auto& s = item.get_ref<const std::string&>();
    if (s.empty())
      return Bad(item_path, "must not be empty");
    if (std::find(out.begin(), out.end(), s) != out.end()) {
      return Bad(item_path, "duplicate value '" + s + "'");
    }
    out.push_back(s);
  }
  return out;
}

Result<std::vector<std::string>> JsonFields::StringOrArray(std::string_view key) const {
  const json* v = Find(key);
  if (v == nullptr)
    return std::vector<std::string>();
  if (v->is_string()) {
    if (v->get_ref<const std::string&>().empty())
      return Bad(PathOf(key), "must not be empty");
    return std::vector<std::string>{v->get<std::string>()};
  }
  if (!v->is_array()) {
    return Bad(PathOf(key),
               std::string("must be a string or an array of strings, not ") + TypeName(*v));
  }
  if (v->empty())
    return Bad(PathOf(key), "must not be an empty array (it would match nothing)");
  return StringArray(key, /*required=*/true);
}

std::string IndexPath(std::string_view path, std::size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

Result<json> ParseJsonText(std::string_view text, std::string_view code) {
  // A repeated key would silently replace the first value; in a file that decides who gets
  // case data that is refused rather than guessed at.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  json::parser_callback_t check = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!open_objects.empty())
        open_objects.pop_back();
    } else if (event == json::parse_event_t::key && !open_objects.empty()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second && duplicate.empty())
        duplicate = key;
    }
    return true;
  };
  try {
    json value = json::parse(text, check);
    if (!duplicate.empty()) {
      return InvalidArgument(std::string(code), "duplicate key '" + duplicate + "' in an object",
                             "");
    }
    return value;
  } catch (const json::parse_error& e) {
    return InvalidArgument(std::string(code), "not valid JSON near byte " + std::to_string(e.byte),
                           "");
  } catch (const json::out_of_range&) {
    // A number beyond double's range (1e400): nlohmann reports it as out_of_range, not as a
    // parse_error, and without a position. Text from a sender must never escape as an exception
    // (it would abort `ketenpoort open`).
    return InvalidArgument(std::string(code), "has a number too large to represent", "");
  } catch (const json::exception&) {
    return InvalidArgument(std::string(code), "not valid JSON", "");
  }
}

}  // namespace ketenpoort
