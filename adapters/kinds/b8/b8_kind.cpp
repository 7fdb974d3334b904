#include "adapters/kinds/b8/b8_kind.h"

#include "adapters/kinds/b8/reflection_period_rule.h"

namespace ketenpoort::kinds {

namespace {

KindSpec Spec() {
  const StateRule police{.by = StateRule::By::kSenderOrRecipient, .org_kinds = {OrgKind::kPolice}};
  const StateRule immigration{.by = StateRule::By::kSenderOrRecipient,
                              .org_kinds = {OrgKind::kImmigration}};
  const StateRule either{.by = StateRule::By::kSenderOrRecipient,
                         .org_kinds = {OrgKind::kPolice, OrgKind::kImmigration}};
  KindSpec s;
  s.name = "b8";
  s.summary = "the B8 residence procedure for victims of trafficking (police, IND)";
  s.required_routing = {"region"};
  s.requires_subject_ref = true;
  s.payload = PayloadSchema{
      .fields = {
          {.name = "client_ref", .type = FieldType::kString, .required = true, .max_length = 128},
          {.name = "step",
           .type = FieldType::kEnum,
           .required = true,
           .values = {"reflection_offered", "report", "cooperation", "application", "decision",
                      "extension", "end"}},
          {.name = "reflection_start", .type = FieldType::kDate},
          {.name = "report_date", .type = FieldType::kDate},
          {.name = "application_date", .type = FieldType::kDate},
          {.name = "outcome", .type = FieldType::kCode, .list = "outcome"},
          {.name = "notes", .type = FieldType::kString, .max_length = 4000},
      }};
  s.lifecycle = Lifecycle(
      {
          {"sent", {"delivered", "undeliverable"}},
          {"undeliverable", {}},
          {"delivered", {"received", "reported", "declined", "ended"}},
          {"received", {"reported", "declined", "ended"}},
          {"declined", {"reported", "ended"}},
          {"reported", {"application_filed", "ended"}},
          {"application_filed", {"granted", "refused"}},
          {"granted", {"extended", "ended"}},
          {"refused", {"ended"}},
          {"extended", {"ended"}},
          {"ended", {}},
      },
      {
          {"reported", police},
          {"declined", police},
          {"application_filed", police},
          {"granted", immigration},
          {"refused", immigration},
          {"extended", immigration},
          {"ended", either},
      },
      LifecycleScope::kMessage);
  s.retention_days = 1825;
  s.deadline = ReflectionPeriodRule();
  s.answer_states = {"reported", "declined", "ended"};
  s.outcome_states = {"reported", "application_filed", "granted", "refused"};
  // The police offer the reflection period and file the application: a B8 starts there, so
  // the police are a party to every one.
  s.sender_kinds = {OrgKind::kPolice};
  s.deadline_start_field = "reflection_start";
  return s;
}

}  // namespace

const MessageKind& B8Kind() {
  static const MessageKind kind(Spec());
  return kind;
}

}  // namespace ketenpoort::kinds
