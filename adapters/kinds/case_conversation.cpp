#include "adapters/kinds/case_conversation.h"

#include <utility>

namespace ketenpoort::kinds {

KindSpec ConversationKindSpec(std::string name, std::string summary, ConversationTurn::Role role,
                              std::string sets_state) {
  KindSpec s;
  s.name = std::move(name);
  s.summary = std::move(summary);
  s.audience = KindAudience::kCaseParty;
  s.conversation = ConversationTurn{.role = role, .sets_state = std::move(sets_state)};
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

}  // namespace ketenpoort::kinds
