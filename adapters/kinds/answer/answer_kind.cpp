#include "adapters/kinds/answer/answer_kind.h"

#include "adapters/kinds/case_conversation.h"

namespace ketenpoort::kinds {

const MessageKind& AnswerKind() {
  static const MessageKind kind(
      ConversationKindSpec("answer", "the sender's answer to a recipient's question",
                           ConversationTurn::Role::kAnswer, "received"));
  return kind;
}

}  // namespace ketenpoort::kinds
