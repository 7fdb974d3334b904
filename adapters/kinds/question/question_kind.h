// The `question` kind (vraag): a recipient of a case message asks its sender for what it needs
// to decide (a shelter before it accepts a referral). It follows the case message ("follows"),
// goes to the sender organisation alone, sealed like any payload, and moves the asker's
// delivery of the case message to needs_info, where the case's lifecycle allows that (a
// referral's: from delivered or received). The sender answers with an `answer`.
//
// Header: no routing; "follows" (the case message), "follow_reason" (a short line, e.g. "one
// question about the intake"), subject_ref as the case message's. Payload (JSON object):
//   text   string, required, at most 4000 bytes
// Lifecycle of the question itself: delivered -> received -> closed (the sender's side).
// Retention: 730 days, as a referral.
#pragma once

#include "gateway/core/message_kind.h"

namespace ketenpoort::kinds {

const MessageKind& QuestionKind();

}  // namespace ketenpoort::kinds
