// The `signal` kind (signaal, melding mensenhandel): anyone tells CoMensha, the police, a
// report point or Veilig Thuis about (possible) human trafficking. Routing decides who gets it
// (police only with a legal basis: routes.json policy police-needs-legal-basis).
//
//   // (compiled in examples_test.cpp)
//   const MessageKind& k = SignalKind();
//   k.lifecycle().Check("received", "assessed")      // Ok
//
// Header: routing region and age_band (minor | adult | unknown). Payload (JSON object):
//   indicators    codes of `indicator`, required
//   exploitation  a code of `exploitation` (at the version the message records)
//   minor         true | false, required
//   location      string (place or municipality), at most 200 bytes
//   observed_on   date YYYY-MM-DD
//   description   string, at most 4000 bytes
//   identity      string: identifying data; only allowed with a legal basis (send refuses it
//                 otherwise: 422 legal_basis_required, field "identity")
// Lifecycle (each recipient answers for itself):
//   sent -> delivered | undeliverable                   (gateway)
//   delivered -> received | assessed | closed
//   received -> assessed | closed
//   assessed -> forwarded | closed;  forwarded -> closed;  closed (final)
//   assessed, forwarded: a recipient of kind national_registration, report_point, police,
//   child_protection or care_coordination; closed: any recipient.
// Retention: 365 days.
#pragma once

#include "gateway/core/message_kind.h"

namespace ketenpoort::kinds {

const MessageKind& SignalKind();

}  // namespace ketenpoort::kinds
