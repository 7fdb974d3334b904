// A decrypted payload as people read it: one row per field, in the order of the kind's payload
// schema, with the field's label and its value in words (code-list codes and enum values by
// their labels, dates and times in Dutch local time, yes/no for booleans). Never JSON.
//
//   // (compiled in examples_test.cpp)
//   auto rows = PayloadRows(Lang::kNl, kinds::BuiltinKinds(), "referral",
//                           json::parse(R"({"client_ref":"2026-0042","needs":["shelter"],
//                                           "urgency":"urgent"})"));
//   // {{"client_ref", "Dossiernummer van de afzender", "2026-0042"}, {"needs", "Behoeften",
//   "Opvang"},
//   //  {"urgency", "Urgentie", "Spoed"}}
//   std::string html = RowsHtml(rows, "payload");   // <dl id="payload">...</dl>, escaped
//
// Contract: fields absent from the payload (or null) are left out; fields the schema does not
// know (a kind without a schema, such as a secure-mail reply's {"body", ...}) follow in the
// payload's order, labelled by Label("field", name). Arrays read as a list joined by ", ",
// objects as "label: value" pairs; nothing is dropped. Values are text: RowsHtml escapes them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/api/html_page.h"
#include "gateway/core/kind_registry.h"

namespace ketenpoort::workspace {

struct ViewRow {
  std::string field{};  // the payload's key, for tests and ids
  std::string label{};
  std::string value{};
};

std::vector<ViewRow> PayloadRows(api::Lang lang, const KindRegistry& kinds, std::string_view kind,
                                 const nlohmann::json& payload);

// The rows as a description list <dl id="ID" class="rows">, each <dt>/<dd> escaped; each <dd>
// carries data-field=FIELD.
std::string RowsHtml(const std::vector<ViewRow>& rows, std::string_view id);

}  // namespace ketenpoort::workspace
