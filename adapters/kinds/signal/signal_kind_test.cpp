#include "adapters/kinds/signal/signal_kind.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adapters/kinds/lifecycle_table.h"
#include "adapters/kinds/registry.h"
#include "gateway/api/http_status.h"

namespace ketenpoort::kinds {
namespace {

using nlohmann::json;

TEST(SignalKindTest, LifecycleAllowsExactlyTheWorkflow) {
  test::ExpectExactly(SignalKind().lifecycle(), {{"sent", {"delivered", "undeliverable"}},
                                                 {"delivered", {"received", "assessed", "closed"}},
                                                 {"received", {"assessed", "closed"}},
                                                 {"assessed", {"forwarded", "closed"}},
                                                 {"forwarded", {"closed"}},
                                                 {"undeliverable", {}},
                                                 {"closed", {}}});
}

TEST(SignalKindTest, OnlyAssessingOrganisationsAssess) {
  test::ExpectSetters(SignalKind().lifecycle(),
                      {
                          {"assessed", OrgKind::kNationalRegistration, false, true, true},
                          {"assessed", OrgKind::kReportPoint, false, true, true},
                          {"forwarded", OrgKind::kReportPoint, false, true, true},
                          {"assessed", OrgKind::kPolice, false, true, true},
                          {"assessed", OrgKind::kChildProtection, false, true, true},
                          {"assessed", OrgKind::kShelter, false, true, false},
                          {"assessed", OrgKind::kNationalRegistration, true, false, false},
                          {"closed", OrgKind::kReportPoint, false, true, true},
                          {"closed", OrgKind::kCareCoordination, true, false, true},
                          {"closed", OrgKind::kNationalRegistration, false, false, false},
                      });
}

TEST(SignalKindTest, PayloadChecksCodesAtTheRecordedVersion) {
  const CodeLists& lists = BuiltinCodeLists();
  json p = {{"indicators", {"debt_bondage", "no_id_documents"}},
            {"exploitation", "labour"},
            {"minor", false},
            {"observed_on", "2026-11-20"}};
  EXPECT_TRUE(SignalKind().ValidatePayload(p, lists, lists.LatestVersions(), false).ok());
  // "labour" exists from exploitation v2 on.
  Status v1 = SignalKind().ValidatePayload(p, lists, {{"exploitation", 1}}, false);
  ASSERT_FALSE(v1.ok());
  EXPECT_EQ(v1.error().code, "invalid_code");
  EXPECT_EQ(v1.error().field, "exploitation");
  EXPECT_NE(v1.error().message.find("v1"), std::string::npos);
  json bad_date = p;
  bad_date["observed_on"] = "20-11-2026";
  EXPECT_EQ(SignalKind().ValidatePayload(bad_date, lists, {}, false).error().field, "observed_on");
  json no_minor = p;
  no_minor.erase("minor");
  EXPECT_EQ(SignalKind().ValidatePayload(no_minor, lists, {}, false).error().field, "minor");
}

TEST(SignalKindTest, IdentifyingDataNeedsALegalBasis) {
  const CodeLists& lists = BuiltinCodeLists();
  json p = {{"indicators", {"isolation"}}, {"minor", false}, {"identity", "synthetic identity"}};
  Status refused = SignalKind().ValidatePayload(p, lists, {}, /*has_legal_basis=*/false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "legal_basis_required");
  EXPECT_EQ(refused.error().field, "identity");
  EXPECT_EQ(api::HttpStatus(refused.error().kind), 422);
  EXPECT_TRUE(SignalKind().ValidatePayload(p, lists, {}, true).ok());
}

TEST(SignalKindTest, HeaderCodesFollowTheCodeLists) {
  const CodeLists& lists = BuiltinCodeLists();
  KindHeader h{.routing = {{"region", "GM0599"}, {"age_band", "minor"}}};
  EXPECT_TRUE(SignalKind().ValidateHeader(h, lists, lists.LatestVersions()).ok());
  h.routing["age_band"] = "teen";
  Status s = SignalKind().ValidateHeader(h, lists, lists.LatestVersions());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "invalid_code");
  EXPECT_EQ(s.error().field, "routing.age_band");
  KindHeader no_age{.routing = {{"region", "GM0599"}}};
  EXPECT_EQ(SignalKind().ValidateHeader(no_age, lists, {}).error().field, "routing.age_band");
  EXPECT_EQ(SignalKind().spec().retention_days, 365);
}

}  // namespace
}  // namespace ketenpoort::kinds
