// What every strict JSON config file of Ketenpoort is read with (gateway.json here, the
// workspace's workspace.json in gateway/workspace): the file's text, a reader that walks one
// object and refuses unknown keys, and paths resolved against the file's folder.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(std::string text, ReadConfigFile("deploy/x.json"));
//   nlohmann::json root = nlohmann::json::parse(text, nullptr, false);
//   ObjectReader top("deploy/x.json", "", root);
//   KP_RETURN_IF_ERROR(top.CheckIsObject());
//   std::int64_t port = 8443;
//   KP_RETURN_IF_ERROR(top.Object("listen", [&](ObjectReader& r) {
//     return r.Integer("port", port, 1, 65535);    // "deploy/x.json: listen.port: must be ..."
//   }));
//   KP_RETURN_IF_ERROR(top.CheckNoUnknownKeys());
//   std::string db = ResolveConfigPath("/srv/deploy", "x.db");   // "/srv/deploy/x.db"
//
// Contract: every error is kInvalidArgument `invalid_config` whose `field` is "FILE: json.path"
// (the top level alone is "(top level)") and whose message says what is wrong ("unknown key",
// "must be a string", "must be between 1 and 65535", "is required"). A null value counts as
// absent. Each Object or ObjectArray entry is checked for unknown keys after its `read` ran;
// the caller checks the top level with CheckNoUnknownKeys. ReadConfigFile gives
// `config_unreadable` naming the file. The reader holds references to `file` and `object`:
// both must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gateway/core/error.h"

namespace ketenpoort::config {

// The whole text of the config file `file`.
Result<std::string> ReadConfigFile(const std::string& file);

// `p` made absolute against `base` (the config file's folder) and normalised; "" stays "".
std::string ResolveConfigPath(const std::string& base, const std::string& p);

// Walks one JSON object, consuming known keys; anything left over is an unknown key.
class ObjectReader {
 public:
  ObjectReader(const std::string& file, std::string path, const nlohmann::json& object)
      : file_(file), path_(std::move(path)), object_(object) {}

  Status CheckIsObject() const;

  // Reads an optional string (null counts as absent) into `out`; `required`: present and
  // not empty.
  Status String(const char* key, std::string& out, bool required = false);
  Status Bool(const char* key, bool& out);
  // A whole number from min to max.
  Status Integer(const char* key, std::int64_t& out, std::int64_t min, std::int64_t max);
  // An optional array of whole numbers, each from min to max.
  Status IntegerArray(const char* key, std::vector<std::int64_t>& out, std::int64_t min,
                      std::int64_t max);
  // An optional array of strings, each not empty.
  Status StringArray(const char* key, std::vector<std::string>& out);

  // Calls `read` with a reader for the nested object at `key`, if present.
  Status Object(const char* key, const std::function<Status(ObjectReader&)>& read);
  // Calls `read` with a reader for each object of the array at `key`, if present.
  Status ObjectArray(const char* key, const std::function<Status(ObjectReader&)>& read);
  // Calls `take` with every key of this object, each of whose values must be an object.
  Status EachObject(const std::function<void(const std::string&, const nlohmann::json&)>& take);

  Status CheckNoUnknownKeys() const;

  // An invalid_config error for `key` of this object.
  Error BadKey(const char* key, const std::string& what) const { return Bad(Path(key), what); }
  // An invalid_config error for element `index` of the array at `key` of this object.
  Error BadElement(const char* key, std::size_t index, const std::string& what) const {
    return Bad(Path(key) + "[" + std::to_string(index) + "]", what);
  }

 private:
  std::string Path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  Error Bad(const std::string& path, const std::string& what) const;

  const std::string& file_;
  std::string path_;
  const nlohmann::json& object_;
  std::map<std::string, bool> seen_;
};

}  // namespace ketenpoort::config
