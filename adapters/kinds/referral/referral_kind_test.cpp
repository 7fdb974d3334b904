#include "adapters/kinds/referral/referral_kind.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adapters/kinds/lifecycle_table.h"
#include "adapters/kinds/registry.h"
#include "gateway/api/http_status.h"

namespace ketenpoort::kinds {
namespace {

using nlohmann::json;
using test::SetterRow;

TEST(ReferralKindTest, LifecycleAllowsExactlyTheWorkflow) {
  test::ExpectExactly(ReferralKind().lifecycle(),
                      {{"sent", {"delivered", "undeliverable"}},
                       {"delivered", {"received", "accepted", "declined", "needs_info", "closed"}},
                       {"received", {"accepted", "declined", "needs_info", "closed"}},
                       {"needs_info", {"received", "accepted", "declined", "closed"}},
                       {"accepted", {"intake_planned", "closed"}},
                       {"intake_planned", {"closed"}},
                       {"declined", {"closed"}},
                       {"undeliverable", {}},
                       {"closed", {}}});
  EXPECT_EQ(ReferralKind().lifecycle().scope(), LifecycleScope::kDelivery);
}

TEST(ReferralKindTest, OnlyReceivingCarePartnersAnswer) {
  test::ExpectSetters(ReferralKind().lifecycle(),
                      {
                          {"accepted", OrgKind::kShelter, false, true, true},
                          {"accepted", OrgKind::kCare, false, true, true},
                          {"accepted", OrgKind::kYouth, false, true, true},
                          {"declined", OrgKind::kCareCoordination, false, true, true},
                          {"intake_planned", OrgKind::kShelter, false, true, true},
                          {"accepted", OrgKind::kPolice, false, true, false},
                          {"accepted", OrgKind::kShelter, true, false, false},  // sender
                          {"needs_info", OrgKind::kMunicipality, false, true, false},
                          {"closed", OrgKind::kCareCoordination, true, false, true},
                          {"closed", OrgKind::kShelter, false, true, true},
                          {"received", OrgKind::kShelter, false, true, true},
                          {"delivered", OrgKind::kShelter, false, true, false},  // gateway's
                          {"undeliverable", OrgKind::kShelter, true, true, false},
                      });
}

TEST(ReferralKindTest, HeaderNeedsRegionAgeBandUrgencyAndAPseudonym) {
  const CodeLists& lists = BuiltinCodeLists();
  const auto v = lists.LatestVersions();
  KindHeader h{.routing = {{"region", "GM0518"}, {"age_band", "adult"}, {"urgency", "urgent"}},
               .subject_ref = "p-1"};
  EXPECT_TRUE(ReferralKind().ValidateHeader(h, lists, v).ok());
  KindHeader no_urgency = h;
  no_urgency.routing.erase("urgency");
  auto e = ReferralKind().ValidateHeader(no_urgency, lists, v);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, "missing_header_field");
  EXPECT_EQ(e.error().field, "routing.urgency");
  KindHeader bad = h;
  bad.routing["urgency"] = "asap";
  EXPECT_EQ(ReferralKind().ValidateHeader(bad, lists, v).error().field, "routing.urgency");
  KindHeader nobody = h;
  nobody.subject_ref.clear();
  EXPECT_EQ(ReferralKind().ValidateHeader(nobody, lists, v).error().field, "subject_ref");
}

TEST(ReferralKindTest, PayloadErrorsNameTheField) {
  const CodeLists& lists = BuiltinCodeLists();
  const auto v = lists.LatestVersions();
  json good = {{"client_ref", "p-1"},
               {"needs", {"shelter", "care"}},
               {"life_domains", {"housing"}},
               {"urgency", "urgent"},
               {"language", "ro"}};
  EXPECT_TRUE(ReferralKind().ValidatePayload(good, lists, v, false).ok());
  struct Bad {
    json patch;
    std::string code;
    std::string field;
  };
  const Bad cases[] = {
      {{{"needs", nullptr}}, "missing_field", "needs"},
      {{{"needs", {"shelter", "shelterr"}}}, "invalid_code", "needs[1]"},
      {{{"needs", json::array()}}, "invalid_type", "needs"},
      {{{"needs", {"care", "care"}}}, "invalid_value", "needs[1]"},
      {{{"life_domains", {"moon"}}}, "invalid_code", "life_domains[0]"},
      {{{"urgency", "asap"}}, "invalid_value", "urgency"},
      {{{"client_ref", 7}}, "invalid_type", "client_ref"},
      {{{"colour", "red"}}, "unknown_field", "colour"},
      {{{"attachments", {""}}}, "invalid_type", "attachments[0]"},
  };
  for (const Bad& b : cases) {
    json p = good;
    p.merge_patch(b.patch);
    if (b.patch.begin().value().is_null())
      p.erase(b.patch.begin().key());
    Status s = ReferralKind().ValidatePayload(p, lists, v, false);
    ASSERT_FALSE(s.ok()) << b.patch.dump();
    EXPECT_EQ(s.error().code, b.code) << b.patch.dump();
    EXPECT_EQ(s.error().field, b.field) << b.patch.dump();
    EXPECT_EQ(api::HttpStatus(s.error().kind), 400);
  }
  EXPECT_EQ(ReferralKind().spec().retention_days, 730);
}

}  // namespace
}  // namespace ketenpoort::kinds
