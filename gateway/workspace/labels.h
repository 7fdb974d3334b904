// Readable words for the codes a message carries: kinds, states, payload and header fields,
// code-list codes and enum values, legal bases, notices and audit events, in Dutch and
// English. The gateway and the kinds speak in codes ("declined", "no_place"); staff read these.
// Kinds, fields, values, codes and legal bases read as the compose forms name them (the texts
// of workspace_pages.cpp, kind_form.h), so one code has one name in every page, except where
// this table words it for the reader (a referral's client_ref: the sender's case reference).
//
//   // (compiled in examples_test.cpp)
//   Label(Lang::kNl, "kind", "referral")              // "Verwijzing"
//   Label(Lang::kEn, "state", "declined")             // "Declined"
//   Label(Lang::kNl, "code.decline_reason", "no_place")   // "Geen plek"
//   Label(Lang::kEn, "code.need", "made_up")          // "made_up": unknown codes show as they are
//
// Groups: "kind", "state", "do" (the words on a button that sets the state), "field" (payload
// and header fields), "code.LIST" (codes of code list LIST), "enum.FIELD" (the values of an enum
// field, such as a referral's urgency), "basis" (legal bases), "bool" (true, false), "mail" (a
// secure-mail recipient's states and the portal's events), "notice" (notice types), "event",
// "action", "outcome" and "role" (audit entries; "role": the role of the gateway token).
//
// Contract: pure, thread-safe; a code without a label is returned as it is, so a new code shows
// (as a code) rather than vanishing. The result is text, not markup: escape it.
#pragma once

#include <string>
#include <string_view>

#include "gateway/api/html_page.h"

namespace ketenpoort::workspace {

std::string Label(api::Lang lang, std::string_view group, std::string_view code);

// Whether `code` has a label in `group` (for tests that every code of a list has one).
bool HasLabel(std::string_view group, std::string_view code);

}  // namespace ketenpoort::workspace
