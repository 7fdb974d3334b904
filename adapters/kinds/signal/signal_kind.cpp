#include "adapters/kinds/signal/signal_kind.h"

namespace ketenpoort::kinds {

namespace {

KindSpec Spec() {
  const StateRule assess{
      .by = StateRule::By::kRecipient,
      .org_kinds = {OrgKind::kNationalRegistration, OrgKind::kReportPoint, OrgKind::kPolice,
                    OrgKind::kChildProtection, OrgKind::kCareCoordination}};
  KindSpec s;
  s.name = "signal";
  s.summary = "signal (possible) human trafficking to CoMensha, police or a report point";
  s.required_routing = {"region", "age_band"};
  s.payload = PayloadSchema{
      .fields = {
          {.name = "indicators", .type = FieldType::kCodes, .required = true, .list = "indicator"},
          {.name = "exploitation", .type = FieldType::kCode, .list = "exploitation"},
          {.name = "minor", .type = FieldType::kBool, .required = true},
          {.name = "location", .type = FieldType::kString, .max_length = 200},
          {.name = "observed_on", .type = FieldType::kDate},
          {.name = "description", .type = FieldType::kString, .max_length = 4000},
          {.name = "identity", .type = FieldType::kString, .max_length = 2000},
      }};
  s.payload_fields_needing_legal_basis = {"identity"};
  s.lifecycle = Lifecycle(
      {
          {"sent", {"delivered", "undeliverable"}},
          {"undeliverable", {}},
          {"delivered", {"received", "assessed", "closed"}},
          {"received", {"assessed", "closed"}},
          {"assessed", {"forwarded", "closed"}},
          {"forwarded", {"closed"}},
          {"closed", {}},
      },
      // The reporter closes its own signal too (per recipient or for all), as for a referral.
      {{"assessed", assess},
       {"forwarded", assess},
       {"closed", {.by = StateRule::By::kSenderOrRecipient}}});
  s.retention_days = 365;
  s.answer_states = {"assessed", "forwarded", "closed"};
  s.outcome_states = {"assessed", "forwarded"};
  return s;
}

}  // namespace

const MessageKind& SignalKind() {
  static const MessageKind kind(Spec());
  return kind;
}

}  // namespace ketenpoort::kinds
