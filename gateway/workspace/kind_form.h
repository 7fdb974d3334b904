// The form of one message kind, generated from the kind's spec (adapters/kinds/*/): its routing
// keys, its payload schema and the code lists, so that a new field or code shows in the
// workspace without a page of its own. Pure: no I/O; the caller passes what it fetched (the
// regions of the directory, the organisations a follow-up may go to).
//
//   // (compiled in examples_test.cpp)
//   const KindRegistry& kinds = kinds::BuiltinKinds();
//   KindForm form = FormForKind(*kinds.Find("referral"), kinds.code_lists(),
//                               {.regions = {"GM0518", "GM0599"}});
//   form.Find("needs")->input          // FormInput::kCheckboxes, one per code of list need
//   form.Find("urgency")->part         // FieldPart::kRoutingAndPayload: one field fills both
//   std::string html = RenderFormFields(Lang::kNl, form, {{"needs", {"shelter"}}},
//                                       {{"client_number", "err_required"}});
//
// Contract:
// - Every field is named exactly as the JSON field it fills: a payload key, a routing key
//   (region, age_band, gender, exploitation, topic, urgency), "legal_basis", "client_number"
//   (which the workspace turns into the pseudonym subject_ref), "follow_reason" and
//   "recipients" (a follow-up's own choice of organisations). A name that is both a routing
//   key and a payload key (a referral's urgency, a signal's exploitation) is one field filling
//   both, so they cannot disagree. No schema of today nests; a nested field would be named
//   "outer.inner".
// - Order: the follow-up's reason and recipients, the client number, the routing keys, the
//   payload fields in schema order, the legal basis.
// - Which fields: the client number unless the message follows another (whose subject_ref it
//   reuses); routing keys and the legal basis only for kinds routed to organisations; a routing
//   key is required when the kind requires it; a code-listed value offers the codes of the
//   latest version of its list (a topic: the codes of list need, the topics routes match on).
// - Labels are Text keys of workspace_pages.cpp: "field_NAME" for a field, "code_LIST_CODE"
//   for a code, "value_NAME_VALUE" for a value of an enum, "legal_basis_NAME", "region_CODE",
//   "yes" / "no". A choice with a literal label (an organisation's name) shows that label.
// - RenderFormFields escapes every value and label. Each field has a <label for> (a group of
//   checkboxes: a <fieldset> with a <legend>), `required` and aria-required when required (the
//   form itself is `novalidate`: the server checks, so errors read alike in both languages),
//   and, with an error, the error text right after the label (id "f-NAME-error", referenced by
//   aria-describedby, aria-invalid="true"). Input ids are "f-NAME" (a checkbox: "f-NAME-VALUE").
//   Dates are <input type="date">; text longer than 200 bytes a <textarea>.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/api/html_page.h"
#include "gateway/core/code_lists.h"
#include "gateway/core/message_kind.h"

namespace ketenpoort::workspace {

enum class FieldPart {
  kHeader,             // client_number, legal_basis, follow_reason, recipients
  kRouting,            // a routing key
  kPayload,            // a key of the sealed payload
  kRoutingAndPayload,  // both, with one value
};

enum class FormInput {
  kText,
  kTextArea,
  kLines,  // a list of strings, one per line
  kNumber,
  kDate,      // YYYY-MM-DD
  kDateTime,  // a UTC time: <input type="datetime-local">, read as UTC
  kSelect,
  kCheckboxes,  // a list of distinct codes
  kYesNo,       // true / false
};

struct FormChoice {
  std::string value{};
  std::string label_key{};  // a Text key
  std::string label{};      // a literal label instead (an organisation's name)
};

struct FormField {
  std::string name{};
  FieldPart part = FieldPart::kPayload;
  FormInput input = FormInput::kText;
  bool required = false;
  std::vector<FormChoice> choices{};  // kSelect, kCheckboxes
  std::string list{};                 // the code list of the choices, if any
  std::size_t max_length = 2000;      // kText, kTextArea, each line of kLines
  long long min = 0;                  // kNumber
  long long max = 1000000;
};

struct KindForm {
  std::string kind{};
  std::vector<FormField> fields{};

  const FormField* Find(std::string_view name) const;
};

struct FormContext {
  std::vector<std::string> regions{};  // CBS codes (or NL) the directory's organisations serve
  bool follow_up = false;              // the message follows another ("follows")
  // A follow-up routed to organisations (a re-referral): the organisations it may go to
  // instead of the routed set, as {id, name}.
  std::vector<FormChoice> recipient_choices{};
};

KindForm FormForKind(const MessageKind& kind, const CodeLists& lists, const FormContext& context);

// A posted form: each name's values in order (api::FormFieldLists).
using FormValues = std::map<std::string, std::vector<std::string>>;
// Field name -> the Text key of what is wrong with it.
using FieldErrors = std::map<std::string, std::string>;

// The label of a field or of a choice, in `lang`.
std::string FieldLabel(api::Lang lang, const FormField& field);
std::string ChoiceLabel(api::Lang lang, const FormChoice& choice);

// The inputs of every field, values filled in and errors beside them (trusted markup).
std::string RenderFormFields(api::Lang lang, const KindForm& form, const FormValues& values,
                             const FieldErrors& errors);

// The error summary for the aria-live region: one link per error to its field, in form order.
std::string RenderErrorSummary(api::Lang lang, const KindForm& form, const FieldErrors& errors);

}  // namespace ketenpoort::workspace
