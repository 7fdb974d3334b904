// The `b8` kind (verblijfsregeling mensenhandel): the police offer a victim the reflection
// period, take the report (aangifte) or record cooperation, file the residence application
// with the IND, which decides. CoMensha and the region's care coordinator follow every step.
// Submitting a b8 is offering the reflection period: it ends three calendar months later, with
// reminders before (reflection_period_rule.h).
//
//   // (compiled in examples_test.cpp)
//   const MessageKind& k = B8Kind();
//   k.lifecycle().CheckSetter("granted", OrgKind::kImmigration, false, true)   // Ok
//   k.lifecycle().CheckSetter("granted", OrgKind::kPolice, true, false)        // 403
//
// Header: routing region, and the client's pseudonym (subject_ref). Payload (JSON object):
//   client_ref        string, required
//   step              "reflection_offered" | "report" | "cooperation" | "application" |
//                     "decision" | "extension" | "end", required
//   reflection_start  date YYYY-MM-DD
//   report_date       date
//   application_date  date
//   outcome           a code of `outcome`
//   notes             string, at most 4000 bytes
// Lifecycle (one procedure: a state change moves every delivery of the message; "received"
// stays per recipient):
//   sent -> delivered | undeliverable                   (gateway)
//   delivered -> received | reported | declined | ended
//   received -> reported | declined | ended
//   declined -> reported | ended         (the victim may still report within the period)
//   reported -> application_filed | ended
//   application_filed -> granted | refused
//   granted -> extended | ended;  refused -> ended;  extended -> ended;  ended (final)
//   reported, declined, application_filed: police; granted, refused, extended: immigration;
//   ended: police or immigration (as sender or recipient).
// Retention: 1825 days (five years).
#pragma once

#include "gateway/core/message_kind.h"

namespace ketenpoort::kinds {

const MessageKind& B8Kind();

}  // namespace ketenpoort::kinds
