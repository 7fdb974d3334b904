// The directory: every organisation this gateway knows, read from `directory.json`.
// Routing rules (routing_rules.h), the API's GET /v1/directory and the sealing of payloads
// for recipients all look organisations up here.
//
//   // (compiled in examples_test.cpp)
//   auto dir = Directory::Parse(text);          // or FromJson(value) when already parsed
//   if (!dir) return dir.error();               // field "organisations[3].kind",
//                                               // message "unknown organisation kind 'foo'"
//   const Organisation* org = dir->Find("comensha");   // nullptr when unknown
//   org->Accepts("signal")                              // true
//
// The file (`ketenpoort init` writes it; config/demo/organisations.json is the demo template):
//
//   {
//     "version": 1,
//     "organisations": [
//       {
//         "id": "shop-denhaag",                     // required, stable, see IsValidOrgId
//         "name": "SHOP Den Haag",                  // required
//         "kind": "care_coordination",              // required, see OrgKind
//         "regions": ["GM0518"],                    // required; [] only for kind "portal"
//         "accepts": ["referral", "signal", "b8", "status"],  // required; may be []
//         "certificate": "-----BEGIN CERTIFICATE-----\n...",  // optional; "" in a template
//         "gateway": null,                          // optional; null: served by this gateway,
//                                                   // else "https://peer.example.org:8443"
//         "contact": "zorgcoordinatie@shop-denhaag.example.org"  // optional functional mailbox
//       }
//     ]
//   }
//
// Contract: loading is all or nothing. Unknown keys, wrong types, a bad id, region, kind or
// message kind, duplicate ids, repeated JSON keys and an unsupported version are errors of
// kind InvalidArgument with code "invalid_directory" and `field` the path of the offending
// value ("organisations[3].regions[0]"); callers that read the file prefix its name.
// Certificates are checked for their PEM header only: parsing them is crypto's job.
// A loaded Directory is immutable and safe to share between threads.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/error.h"
#include "gateway/core/organisation.h"

namespace ketenpoort {

class Directory {
 public:
  static constexpr int kVersion = 1;

  Directory() = default;  // empty: knows no organisation

  static Result<Directory> FromJson(const nlohmann::json& doc);
  static Result<Directory> Parse(std::string_view text);
  // Same validation as FromJson, for code that builds or edits organisations (`init` filling
  // in certificates). Errors name "organisations[i].FIELD" by position in `organisations`.
  static Result<Directory> FromOrganisations(std::vector<Organisation> organisations);

  const Organisation* Find(std::string_view id) const;                     // nullptr when unknown
  const std::vector<Organisation>& all() const { return organisations_; }  // in file order

  // The file format above; FromJson(ToJson()) gives an equal directory.
  nlohmann::json ToJson() const;

 private:
  std::vector<Organisation> organisations_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

// One entry of the file format: {"id", "name", "kind", "regions", "accepts", "certificate",
// "gateway", "contact"}; "gateway" is null when served by this gateway.
nlohmann::json OrganisationToJson(const Organisation& org);

}  // namespace ketenpoort
