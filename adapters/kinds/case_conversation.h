// What the conversation kinds (question/, answer/) share: a text payload, the short
// lifecycle of the message itself, and where it moves the asker's delivery of the case message
// (core/message_kind.h, ConversationTurn).
#pragma once

#include <string>

#include "gateway/core/message_kind.h"

namespace ketenpoort::kinds {

// The spec of a conversation kind `name` taking `role`, which moves the asker's delivery to
// `sets_state`. Payload {"text": at most 4000 bytes, required}; lifecycle delivered ->
// received -> closed, closed by either side; retention 730 days, as a referral's.
KindSpec ConversationKindSpec(std::string name, std::string summary, ConversationTurn::Role role,
                              std::string sets_state);

}  // namespace ketenpoort::kinds
