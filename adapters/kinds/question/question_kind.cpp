#include "adapters/kinds/question/question_kind.h"

#include "adapters/kinds/case_conversation.h"

namespace ketenpoort::kinds {

const MessageKind& QuestionKind() {
  static const MessageKind kind(
      ConversationKindSpec("question", "a recipient's question about a case message, to its sender",
                           ConversationTurn::Role::kQuestion, "needs_info"));
  return kind;
}

}  // namespace ketenpoort::kinds
