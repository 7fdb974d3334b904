// The demo configuration (config/demo/organisations.json and routes.json) against the demo
// tables of docs/API.md and the rules of docs/DESIGN.md: no case data to a municipality,
// nothing to the police without a legal basis.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/core/directory.h"
#include "gateway/core/routing_rules.h"

namespace ketenpoort {
namespace {

using Ids = std::vector<std::string>;

std::string ReadFile(const std::string& relative) {
  std::ifstream in(std::string(KP_SOURCE_DIR) + "/" + relative, std::ios::binary);
  EXPECT_TRUE(in.good()) << relative;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class DemoConfig : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto dir = Directory::Parse(ReadFile("config/demo/organisations.json"));
    ASSERT_TRUE(dir.ok()) << dir.error().ToString();
    directory_ = *std::move(dir);
    auto rules = RoutingRules::Parse(ReadFile("config/demo/routes.json"), directory_);
    ASSERT_TRUE(rules.ok()) << rules.error().ToString();
    rules_ = *std::move(rules);
  }

  static Directory directory_;
  static RoutingRules rules_;
};

Directory DemoConfig::directory_;
RoutingRules DemoConfig::rules_;

// ---- organisations.json: the demo organisations table of docs/API.md ----

struct OrgRow {
  const char* id;
  OrgKind kind;
  Ids regions;
};

TEST_F(DemoConfig, HasExactlyTheOrganisationsOfTheApi) {
  const std::vector<OrgRow> table = {
      {"shop-denhaag", OrgKind::kCareCoordination, {"GM0518"}},
      {"shop-jeugd-denhaag", OrgKind::kYouth, {"GM0518"}},
      {"dehaven-denhaag", OrgKind::kCare, {"GM0518"}},
      {"wende-denhaag", OrgKind::kShelter, {"GM0518"}},
      {"essm-rotterdam", OrgKind::kCareCoordination, {"GM0599"}},
      {"meldpunt-rotterdam", OrgKind::kReportPoint, {"GM0599"}},
      {"ggd-gelderland-zuid", OrgKind::kCareCoordination, {"GM0268"}},
      {"iriszorg-nijmegen", OrgKind::kCare, {"GM0268"}},
      {"comensha", OrgKind::kNationalRegistration, {"NL"}},
      {"politie-avim-haaglanden", OrgKind::kPolice, {"GM0518"}},
      {"politie-cpm-rotterdam", OrgKind::kPolice, {"GM0599"}},
      {"ind", OrgKind::kImmigration, {"NL"}},
      {"veilig-thuis-rotterdam", OrgKind::kChildProtection, {"GM0599"}},
      {"gemeente-denhaag", OrgKind::kMunicipality, {"GM0518"}},
      {"portal", OrgKind::kPortal, {}},
  };
  ASSERT_EQ(directory_.all().size(), table.size());
  for (const auto& row : table) {
    SCOPED_TRACE(row.id);
    const Organisation* org = directory_.Find(row.id);
    ASSERT_NE(org, nullptr);
    EXPECT_EQ(org->kind, row.kind);
    EXPECT_EQ(org->regions, row.regions);
  }
}

TEST_F(DemoConfig, OrganisationsAreSyntheticTemplates) {
  for (const auto& org : directory_.all()) {
    SCOPED_TRACE(org.id);
    EXPECT_TRUE(org.certificate_pem.empty()) << "`ketenpoort init` fills certificates in";
    EXPECT_TRUE(org.gateway_url.empty());
    ASSERT_FALSE(org.contact_email.empty());
    const std::string domain = org.contact_email.substr(org.contact_email.find('@') + 1);
    EXPECT_TRUE(domain.ends_with(".example.org")) << org.contact_email;
  }
}

TEST_F(DemoConfig, AcceptsListsFitTheKinds) {
  auto accepts = [&](const char* id) { return directory_.Find(id)->accepts; };
  EXPECT_EQ(accepts("politie-avim-haaglanden"), (Ids{"signal", "b8", "status"}));
  EXPECT_EQ(accepts("ind"), (Ids{"b8", "status"}));
  EXPECT_TRUE(accepts("gemeente-denhaag").empty());
  EXPECT_EQ(accepts("portal"), (Ids{"securemail"}));
  for (const auto& org : directory_.all()) {
    if (org.kind == OrgKind::kPortal)
      continue;
    EXPECT_FALSE(org.Accepts("securemail")) << org.id << ": secure mail goes through the portal";
  }
}

// ---- routes.json: the demo routing table of docs/API.md, as exact sets ----

struct RouteCase {
  const char* name;
  RoutingInput input;
  Ids recipients;  // exactly, sorted
};

void PrintTo(const RouteCase& c, std::ostream* os) {
  *os << c.name;
}

class DemoRoutes : public DemoConfig, public ::testing::WithParamInterface<RouteCase> {};

TEST_P(DemoRoutes, ResolvesToExactlyTheDesignedRecipients) {
  const RouteCase& c = GetParam();
  ASSERT_TRUE(ValidateRoutingInput(c.input).ok());
  Resolution r = rules_.Resolve(c.input);
  EXPECT_EQ(r.recipients, c.recipients);
  EXPECT_FALSE(r.rules.empty());
  // Whatever resolves is also what a sender may name explicitly.
  EXPECT_TRUE(rules_.CheckRecipients(c.input, r.recipients, directory_).ok());
}

const std::optional<LegalBasis> kNone = std::nullopt;

INSTANTIATE_TEST_SUITE_P(
    ApiDemoTable, DemoRoutes,
    ::testing::Values(
        RouteCase{"signal_GM0599_minor",
                  {"signal", {{"region", "GM0599"}, {"age_band", "minor"}}, kNone},
                  {"comensha", "meldpunt-rotterdam", "veilig-thuis-rotterdam"}},
        RouteCase{"signal_GM0518_adult_with_legal_basis",
                  {"signal", {{"region", "GM0518"}, {"age_band", "adult"}}, LegalBasis::kConsent},
                  {"comensha", "politie-avim-haaglanden"}},
        RouteCase{"signal_GM0518_adult_without_legal_basis",
                  {"signal", {{"region", "GM0518"}, {"age_band", "adult"}}, kNone},
                  {"comensha"}},
        RouteCase{"referral_GM0518_minor",
                  {"referral", {{"region", "GM0518"}, {"age_band", "minor"}}, kNone},
                  {"shop-jeugd-denhaag"}},
        RouteCase{
            "referral_GM0518_male_shelter",
            {"referral", {{"region", "GM0518"}, {"gender", "male"}, {"topic", "shelter"}}, kNone},
            {"wende-denhaag"}},
        RouteCase{"b8_GM0518",
                  {"b8", {{"region", "GM0518"}}, kNone},
                  {"comensha", "ind", "shop-denhaag"}}),
    [](const ::testing::TestParamInfo<RouteCase>& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    DesignPractice, DemoRoutes,
    ::testing::Values(
        RouteCase{
            "signal_GM0599_adult_with_legal_basis",
            {"signal", {{"region", "GM0599"}, {"age_band", "adult"}}, LegalBasis::kVitalInterest},
            {"comensha", "politie-cpm-rotterdam"}},
        RouteCase{"signal_GM0599_adult_without_legal_basis",
                  {"signal", {{"region", "GM0599"}, {"age_band", "adult"}}, kNone},
                  {"comensha"}},
        RouteCase{
            "signal_GM0599_minor_with_legal_basis",
            {"signal", {{"region", "GM0599"}, {"age_band", "minor"}}, LegalBasis::kLegalObligation},
            {"comensha", "meldpunt-rotterdam", "veilig-thuis-rotterdam"}},
        RouteCase{"signal_GM0268_adult", {"signal", {{"region", "GM0268"}}, kNone}, {"comensha"}},
        RouteCase{
            "referral_GM0518_adult_care",
            {"referral", {{"region", "GM0518"}, {"age_band", "adult"}, {"topic", "care"}}, kNone},
            {"dehaven-denhaag"}},
        RouteCase{"referral_GM0518_sexual_exploitation",
                  {"referral",
                   {{"region", "GM0518"}, {"age_band", "adult"}, {"exploitation", "sexual"}},
                   kNone},
                  {"shop-denhaag"}},
        RouteCase{"referral_GM0518_male_labour_shelter",
                  {"referral",
                   {{"region", "GM0518"},
                    {"gender", "male"},
                    {"topic", "shelter"},
                    {"exploitation", "labour"}},
                   kNone},
                  {"shop-denhaag", "wende-denhaag"}},
        RouteCase{"referral_GM0599_criminal_exploitation",
                  {"referral", {{"region", "GM0599"}, {"exploitation", "criminal"}}, kNone},
                  {"essm-rotterdam"}},
        RouteCase{"referral_GM0268",
                  {"referral", {{"region", "GM0268"}, {"age_band", "adult"}}, kNone},
                  {"iriszorg-nijmegen"}},
        RouteCase{"referral_GM0268_exploitation",
                  {"referral", {{"region", "GM0268"}, {"exploitation", "other"}}, kNone},
                  {"ggd-gelderland-zuid", "iriszorg-nijmegen"}},
        RouteCase{"b8_GM0599",
                  {"b8", {{"region", "GM0599"}}, LegalBasis::kLegalObligation},
                  {"comensha", "essm-rotterdam", "ind"}},
        RouteCase{"b8_GM0268",
                  {"b8", {{"region", "GM0268"}}, kNone},
                  {"comensha", "ggd-gelderland-zuid", "ind"}}),
    [](const ::testing::TestParamInfo<RouteCase>& info) { return std::string(info.param.name); });

TEST_F(DemoConfig, EveryRuleHasADescription) {
  for (const auto& rule : rules_.rules()) {
    EXPECT_FALSE(rule.description.empty()) << rule.id;
  }
  for (const auto& policy : rules_.policies()) {
    EXPECT_FALSE(policy.description.empty()) << policy.id;
  }
}

// ---- Invariants over every combination ----

// Every value the rules mention for `key`, plus one they do not (and absence, as "").
std::vector<std::string> ValuesFor(const RoutingRules& rules, const std::string& key) {
  std::set<std::string> values{"", "unlisted"};
  if (key == "region")
    values = {"", "GM0363", "NL"};
  for (const auto& rule : rules.rules()) {
    if (auto it = rule.routing.find(key); it != rule.routing.end()) {
      values.insert(it->second.begin(), it->second.end());
    }
  }
  return {values.begin(), values.end()};
}

// Calls `check` for every kind x routing combination x legal basis (or none).
template <typename Check>
void ForEveryInput(const RoutingRules& rules, const Check& check) {
  std::set<std::string> kinds{"referral", "signal", "b8", "status", "securemail"};
  for (const auto& rule : rules.rules())
    kinds.insert(rule.kinds.begin(), rule.kinds.end());
  std::vector<std::optional<LegalBasis>> bases{std::nullopt};
  for (LegalBasis b : AllLegalBases())
    bases.emplace_back(b);

  std::vector<std::pair<std::string, std::vector<std::string>>> axes;
  for (std::string_view key : RoutingKeys()) {
    axes.emplace_back(std::string(key), ValuesFor(rules, std::string(key)));
  }
  std::vector<std::size_t> at(axes.size(), 0);
  while (true) {
    std::map<std::string, std::string> routing;
    for (std::size_t i = 0; i < axes.size(); ++i) {
      const std::string& v = axes[i].second[at[i]];
      if (!v.empty())
        routing[axes[i].first] = v;
    }
    for (const auto& kind : kinds) {
      for (const auto& basis : bases)
        check(RoutingInput{kind, routing, basis});
    }
    std::size_t i = 0;  // next combination, odometer style
    while (i < axes.size() && ++at[i] == axes[i].second.size())
      at[i++] = 0;
    if (i == axes.size())
      break;
  }
}

std::string Describe(const RoutingInput& in) {
  std::string s = in.kind;
  for (const auto& [k, v] : in.routing)
    s += " " + k + "=" + v;
  s += in.legal_basis ? " legal_basis=" + std::string(LegalBasisName(*in.legal_basis))
                      : " no legal basis";
  return s;
}

TEST_F(DemoConfig, NoRuleEverSendsToAMunicipality) {
  for (const auto& rule : rules_.rules()) {
    for (const auto& id : rule.to) {
      EXPECT_NE(directory_.Find(id)->kind, OrgKind::kMunicipality) << rule.id;
    }
  }
  ASSERT_NE(rules_.DenyPolicyFor(OrgKind::kMunicipality), nullptr);
  std::size_t inputs = 0;
  ForEveryInput(rules_, [&](const RoutingInput& in) {
    ++inputs;
    for (const auto& id : rules_.Resolve(in).recipients) {
      ASSERT_NE(directory_.Find(id)->kind, OrgKind::kMunicipality) << Describe(in);
    }
  });
  EXPECT_GT(inputs, 10000u);
  Status s = rules_.CheckRecipients({"signal", {{"region", "GM0518"}}, LegalBasis::kPublicTask},
                                    {"gemeente-denhaag"}, directory_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "kind_not_accepted");
}

TEST_F(DemoConfig, NeverThePoliceWithoutALegalBasis) {
  const RoutingPolicy* policy = rules_.LegalBasisPolicyFor(OrgKind::kPolice);
  ASSERT_NE(policy, nullptr);
  EXPECT_EQ(policy->id, "police-needs-legal-basis");
  std::size_t with_police = 0;
  ForEveryInput(rules_, [&](const RoutingInput& in) {
    for (const auto& id : rules_.Resolve(in).recipients) {
      if (directory_.Find(id)->kind != OrgKind::kPolice)
        continue;
      ASSERT_TRUE(in.legal_basis.has_value()) << id << " for " << Describe(in);
      ++with_police;
    }
  });
  EXPECT_GT(with_police, 0u);  // the sweep does reach the police rules
}

// ---- CheckRecipients on the demo ----

TEST_F(DemoConfig, CheckRecipientsOnTheDemo) {
  RoutingInput minor{"signal", {{"region", "GM0599"}, {"age_band", "minor"}}, std::nullopt};
  EXPECT_TRUE(rules_.CheckRecipients(minor, {"comensha", "meldpunt-rotterdam"}, directory_).ok());

  Status not_routed =
      rules_.CheckRecipients(minor, {"comensha", "politie-avim-haaglanden"}, directory_);
  ASSERT_FALSE(not_routed.ok());
  EXPECT_EQ(not_routed.error().code, "legal_basis_required");
  EXPECT_NE(not_routed.error().message.find("police-needs-legal-basis"), std::string::npos);

  minor.legal_basis = LegalBasis::kVitalInterest;
  Status other_region =
      rules_.CheckRecipients(minor, {"comensha", "politie-avim-haaglanden"}, directory_);
  ASSERT_FALSE(other_region.ok());
  EXPECT_EQ(other_region.error().code, "recipient_not_routed");
  EXPECT_NE(other_region.error().message.find("politie-avim-haaglanden"), std::string::npos);

  RoutingInput adult{"signal", {{"region", "GM0518"}, {"age_band", "adult"}}, std::nullopt};
  Status police = rules_.CheckRecipients(adult, {"politie-avim-haaglanden"}, directory_);
  ASSERT_FALSE(police.ok());
  EXPECT_EQ(police.error().code, "legal_basis_required");
  EXPECT_NE(police.error().message.find("police-needs-legal-basis"), std::string::npos);
  adult.legal_basis = LegalBasis::kConsent;
  EXPECT_TRUE(rules_.CheckRecipients(adult, {"politie-avim-haaglanden"}, directory_).ok());

  Status unknown = rules_.CheckRecipients(adult, {"politie-haaglanden"}, directory_);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "unknown_organisation");
  EXPECT_EQ(unknown.error().field, "recipients");

  Status ind = rules_.CheckRecipients(adult, {"comensha", "ind"}, directory_);
  ASSERT_FALSE(ind.ok());
  EXPECT_EQ(ind.error().code, "kind_not_accepted");
}

}  // namespace
}  // namespace ketenpoort
