#include "gateway/core/organisation.h"

#include <gtest/gtest.h>

#include "gateway/core/legal_basis.h"

namespace ketenpoort {
namespace {

TEST(OrgKindTest, EveryKindRoundTripsThroughItsName) {
  ASSERT_EQ(AllOrgKinds().size(), 11u);
  for (OrgKind kind : AllOrgKinds()) {
    auto parsed = ParseOrgKind(OrgKindName(kind));
    ASSERT_TRUE(parsed.has_value()) << OrgKindName(kind);
    EXPECT_EQ(*parsed, kind);
  }
}

TEST(OrgKindTest, NamesAreThoseOfTheApi) {
  EXPECT_EQ(ParseOrgKind("care_coordination"), OrgKind::kCareCoordination);
  EXPECT_EQ(ParseOrgKind("national_registration"), OrgKind::kNationalRegistration);
  EXPECT_EQ(ParseOrgKind("child_protection"), OrgKind::kChildProtection);
  EXPECT_EQ(ParseOrgKind("report_point"), OrgKind::kReportPoint);
  EXPECT_EQ(ParseOrgKind("portal"), OrgKind::kPortal);
  EXPECT_EQ(ParseOrgKind("Police"), std::nullopt);
  EXPECT_EQ(ParseOrgKind(""), std::nullopt);
}

TEST(LegalBasisTest, EveryBasisRoundTripsThroughItsName) {
  ASSERT_EQ(AllLegalBases().size(), 4u);
  for (LegalBasis basis : AllLegalBases()) {
    EXPECT_EQ(ParseLegalBasis(LegalBasisName(basis)), basis);
  }
  EXPECT_EQ(ParseLegalBasis("vital_interest"), LegalBasis::kVitalInterest);
  EXPECT_EQ(ParseLegalBasis("consent "), std::nullopt);
  EXPECT_EQ(ParseLegalBasis("present"), std::nullopt);
}

TEST(OrganisationTest, IdsAreLowerCaseWithHyphens) {
  EXPECT_TRUE(IsValidOrgId("politie-avim-haaglanden"));
  EXPECT_TRUE(IsValidOrgId("ind"));
  EXPECT_TRUE(IsValidOrgId("112-meldkamer"));
  EXPECT_FALSE(IsValidOrgId(""));
  EXPECT_FALSE(IsValidOrgId("-shop"));
  EXPECT_FALSE(IsValidOrgId("Politie AVIM"));
  EXPECT_FALSE(IsValidOrgId("shop_denhaag"));
  EXPECT_FALSE(IsValidOrgId(std::string(65, 'a')));
  EXPECT_TRUE(IsValidOrgId(std::string(64, 'a')));
}

TEST(OrganisationTest, RegionsAreCbsCodesOrNl) {
  EXPECT_TRUE(IsValidRegion("GM0518"));
  EXPECT_TRUE(IsValidRegion("NL"));
  EXPECT_TRUE(IsValidRegion("PV28"));
  EXPECT_FALSE(IsValidRegion("gm0518"));
  EXPECT_FALSE(IsValidRegion("GM"));
  EXPECT_FALSE(IsValidRegion("GM05180"));
  EXPECT_FALSE(IsValidRegion("Den Haag"));
}

TEST(OrganisationTest, MessageKindsAreSnakeCase) {
  EXPECT_TRUE(IsValidMessageKind("b8"));
  EXPECT_TRUE(IsValidMessageKind("securemail"));
  EXPECT_FALSE(IsValidMessageKind("8b"));
  EXPECT_FALSE(IsValidMessageKind("Signal"));
  EXPECT_FALSE(IsValidMessageKind(""));
}

TEST(OrganisationTest, AcceptsIsExact) {
  Organisation org{.id = "ind",
                   .name = "IND",
                   .kind = OrgKind::kImmigration,
                   .regions = {"NL"},
                   .accepts = {"b8", "status"}};
  EXPECT_TRUE(org.Accepts("b8"));
  EXPECT_FALSE(org.Accepts("signal"));
  EXPECT_FALSE(org.Accepts("B8"));
}

}  // namespace
}  // namespace ketenpoort
