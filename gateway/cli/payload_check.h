// The kinds' payload schemas on the organisation's side: `send` checks the file before sealing,
// `open` checks the content after decrypting (the gateway never sees it).
//
//   // (compiled in examples_test.cpp)
//   CheckPayload("referral", text, {{"exploitation", 1}}, /*has_legal_basis=*/false, "r.json")
//   // 400 invalid_code, field "r.json: needs[1]"
//   ParseCodeListFlag("exploitation=1")      // {{"exploitation", 1}}
//
// A kind without a schema (status, securemail) accepts anything. Binary content — not UTF-8
// text, or text with NUL bytes — is an opaque document (a scan, a PDF) sealed and opened as
// is; text is the kind's JSON document and must match its schema (adapters/kinds/*/).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/core/code_lists.h"
#include "gateway/core/error.h"

namespace ketenpoort::cli {

bool IsTextPayload(std::string_view bytes);

Status CheckPayload(std::string_view kind, std::string_view content,
                    const CodeListVersions& versions, bool has_legal_basis,
                    const std::string& where);

// The deadline, as RFC 3339 UTC, of a message of `kind` whose case starts at the date in its
// payload's KindSpec::deadline_start_field (a b8's "reflection_start": the end of the
// reflection period, by the kind's rule with `kind_settings`, gateway.json's `kinds`); "" when
// the kind has no such field or rule, or the payload does not give the date. The date counts
// from midnight UTC. Run after CheckPayload, which checked the date's form.
//   DeadlineFromPayload("b8", R"({"step":"reflection_offered","reflection_start":"2026-12-01",
//                                  "client_ref":"c-1"})", {})    // "2027-03-01T00:00:00.000Z"
Result<std::string> DeadlineFromPayload(
    std::string_view kind, std::string_view content,
    const std::map<std::string, nlohmann::json, std::less<>>& kind_settings);

// "exploitation=1,age_band=1" -> versions; errors name --codelists.
Result<CodeListVersions> ParseCodeListFlag(std::string_view text);

}  // namespace ketenpoort::cli
