#include "adapters/kinds/question/question_kind.h"

namespace ketenpoort::kinds {

namespace {

KindSpec Spec() {
  KindSpec s;
  s.name = "question";
  s.summary = "a recipient's question about a case message, to its sender";
  s.audience = KindAudience::kCaseParty;
  s.conversation =
      ConversationTurn{.role = ConversationTurn::Role::kQuestion, .sets_state = "needs_info"};
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

const MessageKind& QuestionKind() {
  static const MessageKind kind(Spec());
  return kind;
}

}  // namespace ketenpoort::kinds
