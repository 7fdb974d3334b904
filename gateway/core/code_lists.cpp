#include "gateway/core/code_lists.h"

#include <algorithm>
#include <utility>

#include "gateway/core/json_fields.h"

namespace ketenpoort {

namespace {

using nlohmann::json;

constexpr const char* kCode = "invalid_codelist";

bool IsValidCode(std::string_view code) {
  if (code.empty() || code.size() > 64)
    return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

Result<CodeLists> CodeLists::FromDocuments(const std::vector<json>& documents) {
  CodeLists out;
  for (const json& doc : documents) {
    JsonFields f(doc, "", kCode);
    KP_RETURN_IF_ERROR(f.IsObject());
    KP_RETURN_IF_ERROR(f.OnlyKeys({"list", "description", "versions"}));
    KP_ASSIGN_OR_RETURN(std::string name, f.RequiredString("list"));
    if (!IsValidCode(name))
      return InvalidArgument(kCode, "must be a lower-case name of [a-z0-9_]", "list");
    if (out.lists_.contains(name))
      return InvalidArgument(kCode, "list '" + name + "' is defined twice", name);
    KP_RETURN_IF_ERROR(f.OptionalString("description"));
    JsonFields named(doc, name, kCode);
    KP_ASSIGN_OR_RETURN(const json* versions, named.RequiredArray("versions"));
    if (versions->empty())
      return InvalidArgument(kCode, "needs at least one version", name + ".versions");
    std::vector<Version> parsed;
    for (std::size_t i = 0; i < versions->size(); ++i) {
      const std::string path = IndexPath(name + ".versions", i);
      const json& v = (*versions)[i];
      JsonFields vf(v, path, kCode);
      KP_RETURN_IF_ERROR(vf.IsObject());
      KP_RETURN_IF_ERROR(vf.OnlyKeys({"version", "codes", "from_previous", "note"}));
      const json* number = vf.Find("version");
      if (number == nullptr || !number->is_number_integer() ||
          number->get<std::int64_t>() != static_cast<std::int64_t>(i) + 1) {
        return InvalidArgument(kCode, "versions must be numbered 1, 2, 3, ... in order",
                               vf.PathOf("version"));
      }
      KP_ASSIGN_OR_RETURN(auto codes, vf.StringArray("codes", /*required=*/true));
      Version version;
      for (std::size_t c = 0; c < codes.size(); ++c) {
        if (!IsValidCode(codes[c])) {
          return InvalidArgument(kCode, "a code is lower-case [a-z0-9_]",
                                 IndexPath(vf.PathOf("codes"), c));
        }
        version.codes.insert(codes[c]);
      }
      const json* map = vf.Find("from_previous");
      if (i == 0 && map != nullptr) {
        return InvalidArgument(kCode, "the first version has no previous one",
                               vf.PathOf("from_previous"));
      }
      if (i > 0) {
        if (map == nullptr || !map->is_object()) {
          return InvalidArgument(kCode, "must map every code of the previous version",
                                 vf.PathOf("from_previous"));
        }
        const Version& previous = parsed.back();
        for (const auto& [old_code, new_code] : map->items()) {
          const std::string field = vf.PathOf("from_previous") + "." + old_code;
          if (!previous.codes.contains(old_code))
            return InvalidArgument(kCode, "not a code of the previous version", field);
          if (!new_code.is_string() || !version.codes.contains(new_code.get<std::string>()))
            return InvalidArgument(kCode, "must name a code of this version", field);
          version.from_previous[old_code] = new_code.get<std::string>();
        }
        for (const std::string& old_code : previous.codes) {
          if (!version.from_previous.contains(old_code)) {
            return InvalidArgument(kCode,
                                   "code '" + old_code +
                                       "' of the previous version is "
                                       "not mapped",
                                   vf.PathOf("from_previous"));
          }
        }
      }
      parsed.push_back(std::move(version));
    }
    out.lists_.emplace(std::move(name), std::move(parsed));
  }
  return out;
}

const std::vector<CodeLists::Version>* CodeLists::Find(std::string_view list) const {
  auto it = lists_.find(list);
  return it == lists_.end() ? nullptr : &it->second;
}

bool CodeLists::Has(std::string_view list) const {
  return Find(list) != nullptr;
}

int CodeLists::Latest(std::string_view list) const {
  const auto* v = Find(list);
  return v == nullptr ? 0 : static_cast<int>(v->size());
}

bool CodeLists::HasVersion(std::string_view list, int version) const {
  return version >= 1 && version <= Latest(list);
}

bool CodeLists::Contains(std::string_view list, int version, std::string_view code) const {
  if (!HasVersion(list, version))
    return false;
  return (*Find(list))[static_cast<std::size_t>(version) - 1].codes.contains(code);
}

std::vector<std::string> CodeLists::Codes(std::string_view list, int version) const {
  if (!HasVersion(list, version))
    return {};
  const auto& codes = (*Find(list))[static_cast<std::size_t>(version) - 1].codes;
  return {codes.begin(), codes.end()};
}

std::optional<std::string> CodeLists::ToLatest(std::string_view list, int version,
                                               std::string_view code) const {
  if (!Contains(list, version, code))
    return std::nullopt;
  const auto& versions = *Find(list);
  std::string current(code);
  for (std::size_t next = static_cast<std::size_t>(version); next < versions.size(); ++next)
    current = versions[next].from_previous.find(current)->second;
  return current;
}

CodeListVersions CodeLists::LatestVersions() const {
  CodeListVersions out;
  for (const auto& [name, versions] : lists_)
    out[name] = static_cast<int>(versions.size());
  return out;
}

std::vector<std::string> CodeLists::Names() const {
  std::vector<std::string> out;
  for (const auto& [name, versions] : lists_)
    out.push_back(name);
  return out;
}

Status CodeLists::CheckVersions(const CodeListVersions& versions) const {
  for (const auto& [name, version] : versions) {
    if (!Has(name))
      return InvalidArgument("invalid_codelist_version", "no such code list", "codelists." + name);
    if (!HasVersion(name, version)) {
      return InvalidArgument(
          "invalid_codelist_version",
          "code list '" + name + "' has versions 1 to " + std::to_string(Latest(name)),
          "codelists." + name);
    }
  }
  return Ok();
}

CodeListVersions CodeLists::Resolve(const CodeListVersions& requested) const {
  CodeListVersions out = LatestVersions();
  for (const auto& [name, version] : requested)
    out[name] = version;
  return out;
}

Status CodeLists::CheckCode(std::string_view list, const CodeListVersions& versions,
                            std::string_view code, const std::string& field) const {
  auto it = versions.find(list);
  const int version = it == versions.end() ? Latest(list) : it->second;
  if (Contains(list, version, code))
    return Ok();
  std::string allowed;
  for (const std::string& c : Codes(list, version))
    allowed += (allowed.empty() ? "" : ", ") + c;
  return InvalidArgument("invalid_code",
                         "'" + std::string(code) + "' is not a code of list " + std::string(list) +
                             " v" + std::to_string(version) + " (" + allowed + ")",
                         field);
}

json CodeListVersionsToJson(const CodeListVersions& versions) {
  json out = json::object();
  for (const auto& [name, version] : versions)
    out[name] = version;
  return out;
}

Result<CodeListVersions> CodeListVersionsFromJson(const json& value) {
  if (!value.is_object())
    return InvalidArgument("invalid_request", "must be an object of list versions", "codelists");
  CodeListVersions out;
  for (const auto& [name, version] : value.items()) {
    if (!version.is_number_integer() || version.get<std::int64_t>() < 1 ||
        version.get<std::int64_t>() > 1000) {
      return InvalidArgument("invalid_request", "must be a version number", "codelists." + name);
    }
    out[name] = version.get<int>();
  }
  return out;
}

}  // namespace ketenpoort
