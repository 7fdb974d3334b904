#include "gateway/config/config_reader.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ketenpoort::config {

using nlohmann::json;

Result<std::string> ReadConfigFile(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return InvalidArgument("config_unreadable", "cannot read the config file", file);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad())
    return InvalidArgument("config_unreadable", "cannot read the config file", file);
  return buffer.str();
}

std::string ResolveConfigPath(const std::string& base, const std::string& p) {
  if (p.empty())
    return p;
  std::filesystem::path path(p);
  return (path.is_absolute() ? path : std::filesystem::path(base) / path)
      .lexically_normal()
      .string();
}

Status ObjectReader::CheckIsObject() const {
  if (!object_.is_object())
    return Bad(path_.empty() ? "(top level)" : path_, "must be an object");
  return Ok();
}

Status ObjectReader::String(const char* key, std::string& out, bool required) {
  seen_.emplace(key, true);
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) {
    if (required)
      return Bad(Path(key), "is required");
    return Ok();
  }
  if (!it->is_string())
    return Bad(Path(key), "must be a string");
  out = it->get<std::string>();
  if (required && out.empty())
    return Bad(Path(key), "must not be empty");
  return Ok();
}

Status ObjectReader::Bool(const char* key, bool& out) {
  seen_.emplace(key, true);
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null())
    return Ok();
  if (!it->is_boolean())
    return Bad(Path(key), "must be true or false");
  out = it->get<bool>();
  return Ok();
}

Status ObjectReader::Integer(const char* key, std::int64_t& out, std::int64_t min,
                             std::int64_t max) {
  seen_.emplace(key, true);
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null())
    return Ok();
  if (!it->is_number_integer())
    return Bad(Path(key), "must be a whole number");
  auto v = it->get<std::int64_t>();
  if (v < min || v > max) {
    return Bad(Path(key), "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  out = v;
  return Ok();
}

Status ObjectReader::IntegerArray(const char* key, std::vector<std::int64_t>& out, std::int64_t min,
                                  std::int64_t max) {
  seen_.emplace(key, true);
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null())
    return Ok();
  if (!it->is_array())
    return Bad(Path(key), "must be an array of whole numbers");
  std::vector<std::int64_t> values;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    if (!v.is_number_integer() || v.get<std::int64_t>() < min || v.get<std::int64_t>() > max) {
      return Bad(
          Path(key) + "[" + std::to_string(i) + "]",
          "must be a whole number between " + std::to_string(min) + " and " + std::to_string(max));
    }
    values.push_back(v.get<std::int64_t>());
  }
  out = std::move(values);
  return Ok();
}

Status ObjectReader::StringArray(const char* key, std::vector<std::string>& out) {
  seen_.emplace(key, true);
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null())
    return Ok();
  if (!it->is_array())
    return Bad(Path(key), "must be an array of strings");
  std::vector<std::string> values;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    if (!v.is_string() || v.get<std::string>().empty())
      return Bad(Path(key) + "[" + std::to_string(i) + "]", "must be a string, not empty");
    values.push_back(v.get<std::string>());
  }
  out = std::move(values);
  return Ok();
}

Status ObjectReader::Object(const char* key, const std::function<Status(ObjectReader&)>& read) {
  seen_.emplace(key, true);
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null())
    return Ok();
  ObjectReader nested(file_, Path(key), *it);
  KP_RETURN_IF_ERROR(nested.CheckIsObject());
  KP_RETURN_IF_ERROR(read(nested));
  return nested.CheckNoUnknownKeys();
}

Status ObjectReader::ObjectArray(const char* key,
                                 const std::function<Status(ObjectReader&)>& read) {
  seen_.emplace(key, true);
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null())
    return Ok();
  if (!it->is_array())
    return Bad(Path(key), "must be an array");
  for (std::size_t i = 0; i < it->size(); ++i) {
    ObjectReader nested(file_, Path(key) + "[" + std::to_string(i) + "]", (*it)[i]);
    KP_RETURN_IF_ERROR(nested.CheckIsObject());
    KP_RETURN_IF_ERROR(read(nested));
    KP_RETURN_IF_ERROR(nested.CheckNoUnknownKeys());
  }
  return Ok();
}

Status ObjectReader::EachObject(const std::function<void(const std::string&, const json&)>& take) {
  for (const auto& [key, value] : object_.items()) {
    seen_.emplace(key, true);
    if (!value.is_object())
      return Bad(Path(key), "must be an object");
    take(key, value);
  }
  return Ok();
}

Status ObjectReader::CheckNoUnknownKeys() const {
  for (const auto& [key, value] : object_.items()) {
    if (!seen_.contains(key))
      return Bad(Path(key), "unknown key");
  }
  return Ok();
}

Error ObjectReader::Bad(const std::string& path, const std::string& what) const {
  return InvalidArgument("invalid_config", what, file_ + ": " + path);
}

}  // namespace ketenpoort::config
