// Comma-separated lists in command-line values, as `ketenpoort send` takes them:
//
//   // (compiled in examples_test.cpp)
//   ParseKeyValueList("region=GM0599,age_band=minor", "--routing")
//       -> {{"age_band", "minor"}, {"region", "GM0599"}}
//   ParseKeyValueList("region", "--routing")   -> Error "invalid_key_value_list"
//   ParseOrgList("comensha,ind", "--to")        -> {"comensha", "ind"}
//   ParseOrgList("comensha,,ind", "--to")       -> Error "invalid_org_list"
//
// Contract: items are separated by ',' with no surrounding spaces; an empty list, an empty
// item, a key without '=' or with an empty key or value, a repeated key or organisation, and an
// organisation id that IsValidOrgId refuses are errors (kInvalidArgument, `field` = the flag
// given as `flag`, e.g. "--routing"). Order of organisations is kept. Messages quote the
// offending item only for keys and organisation ids, never a routing value.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/error.h"

namespace ketenpoort::cli {

Result<std::map<std::string, std::string>> ParseKeyValueList(std::string_view text,
                                                             const std::string& flag);

Result<std::vector<std::string>> ParseOrgList(std::string_view text, const std::string& flag);

}  // namespace ketenpoort::cli
