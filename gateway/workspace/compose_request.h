// A posted compose form read back into what the gateway is sent: the kind's JSON payload, the
// routing values and the legal basis, the client number (which the page turns into the
// pseudonym) and a follow-up's reason and recipients, with an error per field for the person
// who filled it in. Pure: no I/O; the same checks as `ketenpoort send` (the kind's header
// rules and payload schema, core/message_kind.h), so what passes here passes there.
//
//   // (compiled in examples_test.cpp)
//   const KindRegistry& kinds = kinds::BuiltinKinds();
//   const MessageKind& signal = *kinds.Find("signal");
//   KindForm form = FormForKind(signal, kinds.code_lists(), {.regions = {"GM0599"}});
//   ComposeReading r = ReadComposeForm(form, signal, kinds.code_lists(),
//                                      {{"region", {"GM0599"}}, {"age_band", {"minor"}},
//                                       {"indicators", {"isolation", "nonsense"}}});
//   r.errors        // {{"indicators", "err_unknown_code"}, {"minor", "err_required"}}
//   r.request.routing.routing   // {{"age_band", "minor"}, {"region", "GM0599"}}
//
// Contract:
// - Every field of `form` is checked, so that every error shows at once: a required field
//   empty -> err_required; a choice not offered (a code not in the latest version of its list,
//   a value not in the enum) -> err_unknown_code / err_invalid_choice; a date that is no real
//   YYYY-MM-DD -> err_invalid_date; text too long -> err_too_long; a number out of range ->
//   err_invalid_number; a bad client number -> err_invalid_client_number; a follow-up reason
//   that is not one line of at most 500 bytes -> err_invalid_reason. Names not in the form
//   (csrf, step, follows, idempotency_key) are not read here.
// - When those pass, the kind's own rules as the CLI applies them: ValidateRoutingInput, the
//   header rules (ValidateHeader; the subject_ref counts as given when a client number is, or
//   the message follows another) and the payload schema (ValidatePayload); their first error
//   is put on the field it names ("needs[1]" -> needs, "routing.region" -> region,
//   "subject_ref" -> client_number, a payload field needing a legal basis -> legal_basis).
// - Values are never logged or put in an error; an error is a Text key.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/code_lists.h"
#include "gateway/core/message_kind.h"
#include "gateway/core/routing_rules.h"
#include "gateway/workspace/kind_form.h"

namespace ketenpoort::workspace {

struct ComposeRequest {
  RoutingInput routing{};  // kind, routing values, legal basis
  nlohmann::json payload = nlohmann::json::object();
  std::string client_number{};  // "" when not given (or a follow-up)
  std::string follow_reason{};
  std::vector<std::string> recipients{};  // a follow-up's choice; empty: the routing decides
};

struct ComposeReading {
  ComposeRequest request{};
  FieldErrors errors{};

  bool ok() const { return errors.empty(); }
};

ComposeReading ReadComposeForm(const KindForm& form, const MessageKind& kind,
                               const CodeLists& lists, const FormValues& values);

}  // namespace ketenpoort::workspace
