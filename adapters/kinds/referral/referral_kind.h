// The `referral` kind (verwijzing, aanmelding): a care coordinator, police or partner refers a
// client to a shelter or care partner, which accepts, declines or asks for information, and
// plans an intake. An urgent referral not answered in time escalates (urgent_answer_rule.h).
//
//   // (compiled in examples_test.cpp)
//   const MessageKind& k = ReferralKind();
//   k.lifecycle().Check("received", "accepted")      // Ok
//   k.lifecycle().CheckSetter("accepted", OrgKind::kPolice, false, true)   // 403
//
// Header: routing region, age_band and urgency (normal | urgent), and the client's pseudonym
// (subject_ref). Payload (JSON object):
//   client_ref   string, required   the sender's pseudonym for the client (same as subject_ref)
//   needs        codes of `need`, required
//   life_domains codes of `life_domain`
//   urgency      "normal" | "urgent", required
//   language     string (BCP 47, e.g. "ro")
//   summary      string, at most 4000 bytes
//   attachments  array of file names sealed with the message
// Lifecycle (each recipient answers for itself):
//   sent -> delivered | undeliverable                   (gateway)
//   delivered -> received | accepted | declined | needs_info | closed
//   received -> accepted | declined | needs_info | closed
//   needs_info -> received | accepted | declined | closed
//   accepted -> intake_planned | closed
//   intake_planned -> closed;  declined -> closed;  closed (final)
//   accepted, declined, needs_info, intake_planned: a recipient of kind shelter, care, youth or
//   care_coordination; closed: the sender or a recipient.
// Retention: 730 days.
#pragma once

#include "gateway/core/message_kind.h"

namespace ketenpoort::kinds {

const MessageKind& ReferralKind();

}  // namespace ketenpoort::kinds
