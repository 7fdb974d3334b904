#include "adapters/kinds/referral/referral_kind.h"

#include "adapters/kinds/referral/answer_time_rule.h"

namespace ketenpoort::kinds {

namespace {

KindSpec Spec() {
  const StateRule answer{.by = StateRule::By::kRecipient,
                         .org_kinds = {OrgKind::kShelter, OrgKind::kCare, OrgKind::kYouth,
                                       OrgKind::kCareCoordination}};
  // A decline says why, in a code a coordinator can act on (find another place, another target
  // group, a safety plan) and in words when the code is "other".
  StateRule declined = answer;
  declined.code_list = "decline_reason";
  KindSpec s;
  s.name = "referral";
  s.summary = "refer a client to a shelter or care partner";
  s.required_routing = {"region", "age_band", "urgency"};
  s.enum_routing = {{"urgency", {"normal", "urgent"}}};
  s.requires_subject_ref = true;
  s.payload = PayloadSchema{
      .fields = {
          {.name = "client_ref", .type = FieldType::kString, .required = true, .max_length = 128},
          {.name = "needs", .type = FieldType::kCodes, .required = true, .list = "need"},
          {.name = "life_domains", .type = FieldType::kCodes, .list = "life_domain"},
          {.name = "urgency",
           .type = FieldType::kEnum,
           .required = true,
           .values = {"normal", "urgent"}},
          {.name = "language", .type = FieldType::kString, .max_length = 35},
          {.name = "summary", .type = FieldType::kString, .max_length = 4000},
          {.name = "attachments", .type = FieldType::kStrings, .max_length = 255},
      }};
  s.lifecycle = Lifecycle(
      {
          {"sent", {"delivered", "undeliverable"}},
          {"undeliverable", {}},
          {"delivered", {"received", "accepted", "declined", "needs_info", "closed"}},
          {"received", {"accepted", "declined", "needs_info", "closed"}},
          {"needs_info", {"received", "accepted", "declined", "closed"}},
          {"accepted", {"intake_planned", "closed"}},
          {"intake_planned", {"closed"}},
          {"declined", {"closed"}},
          {"closed", {}},
      },
      {
          {"accepted", answer},
          {"declined", declined},
          {"needs_info", answer},
          {"intake_planned", answer},
          {"closed", {.by = StateRule::By::kSenderOrRecipient}},
      });
  s.retention_days = 730;
  s.deadline = AnswerTimeRule();
  s.answer_states = {"accepted", "declined", "needs_info", "intake_planned", "closed"};
  s.outcome_states = {"accepted", "declined", "intake_planned"};
  return s;
}

}  // namespace

const MessageKind& ReferralKind() {
  static const MessageKind kind(Spec());
  return kind;
}

}  // namespace ketenpoort::kinds
