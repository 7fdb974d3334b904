#include "gateway/core/routing_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/api/http_status.h"

namespace ketenpoort {
namespace {

using json = nlohmann::json;
using Ids = std::vector<std::string>;

// A small directory of its own, so these tests do not depend on the demo configuration.
Directory TestDirectory() {
  auto dir = Directory::Parse(R"({"version": 1, "organisations": [
    {"id": "comensha", "name": "CoMensha", "kind": "national_registration", "regions": ["NL"],
     "accepts": ["signal", "b8", "status"]},
    {"id": "politie", "name": "Politie", "kind": "police", "regions": ["GM0518"],
     "accepts": ["signal", "b8", "status"]},
    {"id": "meldpunt", "name": "Meldpunt", "kind": "report_point", "regions": ["GM0599"],
     "accepts": ["signal"]},
    {"id": "wende", "name": "Wende", "kind": "shelter", "regions": ["GM0518"],
     "accepts": ["referral"]},
    {"id": "gemeente", "name": "Gemeente", "kind": "municipality", "regions": ["GM0518"],
     "accepts": ["signal"]}
  ]})");
  EXPECT_TRUE(dir.ok()) << dir.error().ToString();
  return *std::move(dir);
}

json Rule(std::string id, json match, json to) {
  return json{{"id", id}, {"match", match}, {"to", to}};
}

json PolicePolicy() {
  return json{{"id", "police-needs-legal-basis"},
              {"recipient_kind", "police"},
              {"requires_legal_basis", true}};
}

json MunicipalityPolicy() {
  return json{
      {"id", "municipality-no-case-data"}, {"recipient_kind", "municipality"}, {"deny", true}};
}

json Routes(json rules, json policies = json::array({PolicePolicy(), MunicipalityPolicy()})) {
  return json{{"version", 1}, {"rules", rules}, {"policies", policies}};
}

RoutingRules Load(const json& doc, const Directory& dir) {
  auto rules = RoutingRules::FromJson(doc, dir);
  EXPECT_TRUE(rules.ok()) << rules.error().ToString();
  return rules.ok() ? *std::move(rules) : RoutingRules();
}

RoutingInput Signal(std::map<std::string, std::string> routing,
                    std::optional<LegalBasis> basis = std::nullopt) {
  return RoutingInput{.kind = "signal", .routing = std::move(routing), .legal_basis = basis};
}

void ExpectError(const json& doc, const std::string& field, const std::string& text) {
  auto rules = RoutingRules::FromJson(doc, TestDirectory());
  ASSERT_FALSE(rules.ok()) << doc.dump();
  EXPECT_EQ(rules.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(rules.error().code, "invalid_routes");
  EXPECT_EQ(rules.error().field, field) << rules.error().message;
  EXPECT_NE(rules.error().message.find(text), std::string::npos) << rules.error().message;
}

// ---- Resolve ----

TEST(RoutingRulesResolveTest, FansOutSortedAndUniqueWithRulesInFileOrder) {
  Directory dir = TestDirectory();
  RoutingRules rules =
      Load(Routes(json::array({
               Rule("to-meldpunt", {{"kind", "signal"}}, json::array({"meldpunt", "comensha"})),
               Rule("to-comensha", {{"kind", "signal"}}, {"comensha"}),
               Rule("b8-only", {{"kind", "b8"}}, {"comensha"}),
           })),
           dir);
  Resolution r = rules.Resolve(Signal({}));
  EXPECT_EQ(r.recipients, (Ids{"comensha", "meldpunt"}));
  EXPECT_EQ(r.rules, (Ids{"to-meldpunt", "to-comensha"}));
}

TEST(RoutingRulesResolveTest, AMissingMatchKeyMatchesAnythingAPresentOneRequiresTheValue) {
  Directory dir = TestDirectory();
  RoutingRules rules = Load(
      Routes(json::array(
          {Rule("all-signals", {{"kind", "signal"}}, {"comensha"}),
           Rule("minors-rotterdam",
                {{"kind", "signal"}, {"region", "GM0599"}, {"age_band", "minor"}}, {"meldpunt"})})),
      dir);
  EXPECT_EQ(rules.Resolve(Signal({{"region", "GM0599"}, {"age_band", "minor"}})).recipients,
            (Ids{"comensha", "meldpunt"}));
  EXPECT_EQ(rules.Resolve(Signal({{"region", "GM0599"}})).recipients, (Ids{"comensha"}));
  EXPECT_EQ(rules.Resolve(Signal({{"region", "GM0518"}, {"age_band", "minor"}})).recipients,
            (Ids{"comensha"}));
  EXPECT_EQ(rules.Resolve(Signal({{"age_band", "minor"}, {"urgency", "urgent"}})).recipients,
            (Ids{"comensha"}));
  EXPECT_TRUE(rules.Resolve(RoutingInput{.kind = "b8"}).recipients.empty());
}

TEST(RoutingRulesResolveTest, ArraysMatchAnyOf) {
  Directory dir = TestDirectory();
  RoutingRules rules =
      Load(Routes(json::array({Rule("exploitation",
                                    {{"kind", json::array({"b8", "signal"})},
                                     {"exploitation", json::array({"labour", "criminal"})}},
                                    {"comensha"})})),
           dir);
  EXPECT_EQ(rules.Resolve(Signal({{"exploitation", "criminal"}})).recipients, (Ids{"comensha"}));
  EXPECT_EQ(rules.Resolve(Signal({{"exploitation", "labour"}})).recipients, (Ids{"comensha"}));
  EXPECT_TRUE(rules.Resolve(Signal({{"exploitation", "sexual"}})).recipients.empty());
  EXPECT_EQ(
      rules.Resolve(RoutingInput{.kind = "b8", .routing = {{"exploitation", "labour"}}}).recipients,
      (Ids{"comensha"}));
  EXPECT_TRUE(
      rules.Resolve(RoutingInput{.kind = "referral", .routing = {{"exploitation", "labour"}}})
          .recipients.empty());
  EXPECT_TRUE(rules.Resolve(Signal({})).recipients.empty());
}

TEST(RoutingRulesResolveTest, MatchesOnLegalBasis) {
  Directory dir = TestDirectory();
  RoutingRules rules =
      Load(Routes(json::array({
               Rule("present", {{"legal_basis", "present"}}, {"meldpunt"}),
               Rule("absent", {{"legal_basis", "absent"}}, {"comensha"}),
               Rule("vital", {{"legal_basis", json::array({"vital_interest", "legal_obligation"})}},
                    {"politie"}),
           })),
           dir);
  EXPECT_EQ(rules.Resolve(Signal({})).rules, (Ids{"absent"}));
  EXPECT_EQ(rules.Resolve(Signal({}, LegalBasis::kConsent)).rules, (Ids{"present"}));
  Resolution vital = rules.Resolve(Signal({}, LegalBasis::kVitalInterest));
  EXPECT_EQ(vital.rules, (Ids{"present", "vital"}));
  EXPECT_EQ(vital.recipients, (Ids{"meldpunt", "politie"}));
}

TEST(RoutingRulesResolveTest, HoldsPoliceBackWithoutLegalBasisEvenWhenARuleMatches) {
  Directory dir = TestDirectory();
  // A careless rule: it names the police without requiring a legal basis.
  RoutingRules rules = Load(Routes(json::array({Rule("careless", {{"kind", "signal"}},
                                                     json::array({"comensha", "politie"}))})),
                            dir);
  Resolution without = rules.Resolve(Signal({}));
  EXPECT_EQ(without.recipients, (Ids{"comensha"}));
  EXPECT_EQ(without.rules, (Ids{"careless"}));
  EXPECT_EQ(rules.Resolve(Signal({}, LegalBasis::kConsent)).recipients,
            (Ids{"comensha", "politie"}));

  // Without the policy the rule is taken at its word.
  RoutingRules unguarded = Load(Routes(json::array({Rule("careless", {{"kind", "signal"}},
                                                         json::array({"comensha", "politie"}))}),
                                       json::array()),
                                dir);
  EXPECT_EQ(unguarded.Resolve(Signal({})).recipients, (Ids{"comensha", "politie"}));
}

TEST(RoutingRulesResolveTest, NeverYieldsAnOrganisationThatDoesNotAcceptTheKind) {
  Directory dir = TestDirectory();
  RoutingRules rules = Load(
      Routes(json::array({Rule("anything", json::object(), json::array({"comensha", "wende"}))})),
      dir);
  EXPECT_EQ(rules.Resolve(Signal({})).recipients, (Ids{"comensha"}));
  EXPECT_EQ(rules.Resolve(RoutingInput{.kind = "referral"}).recipients, (Ids{"wende"}));
  EXPECT_TRUE(rules.Resolve(RoutingInput{.kind = "securemail"}).recipients.empty());
}

TEST(RoutingRulesResolveTest, EmptyRulesResolveToNobody) {
  RoutingRules none;
  EXPECT_EQ(none.Resolve(Signal({})), Resolution{});
  auto empty =
      RoutingRules::FromJson(json{{"version", 1}, {"rules", json::array()}}, TestDirectory());
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->policies().empty());
  EXPECT_EQ(empty->Resolve(Signal({})), Resolution{});
}

TEST(RoutingRulesResolveTest, ExposesParsedRulesAndPolicies) {
  Directory dir = TestDirectory();
  json rule =
      Rule("r", {{"kind", "signal"}, {"region", json::array({"GM0518", "GM0599"})}}, {"comensha"});
  rule["description"] = "Signals from two regions.";
  RoutingRules rules = Load(Routes(json::array({rule})), dir);
  ASSERT_EQ(rules.rules().size(), 1u);
  EXPECT_EQ(rules.rules()[0].description, "Signals from two regions.");
  EXPECT_EQ(rules.rules()[0].kinds, (Ids{"signal"}));
  EXPECT_EQ(rules.rules()[0].routing.at("region"), (Ids{"GM0518", "GM0599"}));
  EXPECT_EQ(rules.rules()[0].legal_basis.mode, LegalBasisMatch::Mode::kAny);
  ASSERT_EQ(rules.policies().size(), 2u);
  ASSERT_NE(rules.LegalBasisPolicyFor(OrgKind::kPolice), nullptr);
  EXPECT_EQ(rules.LegalBasisPolicyFor(OrgKind::kPolice)->id, "police-needs-legal-basis");
  EXPECT_EQ(rules.LegalBasisPolicyFor(OrgKind::kShelter), nullptr);
  ASSERT_NE(rules.DenyPolicyFor(OrgKind::kMunicipality), nullptr);
  EXPECT_EQ(rules.DenyPolicyFor(OrgKind::kPolice), nullptr);
}

// ---- Loading errors ----

TEST(RoutingRulesParseTest, RefusesUnknownKeys) {
  ExpectError(Routes(json::array({Rule("a", {{"kind", "signal"}}, {"comensha"}),
                                  Rule("b", {{"gendr", "male"}}, {"comensha"})})),
              "rules[1].match.gendr", "unknown key 'gendr'");
  json rule = Rule("a", {{"kind", "signal"}}, {"comensha"});
  rule["recipients"] = json::array();
  ExpectError(Routes(json::array({rule})), "rules[0].recipients", "unknown key");
  json doc = Routes(json::array());
  doc["defaults"] = json::object();
  ExpectError(doc, "defaults", "unknown key");
  json policy = PolicePolicy();
  policy["kind"] = "signal";
  ExpectError(Routes(json::array(), json::array({policy})), "policies[0].kind", "unknown key");
}

TEST(RoutingRulesParseTest, RefusesWrongTypes) {
  ExpectError(Routes(json::array({Rule("a", {{"kind", "signal"}}, "comensha")})), "rules[0].to",
              "must be an array");
  ExpectError(Routes(json::array({Rule("a", {{"region", 518}}, {"comensha"})})),
              "rules[0].match.region", "must be a string or an array of strings");
  ExpectError(
      Routes(json::array({Rule("a", {{"region", json::array({"GM0518", 599})}}, {"comensha"})})),
      "rules[0].match.region[1]", "must be a string");
  ExpectError(Routes(json::array({Rule("a", "signal", {"comensha"})})), "rules[0].match",
              "must be an object");
  ExpectError(Routes(json::array({Rule("a", {{"kind", json::array()}}, {"comensha"})})),
              "rules[0].match.kind", "must not be an empty array");
  ExpectError(json{{"version", 1}, {"rules", json::object()}}, "rules", "must be an array");
  json policy = PolicePolicy();
  policy["requires_legal_basis"] = "yes";
  ExpectError(Routes(json::array(), json::array({policy})), "policies[0].requires_legal_basis",
              "must be true or false");
}

TEST(RoutingRulesParseTest, RefusesMissingFields) {
  json rule = Rule("a", {{"kind", "signal"}}, {"comensha"});
  rule.erase("match");
  ExpectError(Routes(json::array({rule})), "rules[0].match", "is required");
  ExpectError(Routes(json::array({Rule("a", {{"kind", "signal"}}, json::array())})), "rules[0].to",
              "at least one organisation");
  ExpectError(json{{"version", 1}}, "rules", "is required");
  ExpectError(json{{"rules", json::array()}}, "version", "is required");
  ExpectError(json{{"version", 3}, {"rules", json::array()}}, "version", "unsupported version 3");
}

TEST(RoutingRulesParseTest, RefusesADuplicateRuleId) {
  ExpectError(Routes(json::array({Rule("same", {{"kind", "signal"}}, {"comensha"}),
                                  Rule("other", {{"kind", "b8"}}, {"comensha"}),
                                  Rule("same", {{"kind", "b8"}}, {"comensha"})})),
              "rules[2].id", "duplicate rule id 'same' (also rules[0])");
}

TEST(RoutingRulesParseTest, RefusesAnUnknownRecipientNamingTheRule) {
  ExpectError(Routes(json::array(
                  {Rule("first", {{"kind", "signal"}}, {"comensha"}),
                   Rule("to-nobody", {{"kind", "signal"}}, json::array({"comensha", "nobody"}))})),
              "rules[1].to[1]", "rule 'to-nobody' sends to unknown organisation 'nobody'");
}

TEST(RoutingRulesParseTest, RefusesARuleToADeniedKind) {
  ExpectError(Routes(json::array({Rule("to-city", {{"kind", "signal"}}, {"gemeente"})})),
              "rules[0].to[0]", "policy 'municipality-no-case-data' forbids");
}

TEST(RoutingRulesParseTest, RefusesARuleSendingAKindTheRecipientDoesNotAccept) {
  ExpectError(Routes(json::array({Rule("signal-to-wende", {{"kind", "signal"}}, {"wende"})})),
              "rules[0].to[0]", "rule 'signal-to-wende' sends 'signal' messages to 'wende'");
}

TEST(RoutingRulesParseTest, RefusesBadValues) {
  ExpectError(Routes(json::array({Rule("a", {{"region", "gm0518"}}, {"comensha"})})),
              "rules[0].match.region", "CBS region code");
  ExpectError(
      Routes(json::array({Rule("a", {{"gender", json::array({"male", "Female"})}}, {"comensha"})})),
      "rules[0].match.gender[1]", "lower-case code");
  ExpectError(Routes(json::array({Rule("a", {{"legal_basis", "maybe"}}, {"comensha"})})),
              "rules[0].match.legal_basis", "unknown legal basis 'maybe'");
  ExpectError(Routes(json::array({Rule("a", {{"legal_basis", json::array({"consent", "present"})}},
                                       {"comensha"})})),
              "rules[0].match.legal_basis[1]", "unknown legal basis 'present'");
  ExpectError(Routes(json::array({Rule("Bad Id", {{"kind", "signal"}}, {"comensha"})})),
              "rules[0].id", "invalid rule id");
  ExpectError(Routes(json::array({Rule("a", {{"kind", "Signal"}}, {"comensha"})})),
              "rules[0].match.kind", "invalid message kind");
}

TEST(RoutingRulesParseTest, RefusesBadPolicies) {
  json unknown_kind = PolicePolicy();
  unknown_kind["recipient_kind"] = json::array({"police", "politie"});
  ExpectError(Routes(json::array(), json::array({unknown_kind})), "policies[0].recipient_kind[1]",
              "unknown organisation kind 'politie'");
  json no_effect = PolicePolicy();
  no_effect["requires_legal_basis"] = false;
  ExpectError(Routes(json::array(), json::array({no_effect})), "policies[0]", "has no effect");
  json no_kind = PolicePolicy();
  no_kind.erase("recipient_kind");
  ExpectError(Routes(json::array(), json::array({no_kind})), "policies[0].recipient_kind",
              "is required");
  ExpectError(Routes(json::array(), json::array({PolicePolicy(), PolicePolicy()})),
              "policies[1].id", "duplicate policy id 'police-needs-legal-basis'");
}

TEST(RoutingRulesParseTest, ParsesTextAndRefusesBadJson) {
  Directory dir = TestDirectory();
  auto ok = RoutingRules::Parse(
      Routes(json::array({Rule("a", {{"kind", "signal"}}, {"comensha"})})).dump(), dir);
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  EXPECT_EQ(ok->rules().size(), 1u);

  auto bad = RoutingRules::Parse("{\"version\": 1, \"rules\": [", dir);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "invalid_routes");

  auto twice = RoutingRules::Parse(
      R"({"version": 1, "rules": [{"id": "a", "match": {}, "to": ["comensha"], "to": ["politie"]}]})",
      dir);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("duplicate key 'to'"), std::string::npos);
}

// ---- Input validation ----

TEST(ValidateRoutingInputTest, AcceptsKnownKeys) {
  EXPECT_TRUE(ValidateRoutingInput(Signal({{"region", "GM0599"},
                                           {"age_band", "minor"},
                                           {"gender", "female"},
                                           {"exploitation", "sexual"},
                                           {"topic", "shelter"},
                                           {"urgency", "urgent"}}))
                  .ok());
  EXPECT_EQ(RoutingKeys().size(), 6u);
}

TEST(ValidateRoutingInputTest, RefusesUnknownKeysNamingThem) {
  Status s = ValidateRoutingInput(Signal({{"region", "GM0599"}, {"colour", "red"}}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "unknown_routing_key");
  EXPECT_EQ(s.error().field, "routing.colour");
  EXPECT_EQ(api::HttpStatus(s.error().kind), 400);

  // kind and legal_basis have fields of their own.
  EXPECT_EQ(ValidateRoutingInput(Signal({{"legal_basis", "consent"}})).error().field,
            "routing.legal_basis");
}

TEST(ValidateRoutingInputTest, RefusesBadValuesAndKinds) {
  Status region = ValidateRoutingInput(Signal({{"region", "Rotterdam"}}));
  ASSERT_FALSE(region.ok());
  EXPECT_EQ(region.error().code, "invalid_routing_value");
  EXPECT_EQ(region.error().field, "routing.region");
  EXPECT_EQ(ValidateRoutingInput(Signal({{"age_band", ""}})).error().field, "routing.age_band");
  EXPECT_EQ(ValidateRoutingInput(Signal({{"age_band", "Minor"}})).error().code,
            "invalid_routing_value");
  EXPECT_EQ(ValidateRoutingInput(RoutingInput{}).error().field, "kind");
  EXPECT_EQ(ValidateRoutingInput(RoutingInput{.kind = "sig nal"}).error().field, "kind");
}

// ---- CheckRecipients ----

class CheckRecipientsTest : public ::testing::Test {
 protected:
  Directory dir_ = TestDirectory();
  RoutingRules rules_ =
      Load(Routes(json::array(
               {Rule("all-signals", {{"kind", "signal"}}, json::array({"comensha", "meldpunt"})),
                Rule("police", {{"kind", "signal"}, {"legal_basis", "present"}}, {"politie"})})),
           dir_);
};

TEST_F(CheckRecipientsTest, AcceptsTheResolvedSetAndAnySubset) {
  EXPECT_TRUE(rules_.CheckRecipients(Signal({}), Ids{"comensha", "meldpunt"}, dir_).ok());
  EXPECT_TRUE(rules_.CheckRecipients(Signal({}), {"meldpunt"}, dir_).ok());
  EXPECT_TRUE(
      rules_.CheckRecipients(Signal({}, LegalBasis::kConsent), {"politie", "comensha"}, dir_).ok());
}

TEST_F(CheckRecipientsTest, RefusesARecipientNoRuleRoutesTo) {
  auto b8 = RoutingInput{.kind = "b8"};
  Status s = rules_.CheckRecipients(b8, {"comensha"}, dir_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "recipient_not_routed");
  EXPECT_EQ(s.error().field, "recipients");
  EXPECT_EQ(api::HttpStatus(s.error().kind), 422);
  EXPECT_NE(s.error().message.find("'comensha'"), std::string::npos);
}

TEST_F(CheckRecipientsTest, RefusesPoliceWithoutLegalBasisNamingThePolicy) {
  Status s = rules_.CheckRecipients(Signal({}), Ids{"comensha", "politie"}, dir_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "legal_basis_required");
  EXPECT_EQ(s.error().field, "legal_basis");
  EXPECT_EQ(api::HttpStatus(s.error().kind), 422);
  EXPECT_NE(s.error().message.find("police-needs-legal-basis"), std::string::npos);
  EXPECT_NE(s.error().message.find("'politie'"), std::string::npos);
}

TEST_F(CheckRecipientsTest, RefusesAnUnknownOrganisation) {
  Status s = rules_.CheckRecipients(Signal({}), Ids{"comensha", "nobody"}, dir_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "unknown_organisation");
  EXPECT_EQ(s.error().field, "recipients");
  EXPECT_EQ(api::HttpStatus(s.error().kind), 404);
  EXPECT_NE(s.error().message.find("'nobody'"), std::string::npos);
}

TEST_F(CheckRecipientsTest, RefusesAnOrganisationThatDoesNotAcceptTheKind) {
  Status s = rules_.CheckRecipients(Signal({}), {"wende"}, dir_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "kind_not_accepted");
  EXPECT_EQ(s.error().field, "recipients");
  EXPECT_EQ(api::HttpStatus(s.error().kind), 422);
}

TEST_F(CheckRecipientsTest, RefusesADeniedKindNamingThePolicy) {
  Status s = rules_.CheckRecipients(Signal({}, LegalBasis::kPublicTask), {"gemeente"}, dir_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "recipient_denied");
  EXPECT_NE(s.error().message.find("municipality-no-case-data"), std::string::npos);
}

TEST_F(CheckRecipientsTest, RefusesEmptyDuplicateAndInvalidInput) {
  EXPECT_EQ(rules_.CheckRecipients(Signal({}), {}, dir_).error().code, "no_recipients");
  EXPECT_EQ(rules_.CheckRecipients(Signal({}), {"comensha", "comensha"}, dir_).error().code,
            "duplicate_recipient");
  EXPECT_EQ(rules_.CheckRecipients(Signal({{"colour", "red"}}), {"comensha"}, dir_).error().code,
            "unknown_routing_key");
}

}  // namespace
}  // namespace ketenpoort
