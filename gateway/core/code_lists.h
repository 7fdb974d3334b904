// Versioned code lists (docs/DESIGN.md, lessons from practice: categories changed in the middle of
// a year): the codes a message may use for exploitation type, age band, gender, life domains,
// needs, outcome and indicators. Each list has numbered versions; a message records the version of
// every list it used, so an old message keeps its meaning, and reports map old codes to the newest
// version.
//
//   // (compiled in examples_test.cpp)
//   auto lists = CodeLists::FromDocuments({exploitation_json, age_band_json, ...});
//   lists->Latest("exploitation")                         // 2
//   lists->Contains("exploitation", 1, "labour")          // false: v1 is {sexual, other}
//   lists->ToLatest("exploitation", 1, "other")           // "other"
//   CodeListVersions used = lists->LatestVersions();      // {"age_band": 1, "exploitation": 2,
//   ...}
//
// One document per list (config/codelists/NAME.json):
//
//   {"list": "exploitation",
//    "description": "Type of exploitation",                       // optional
//    "versions": [
//      {"version": 1, "codes": ["sexual", "other"]},
//      {"version": 2, "codes": ["sexual", "labour", "criminal", "other"],
//       "from_previous": {"sexual": "sexual", "other": "other"}}]}
//
// Contract:
// - Versions are 1, 2, 3, ... in order; codes are lower-case [a-z0-9_], unique per version.
// - Every version after the first maps EVERY code of the version before it to one of its own
//   codes ("from_previous"), so any old code has exactly one newest meaning. A code that was
//   split ("other" into labour, criminal, other) maps to the code that keeps the old meaning.
// - Loading is all or nothing; errors are InvalidArgument "invalid_codelist" with the field
//   path ("exploitation.versions[1].from_previous.other").
// - Immutable once loaded; safe to share between threads.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/error.h"

namespace ketenpoort {

// list name -> version, as a message records it: {"exploitation": 1, "age_band": 1}.
using CodeListVersions = std::map<std::string, int, std::less<>>;

class CodeLists {
 public:
  CodeLists() = default;  // no lists

  static Result<CodeLists> FromDocuments(const std::vector<nlohmann::json>& documents);

  bool Has(std::string_view list) const;
  // The newest version of `list`; 0 when unknown.
  int Latest(std::string_view list) const;
  bool HasVersion(std::string_view list, int version) const;
  bool Contains(std::string_view list, int version, std::string_view code) const;
  // The codes of one version, sorted; empty when unknown.
  std::vector<std::string> Codes(std::string_view list, int version) const;
  // The newest code with the meaning of `code` in `version`; nullopt when `code` is unknown.
  std::optional<std::string> ToLatest(std::string_view list, int version,
                                      std::string_view code) const;
  CodeListVersions LatestVersions() const;
  std::vector<std::string> Names() const;

  // Checks a message's recorded versions: every named list must exist with that version
  // (400 invalid_codelist_version, field "codelists.NAME").
  Status CheckVersions(const CodeListVersions& versions) const;
  // The latest version of every list, overridden by `requested`.
  CodeListVersions Resolve(const CodeListVersions& requested) const;

  // 400 invalid_code naming `field` when `code` is not in the list at the version `versions`
  // gives for it (the latest when absent).
  Status CheckCode(std::string_view list, const CodeListVersions& versions, std::string_view code,
                   const std::string& field) const;

 private:
  struct Version {
    std::set<std::string, std::less<>> codes;
    std::map<std::string, std::string, std::less<>> from_previous;
  };
  const std::vector<Version>* Find(std::string_view list) const;

  std::map<std::string, std::vector<Version>, std::less<>> lists_;  // versions[0] is v1
};

// The JSON form a message stores: {"age_band": 1, "exploitation": 2}. Errors for input from
// outside: not an object of positive whole numbers -> 400 invalid_request, field "codelists".
nlohmann::json CodeListVersionsToJson(const CodeListVersions& versions);
Result<CodeListVersions> CodeListVersionsFromJson(const nlohmann::json& value);

}  // namespace ketenpoort
