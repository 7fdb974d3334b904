// The examples at the top of gateway/core's headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adapters/kinds/referral/referral_kind.h"
#include "adapters/kinds/registry.h"
#include "gateway/api/http_status.h"
#include "gateway/core/address_range.h"
#include "gateway/core/code_lists.h"
#include "gateway/core/deadline_rules.h"
#include "gateway/core/directory.h"
#include "gateway/core/error.h"
#include "gateway/core/gateway_url.h"
#include "gateway/core/json_fields.h"
#include "gateway/core/kind_registry.h"
#include "gateway/core/legal_basis.h"
#include "gateway/core/lifecycle.h"
#include "gateway/core/message_kind.h"
#include "gateway/core/organisation.h"
#include "gateway/core/payload_schema.h"
#include "gateway/core/pseudonym.h"
#include "gateway/core/reason_text.h"
#include "gateway/core/report.h"
#include "gateway/core/role.h"
#include "gateway/core/routing_rules.h"

namespace ketenpoort {
namespace {

using nlohmann::json;

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(KP_SOURCE_DIR) + "/" + relative);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

json CodeListDocument(const std::string& name) {
  return json::parse(ReadSource("config/codelists/" + name + ".json"));
}

// gateway/core/address_range.h
TEST(CoreExamples, AddressRange) {
  auto range = AddressRange::Parse("10.0.0.0/8");
  ASSERT_TRUE(range.ok());
  EXPECT_TRUE(range->Contains("10.1.2.3"));
  EXPECT_TRUE(range->Contains("::ffff:10.1.2.3"));
  EXPECT_FALSE(range->Contains("192.168.1.1"));
}

// gateway/core/code_lists.h
TEST(CoreExamples, CodeLists) {
  auto lists = CodeLists::FromDocuments(
      {CodeListDocument("exploitation"), CodeListDocument("age_band"), CodeListDocument("need")});
  ASSERT_TRUE(lists.ok()) << lists.error().ToString();
  EXPECT_EQ(lists->Latest("exploitation"), 2);
  EXPECT_FALSE(lists->Contains("exploitation", 1, "labour"));
  EXPECT_EQ(lists->ToLatest("exploitation", 1, "other"), "other");
  CodeListVersions used = lists->LatestVersions();
  EXPECT_EQ(used.at("age_band"), 1);
  EXPECT_EQ(used.at("exploitation"), 2);
}

// gateway/core/deadline_rules.h
struct Callback {
  std::int64_t after_ms = kHourMs;
};

TEST(CoreExamples, DeadlineRules) {
  DeadlineRule rule = MakeDeadlineRule<Callback>(
      [](const JsonFields& f) -> Result<Callback> {  // reads kinds.NAME
        KP_RETURN_IF_ERROR(f.OnlyKeys({"after_ms"}));
        KP_ASSIGN_OR_RETURN(auto ms, f.OptionalInteger("after_ms", kHourMs, 1, kDayMs));
        return Callback{ms};
      },
      [](const CaseFacts& c, const Callback& s, std::int64_t now) {
        std::vector<Notice> out;
        if (now >= c.created_ms + s.after_ms)
          out.push_back({.key = "callback", .type = "reminder", .to_org = c.sender_org});
        return out;
      });
  const nlohmann::json settings = {{"after_ms", 1000}};
  auto configured = rule.configure(JsonFields(settings, "kinds.callback", "invalid_config"));
  ASSERT_TRUE(configured.ok());
  const CaseFacts facts{.message_id = "m-1", .sender_org = "shop-denhaag", .created_ms = 0};
  EXPECT_TRUE((*configured)->DueNotices(facts, 999).empty());
  ASSERT_EQ((*configured)->DueNotices(facts, 1000).size(), 1u);
  EXPECT_EQ((*configured)->DueNotices(facts, 1000)[0].to_org, "shop-denhaag");
}

// gateway/core/directory.h
TEST(CoreExamples, Directory) {
  const std::string text = ReadSource("config/demo/organisations.json");
  auto dir = Directory::Parse(text);
  ASSERT_TRUE(dir.ok()) << dir.error().ToString();
  const Organisation* org = dir->Find("comensha");
  ASSERT_NE(org, nullptr);
  EXPECT_TRUE(org->Accepts("signal"));
  EXPECT_EQ(dir->Find("nobody"), nullptr);

  json bad = json::parse(text);
  bad["organisations"][3]["kind"] = "foo";
  auto refused = Directory::FromJson(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "organisations[3].kind");
  EXPECT_EQ(refused.error().message, "unknown organisation kind 'foo'");
}

Result<int> ParsePort(std::string_view s) {
  if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string_view::npos)
    return InvalidArgument("invalid_port", "not a port number", "port");
  return std::stoi(std::string(s));
}

// gateway/core/error.h
TEST(CoreExamples, Error) {
  int used = 0;
  auto Use = [&](int port) { used = port; };
  auto run = [&](std::string_view text) -> Status {
    auto port = ParsePort(text);
    if (!port)
      return port.error();  // propagate
    Use(*port);
    return Ok();
  };
  ASSERT_TRUE(run("8443").ok());
  EXPECT_EQ(used, 8443);
  Status bad = run("84x3");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(api::HttpStatus(bad.error().kind), 400);
  EXPECT_EQ(bad.error().field, "port");
}

// gateway/core/gateway_url.h
TEST(CoreExamples, GatewayUrl) {
  auto u = ParseGatewayUrl("https://GW-B.example.org/kp/");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->origin, "https://gw-b.example.org:443");
  EXPECT_EQ(u->authority, "gw-b.example.org:443");
  EXPECT_EQ(u->path, "/kp");
  EXPECT_TRUE(IsSameGateway("https://gw-b.example.org:443/kp", "https://GW-B.example.org/kp/"));
  EXPECT_FALSE(IsSameGateway("https://gw-b.example.org", "https://gw-b.example.org:8443"));
}

// gateway/core/json_fields.h
TEST(CoreExamples, JsonFields) {
  auto read = [](const json& rule, std::string* id_out) -> Status {
    JsonFields f(rule, "rules[2]", "invalid_routes");
    KP_RETURN_IF_ERROR(f.IsObject());
    KP_RETURN_IF_ERROR(f.OnlyKeys({"id", "match", "to"}));
    KP_ASSIGN_OR_RETURN(std::string id, f.RequiredString("id"));
    KP_ASSIGN_OR_RETURN(auto to, f.StringArray("to", /*required=*/true));
    *id_out = id;
    EXPECT_EQ(to, std::vector<std::string>{"comensha"});
    return Ok();
  };
  std::string id;
  ASSERT_TRUE(read(json::parse(R"({"id": "r", "match": {}, "to": ["comensha"]})"), &id).ok());
  EXPECT_EQ(id, "r");

  Status not_object = read(json::array(), &id);
  ASSERT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.error().ToString(), "rules[2]: must be an object, not an array");
  Status typo = read(json::parse(R"({"id": "r", "mtach": {}, "to": ["comensha"]})"), &id);
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().ToString(), "rules[2].mtach: unknown key 'mtach'");
  EXPECT_EQ(typo.error().code, "invalid_routes");
  EXPECT_EQ(typo.error().kind, ErrorKind::kInvalidArgument);
}

// gateway/core/kind_registry.h
TEST(CoreExamples, KindRegistry) {
  CodeLists code_lists = kinds::BuiltinKinds().code_lists();
  KindRegistry kinds(std::move(code_lists));
  kinds.Add(kinds::ReferralKind());
  ASSERT_NE(kinds.Find("referral"), nullptr);
  EXPECT_EQ(kinds.Find("referral")->spec().retention_days, 730);
  Status conflict = kinds.CheckTransition("signal", "closed", "accepted");
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(api::HttpStatus(conflict.error().kind), 409);
  EXPECT_EQ(conflict.error().code, "invalid_transition");
  Status unknown = kinds.CheckTransition("signal", "closed", "shredded");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(api::HttpStatus(unknown.error().kind), 400);
  EXPECT_EQ(unknown.error().code, "unknown_state");
  auto rules = kinds.ConfigureDeadlines({{"referral", {{"answer_ms", {{"urgent", 3600000}}}}}});
  ASSERT_TRUE(rules.ok()) << rules.error().ToString();
  const CaseFacts facts{.message_id = "m-1",
                        .sender_org = "shop-denhaag",
                        .created_ms = 0,
                        .routing = {{"urgency", "urgent"}},
                        .deliveries = {{"wende-denhaag", OrgKind::kShelter, "received"}}};
  EXPECT_TRUE(rules->at("referral")->DueNotices(facts, 3599999).empty());
  EXPECT_EQ(rules->at("referral")->DueNotices(facts, 3600000).size(), 1u);
}

// gateway/core/legal_basis.h
TEST(CoreExamples, LegalBasis) {
  EXPECT_EQ(ParseLegalBasis("vital_interest"), LegalBasis::kVitalInterest);
  EXPECT_EQ(ParseLegalBasis("consent "), std::nullopt);
  EXPECT_EQ(LegalBasisName(LegalBasis::kPublicTask), "public_task");
}

// gateway/core/lifecycle.h
TEST(CoreExamples, Lifecycle) {
  const KindRegistry& kinds = kinds::BuiltinKinds();
  const Lifecycle& lc = kinds.LifecycleFor("b8");
  EXPECT_TRUE(lc.Check("received", "reported").ok());
  Status late = lc.Check("reported", "granted");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(late.error().code, "invalid_transition");
  Status unknown = lc.Check("received", "shredded");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(unknown.error().code, "unknown_state");
  Status setter =
      lc.CheckSetter("granted", OrgKind::kPolice, /*is_sender=*/true, /*is_recipient=*/false);
  ASSERT_FALSE(setter.ok());
  EXPECT_EQ(setter.error().kind, ErrorKind::kPermissionDenied);
  EXPECT_EQ(setter.error().code, "state_not_permitted");
}

// gateway/core/message_kind.h
TEST(CoreExamples, MessageKind) {
  const KindRegistry& kinds = kinds::BuiltinKinds();
  const CodeLists& lists = kinds.code_lists();
  CodeListVersions versions = lists.LatestVersions();
  const MessageKind& referral = *kinds.Find("referral");
  KindHeader h{.routing = {{"region", "GM0518"}, {"age_band", "adult"}}};
  Status s = referral.ValidateHeader(h, lists, versions);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(api::HttpStatus(s.error().kind), 400);
  EXPECT_EQ(s.error().code, "missing_header_field");
  EXPECT_EQ(s.error().field, "routing.urgency");
  EXPECT_EQ(referral.spec().retention_days, 730);
}

// gateway/core/organisation.h
TEST(CoreExamples, Organisation) {
  Organisation shop{.id = "shop-denhaag",
                    .name = "SHOP Den Haag",
                    .kind = OrgKind::kCareCoordination,
                    .regions = {"GM0518"},
                    .accepts = {"referral", "signal", "b8", "status"}};
  EXPECT_TRUE(shop.Accepts("b8"));
  EXPECT_EQ(ParseOrgKind("national_registration"), OrgKind::kNationalRegistration);
  EXPECT_EQ(OrgKindName(OrgKind::kChildProtection), "child_protection");
  EXPECT_TRUE(IsValidOrgId("politie-avim-haaglanden"));
  EXPECT_FALSE(IsValidOrgId("Politie AVIM"));
}

// gateway/core/payload_schema.h
TEST(CoreExamples, PayloadSchema) {
  const CodeLists& lists = kinds::BuiltinKinds().code_lists();
  CodeListVersions versions = lists.LatestVersions();
  PayloadSchema schema{{
      {.name = "client_ref", .type = FieldType::kString, .required = true},
      {.name = "needs", .type = FieldType::kCodes, .required = true, .list = "need"},
      {.name = "urgency", .type = FieldType::kEnum, .values = {"normal", "urgent"}},
  }};
  Status s =
      schema.Validate(json::parse(R"({"client_ref":"p-1","needs":["shelterr"]})"), lists, versions);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(api::HttpStatus(s.error().kind), 400);
  EXPECT_EQ(s.error().code, "invalid_code");
  EXPECT_EQ(s.error().field, "needs[0]");
  EXPECT_EQ(s.error().message.rfind("'shelterr' is not a code of list need v1 (", 0), 0u)
      << s.error().message;
}

// gateway/core/pseudonym.h
TEST(CoreExamples, Pseudonym) {
  EXPECT_TRUE(IsPseudonym(std::string(64, 'f')));
  EXPECT_FALSE(IsPseudonym("jan.jansen-1990-05-04"));
  EXPECT_FALSE(IsPseudonym(std::string(64, 'F')));  // upper case is not the form
  EXPECT_FALSE(IsPseudonym(std::string(63, 'f')));
  EXPECT_TRUE(CheckClientNumber("2026-0042").ok());
  Status empty = CheckClientNumber("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "invalid_client_number");
  EXPECT_EQ(empty.error().field, "client");
  EXPECT_FALSE(CheckClientNumber("Jan Jansen").ok());  // a space: not a number
  EXPECT_FALSE(CheckClientNumber(std::string(65, '1')).ok());
  EXPECT_EQ(CheckClientNumber("Jan Jansen").error().message.find("Jan"), std::string::npos);
}

// gateway/core/reason_text.h
TEST(CoreExamples, ReasonText) {
  EXPECT_TRUE(CheckReasonText("peer token reissued", "--reason", /*required=*/true).ok());
  Status none = CheckReasonText("", "--reason", /*required=*/true);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, "invalid_reason");
  EXPECT_EQ(none.error().field, "--reason");
  EXPECT_TRUE(CheckReasonText("", "reason", /*required=*/false).ok());
  EXPECT_EQ(CheckReasonText("a\nb", "reason", false).error().code, "invalid_reason");
  EXPECT_FALSE(CheckReasonText(std::string(501, 'x'), "reason", false).ok());
}

// gateway/core/report.h
TEST(CoreExamples, Report) {
  const KindRegistry& kinds = kinds::BuiltinKinds();
  std::vector<ReportMessage> rows;
  for (int i = 0; i < 12; ++i) {
    ReportMessage m{.kind = "referral",
                    .routing = {{"region", "GM0518"}, {"exploitation", "labour"}},
                    .subject_ref = "pseudonym-" + std::to_string(i % 9)};
    if (i < 7)
      m.states_reached = {"received", "accepted"};
    else if (i == 7)
      m.states_reached = {"received", "declined"};
    rows.push_back(m);
  }
  ReportOptions o{.by = {"region", "kind", "exploitation"}};
  auto report = BuildReport(rows, o, kinds);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  const std::string csv = ReportCsv(*report);
  EXPECT_EQ(csv.rfind("region,kind,exploitation,messages,clients,reported,", 0), 0u) << csv;
  EXPECT_NE(csv.find(",refused,accepted,declined,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\nGM0518,referral,labour,12,9,0,0,0,0,7,<5,"), std::string::npos) << csv;
}

// gateway/core/role.h
TEST(CoreExamples, Role) {
  auto r = ParseRole("coordinator");
  EXPECT_EQ(r, Role::kCoordinator);
  EXPECT_TRUE(HasRole(Role::kCoordinator, Role::kSender));
  EXPECT_TRUE(HasRole(Role::kWorkspace, Role::kAuditor));
  EXPECT_TRUE(IsValidUsername("j.devries"));
  EXPECT_FALSE(IsValidUsername("J de Vries"));
  Principal peer{
      .token_id = 7,
      .org = "gw-b",
      .role = Role::kPeer,
      .peer = {.gateway_url = "https://gw-b.example.org:8443", .cert_sha256 = "3F:A1:09"}};
  EXPECT_FALSE(peer.peer.empty());
}

// gateway/core/routing_rules.h
TEST(CoreExamples, RoutingRules) {
  auto directory = Directory::Parse(ReadSource("config/demo/organisations.json"));
  ASSERT_TRUE(directory.ok());
  auto rules = RoutingRules::Parse(ReadSource("config/demo/routes.json"), *directory);
  ASSERT_TRUE(rules.ok()) << rules.error().ToString();
  RoutingInput in{.kind = "signal", .routing = {{"region", "GM0518"}, {"age_band", "adult"}}};
  EXPECT_EQ(rules->Resolve(in).recipients, std::vector<std::string>{"comensha"});
  in.legal_basis = LegalBasis::kConsent;
  EXPECT_EQ(rules->Resolve(in).recipients,
            (std::vector<std::string>{"comensha", "politie-avim-haaglanden"}));
  EXPECT_EQ(rules->Resolve(in).rules,
            (std::vector<std::string>{"signal-to-comensha", "signal-adult-police-haaglanden"}));
  Status s = rules->CheckRecipients(in, {"ind"}, *directory);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(api::HttpStatus(s.error().kind), 422);
  EXPECT_EQ(s.error().code, "kind_not_accepted");
}

}  // namespace
}  // namespace ketenpoort
