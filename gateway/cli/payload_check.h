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

#include <string>
#include <string_view>

#include "gateway/core/code_lists.h"
#include "gateway/core/error.h"

namespace ketenpoort::cli {

bool IsTextPayload(std::string_view bytes);

Status CheckPayload(std::string_view kind, std::string_view content,
                    const CodeListVersions& versions, bool has_legal_basis,
                    const std::string& where);

// "exploitation=1,age_band=1" -> versions; errors name --codelists.
Result<CodeListVersions> ParseCodeListFlag(std::string_view text);

}  // namespace ketenpoort::cli
