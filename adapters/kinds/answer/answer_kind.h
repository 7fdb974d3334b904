// The `answer` kind (antwoord): the sender of a case message answers a recipient's `question`.
// It follows the question ("follows"), goes to the organisation that asked, sealed like any
// payload, and moves that organisation's delivery of the case message from needs_info back to
// received, so the case goes on where it stopped.
//
// Header: no routing; "follows" (the question), "follow_reason" (a short line), subject_ref as
// the case message's. Payload (JSON object):
//   text   string, required, at most 4000 bytes
// Lifecycle of the answer itself: delivered -> received -> closed.
// Retention: 730 days, as a referral.
#pragma once

#include "gateway/core/message_kind.h"

namespace ketenpoort::kinds {

const MessageKind& AnswerKind();

}  // namespace ketenpoort::kinds
