// The pages that write a new message, as a person of the organisation (GatewayLink):
//
//   GET  /compose                 the kinds this organisation may start (routed to
//                                 organisations; a b8 only for the police), in words
//   GET  /compose/{kind}          the kind's form (kind_form.h), with a new Idempotency-Key,
//                                 and with ?follows=ID a follow-up of message ID (a
//                                 re-referral, a question or an answer), its routing prefilled
//   POST /compose/{kind}          compose_step=preview: checks the form (compose_request.h) and
//   shows
//                                 who the routing reaches (POST /v1/routes/resolve), and who a
//                                 legal basis would add; compose_step=send: checks again, seals in
//                                 memory (GatewayLink::Seal), submits POST /v1/messages with
//                                 the form's Idempotency-Key -> 303 /messages/{id}?notice=sent
//
// Contract:
// - Only staff with role coordinator or caseworker; others get a 403 page (compose_not_allowed).
//   Every POST checks the CSRF token first (403 form_expired, nothing read or sent).
// - The form's own controls (kComposeControls: csrf, idempotency_key, follows with ?follows=,
//   and the buttons' compose_step) are named so that no kind's field can be: every other name
//   is a JSON field the form fills (a b8's payload has a `step`). The client's
//   subject_ref is the pseudonym of `client_number`, made here; a follow-up reuses the
//   subject_ref of the message it follows. A question or answer goes to the sender of the
//   message it follows; a re-referral to the organisations chosen under `recipients`, else as
//   routed. The deadline is the one the payload sets (kinds::PayloadDeadline, the kinds'
//   default settings).
// - Errors are shown next to their fields and listed in the live region (#notice,
//   data-notice=form_invalid), with every value kept; a refusal of the gateway, or no gateway,
//   shows the form again with #notice (gateway_refused with the code, no_recipients,
//   gateway_unavailable). Nothing is sent in any of these cases.
// - The same form sent twice (a double click) is posted with the same sealed bytes and the
//   same Idempotency-Key (sealed_submissions.h): the gateway stores it once.
// - Logs carry the staff id, the message id, the kind and the gateway's error code; never a
//   client number, a pseudonym, a name or content.
#pragma once

#include <array>
#include <memory>
#include <string_view>

#include "gateway/api/router.h"
#include "gateway/workspace/staff_page.h"

namespace ketenpoort::workspace {

// The names of the compose form's controls, which no kind's payload or routing key may take.
inline constexpr std::array<std::string_view, 4> kComposeControls = {"csrf", "compose_step",
                                                                     "follows", "idempotency_key"};

void RegisterComposePages(api::Router& router, std::shared_ptr<const StaffPages> pages);

}  // namespace ketenpoort::workspace
