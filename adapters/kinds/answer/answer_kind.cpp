#include "adapters/kinds/answer/answer_kind.h"

namespace ketenpoort::kinds {

namespace {

KindSpec Spec() {
  KindSpec s;
  s.name = "answer";
  s.summary = "the sender's answer to a recipient's question";
  s.audience = KindAudience::kCaseParty;
  s.conversation =
      ConversationTurn{.role = ConversationTurn::Role::kAnswer, .sets_state = "received"};
  s.payload = PayloadSchema{
      .fields = {
          {.name = "text", .type = FieldType::kString, .required = true, .max_length = 4000}}};
  s.lifecycle = Lifecycle(
      {
          {"delivered", {"received", "closed"}},
          {"received", {"closed"}},
          {"closed", {}},
      },
      {{"closed", {.by = StateRule::By::kSenderOrRecipient}}});
  s.retention_days = 730;
  return s;
}

}  // namespace

const MessageKind& AnswerKind() {
  static const MessageKind kind(Spec());
  return kind;
}

}  // namespace ketenpoort::kinds
