// The examples at the top of gateway/workspace's headers, run as written (adapted only as much
// as needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "gateway/config/config_test_util.h"

#include "adapters/kinds/registry.h"
#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/hash.h"
#include "gateway/store/guarded_database.h"
#include "gateway/workspace/audit_page.h"
#include "gateway/workspace/compose_request.h"
#include "gateway/workspace/gateway_link.h"
#include "gateway/workspace/gateway_lists.h"
#include "gateway/workspace/inbox_page.h"
#include "gateway/workspace/kind_form.h"
#include "gateway/workspace/labels.h"
#include "gateway/workspace/local_time.h"
#include "gateway/workspace/login_throttle.h"
#include "gateway/workspace/message_actions.h"
#include "gateway/workspace/message_page.h"
#include "gateway/workspace/message_view.h"
#include "gateway/workspace/page_notices.h"
#include "gateway/workspace/sealed_submissions.h"
#include "gateway/workspace/staff_account.h"
#include "gateway/workspace/staff_credentials.h"
#include "gateway/workspace/staff_login.h"
#include "gateway/workspace/staff_page.h"
#include "gateway/workspace/staff_repository.h"
#include "gateway/workspace/staff_sessions.h"
#include "gateway/workspace/workspace_config.h"
#include "gateway/workspace/workspace_database.h"
#include "gateway/workspace/workspace_pages.h"
#include "gateway/workspace/workspace_routes.h"
#include "gateway/workspace/workspace_server.h"
#include "gateway/workspace/workspace_test_util.h"
#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::workspace {
namespace {

constexpr std::int64_t kNow = 1'796'000'000'000;

std::string ExampleFileOfTheHeader() {
  return config::testing::ExampleFileOfHeader("gateway/workspace/workspace_config.h");
}

// A demo-like folder with the header's example config in it.
struct ExampleDeployment {
  store::test::TempDir dir;
  std::string config_file;
  ExampleDeployment() {
    std::filesystem::create_directories(dir.File("demo"));
    config_file = dir.File("demo/workspace.json");
    std::ofstream(config_file) << ExampleFileOfTheHeader();
  }
};

// gateway/workspace/workspace_config.h
Status ConfigExample(const std::string& file, std::string& db_path, std::string& token_file) {
  auto config = LoadWorkspaceConfig(file);
  if (!config)
    return config.error();
  db_path = config->database.path;
  token_file = config->FindOrganisation("shop-denhaag")->token_file;
  return Ok();
}

TEST(WorkspaceExamples, WorkspaceConfig) {
  ExampleDeployment d;
  std::string db;
  std::string token;
  Status s = ConfigExample(d.config_file, db, token);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(db, d.dir.File("demo/workspace.db"));
  EXPECT_EQ(token, d.dir.File("demo/tokens/shop-denhaag.workspace.token"));
}

// gateway/workspace/workspace_database.h
TEST(WorkspaceExamples, WorkspaceDatabase) {
  ExampleDeployment d;
  auto config = LoadWorkspaceConfig(d.config_file);
  ASSERT_TRUE(config);
  ASSERT_TRUE(store::DbKey::Generate().WriteNewFile(config->database.key_file));
  auto db = OpenWorkspaceDatabase(config->database);
  ASSERT_TRUE(db) << db.error().ToString();
  StaffRepository staff(*db);
  auto all = staff.List();
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->empty());
}

// gateway/workspace/staff_account.h
TEST(WorkspaceExamples, StaffAccount) {
  auto roles = ParseStaffRoles("coordinator,auditor");
  ASSERT_TRUE(roles);
  EXPECT_EQ(StaffRolesText(*roles), "coordinator,auditor");
  EXPECT_EQ(ParseStaffRoles("boss").error().code, "unknown_role");
  EXPECT_TRUE(IsValidUsername("j.devries"));
  EXPECT_FALSE(IsValidUsername("J de Vries"));
}

// gateway/workspace/staff_credentials.h
Status CredentialsExample(store::Database& db, const WorkspaceConfig* config,
                          IssuedCredentials& out, IssuedCredentials& again_out) {
  std::vector<StaffRole> roles = {StaffRole::kCaseworker};
  const std::int64_t now_ms = kNow;
  const crypto::PasswordCost cost = crypto::kMinimumPasswordCost;
  KP_ASSIGN_OR_RETURN(IssuedCredentials c, AddStaff(db,
                                                    {.org = "shop-denhaag",
                                                     .username = "j.devries",
                                                     .display_name = "Jet de Vries",
                                                     .roles = roles},
                                                    config->password_cost, now_ms));
  KP_ASSIGN_OR_RETURN(IssuedCredentials again, ResetStaff(db, "j.devries", cost));
  out = c;
  again_out = again;
  return Ok();
}

TEST(WorkspaceExamples, StaffCredentials) {
  store::test::TempDir dir;
  auto db = test::FreshWorkspaceDatabase(dir);
  ASSERT_TRUE(db);
  WorkspaceConfig config;
  config.password_cost = crypto::kMinimumPasswordCost;
  IssuedCredentials c;
  IssuedCredentials again;
  ASSERT_TRUE(CredentialsExample(*db, &config, c, again));
  EXPECT_EQ(c.password.size(), 23u);
  EXPECT_EQ(c.otpauth_uri.rfind("otpauth://totp/Ketenpoort%20workspace:j.devries?secret=", 0), 0u);
  EXPECT_NE(again.password, c.password);
}

// gateway/workspace/staff_repository.h
Status RepositoryExample(store::Database& db, const StaffAccount& account, bool& ok_out) {
  const std::int64_t now_ms = kNow;
  const std::int64_t step = now_ms / 30000;
  StaffRepository staff(db);
  KP_ASSIGN_OR_RETURN(std::int64_t id, staff.Insert(account));
  KP_ASSIGN_OR_RETURN(std::optional<StaffAccount> a, staff.FindByUsername("j.devries"));
  if (!a)
    return NotFound("staff_not_found", "no account");
  KP_ASSIGN_OR_RETURN(bool ok, staff.RecordSuccess(a->id, step, now_ms));
  ok_out = ok && id == a->id;
  return Ok();
}

TEST(WorkspaceExamples, StaffRepository) {
  store::test::TempDir dir;
  auto db = test::FreshWorkspaceDatabase(dir);
  ASSERT_TRUE(db);
  StaffAccount account{.org = "shop-denhaag",
                       .username = "j.devries",
                       .display_name = "Jet de Vries",
                       .roles = {StaffRole::kCoordinator},
                       .password_hash = "$argon2id$x",
                       .totp_secret = Bytes(20, 1)};
  bool ok = false;
  ASSERT_TRUE(RepositoryExample(*db, account, ok));
  EXPECT_TRUE(ok);
  EXPECT_EQ(StaffRepository(*db).Insert(account).error().code, "username_taken");
}

// gateway/workspace/staff_sessions.h
Status SessionsExample(store::Database& db, std::int64_t staff_id, const WorkspaceConfig& config,
                       bool& found_out) {
  const std::int64_t now_ms = kNow;
  StaffSessions sessions(db);
  KP_ASSIGN_OR_RETURN(NewSession s, sessions.Create(staff_id, now_ms));
  const std::string cookie = s.token;
  KP_ASSIGN_OR_RETURN(std::optional<ActiveSession> a,
                      sessions.Touch(cookie, now_ms, config.session_idle_timeout_ms));
  found_out = a.has_value();
  KP_RETURN_IF_ERROR(sessions.End(cookie));
  return Ok();
}

TEST(WorkspaceExamples, StaffSessions) {
  store::test::TempDir dir;
  auto db = test::FreshWorkspaceDatabase(dir);
  ASSERT_TRUE(db);
  auto c = AddStaff(
      *db, {.org = "ind", .username = "a", .display_name = "A", .roles = {StaffRole::kAdmin}},
      crypto::kMinimumPasswordCost, kNow);
  ASSERT_TRUE(c);
  bool found = false;
  ASSERT_TRUE(SessionsExample(*db, 1, WorkspaceConfig{}, found));
  EXPECT_TRUE(found);
}

// gateway/workspace/staff_login.h
TEST(WorkspaceExamples, StaffLogin) {
  store::test::TempDir dir;
  auto opened = test::FreshWorkspaceDatabase(dir);
  ASSERT_TRUE(opened);
  store::GuardedDatabase guarded_db(std::move(*opened));
  WorkspaceConfig config;
  config.password_cost = crypto::kMinimumPasswordCost;
  auto issued = guarded_db.Write([&](store::Database& db) {
    return AddStaff(
        db, {.org = "ind", .username = "u", .display_name = "U", .roles = {StaffRole::kCaseworker}},
        config.password_cost, kNow);
  });
  ASSERT_TRUE(issued);
  const std::int64_t now_ms = kNow;
  const std::string u = "u";
  const std::string p = issued->password;
  const std::string c = guarded_db.Read(
      [&](store::Database& db) { return test::TotpCode(test::SecretOf(db, "u"), now_ms / 1000); });
  StaffLogin login(guarded_db, config.lockout, config.password_cost);
  auto session = login.LogIn({.username = u, .password = p, .code = c}, now_ms);
  ASSERT_TRUE(session);
  EXPECT_FALSE(session->token.empty());
  auto again = login.LogIn({.username = u, .password = p, .code = c}, now_ms);
  EXPECT_EQ(again.error().code, "login_failed");
}

// gateway/workspace/workspace_pages.h
TEST(WorkspaceExamples, WorkspacePages) {
  const std::string csrf = "c1";
  const std::string session_csrf = "c2";
  std::string html = LoginPage(Lang::kNl, {.csrf = csrf, .notice = "login_failed"});
  std::string inbox = StaffLayout(Lang::kEn,
                                  {.display_name = "Jet de Vries",
                                   .org_name = "SHOP Den Haag",
                                   .roles = {StaffRole::kCoordinator},
                                   .csrf = session_csrf},
                                  "Inbox", "<p>...</p>", "/inbox");
  EXPECT_NE(html.find("data-notice=\"login_failed\""), std::string::npos);
  EXPECT_NE(html.find("value=\"c1\""), std::string::npos);
  EXPECT_NE(inbox.find("care coordinator"), std::string::npos);
  EXPECT_NE(inbox.find("value=\"c2\""), std::string::npos);
}

// gateway/workspace/workspace_routes.h
TEST(WorkspaceExamples, WorkspaceRoutes) {
  store::test::TempDir dir;
  auto opened = test::FreshWorkspaceDatabase(dir);
  ASSERT_TRUE(opened);
  store::GuardedDatabase db(std::move(*opened));
  WorkspaceConfig config;
  StaffLogin login(db, config.lockout, crypto::kMinimumPasswordCost);
  api::Router router;
  RegisterWorkspaceRoutes(router, {.config = &config, .db = &db, .login = &login});
  api::Request req;
  req.method = "GET";
  req.path = "/inbox";
  api::Response r = api::Response::Wait(router.Dispatch(req, {}));
  EXPECT_EQ(r.status, 303);
}

// gateway/workspace/workspace_server.h
Status ServerExample(const WorkspaceConfig* config, std::string& url) {
  KP_ASSIGN_OR_RETURN(std::unique_ptr<WorkspaceServer> ws, WorkspaceServer::Open(*config));
  KP_RETURN_IF_ERROR(ws->Start());
  url = ws->Url();
  ws->Stop();
  return Ok();
}

TEST(WorkspaceExamples, WorkspaceServer) {
  crypto::testing::TempDir dir;
  crypto::testing::TestPki pki(dir);
  crypto::testing::TestParty server = pki.Issue("localhost", {.tls_server = true}, {"localhost"});
  WorkspaceConfig config;
  config.listen.address = "127.0.0.1";
  config.listen.port = 0;  // any free port
  config.listen.tls_cert = server.cert_path;
  config.listen.tls_key = server.key_path;
  config.database = {dir.File("ws.db"), dir.File("ws.key")};
  ASSERT_TRUE(store::DbKey::Generate().WriteNewFile(config.database.key_file));
  config.password_cost = crypto::kMinimumPasswordCost;
  std::string url;
  Status s = ServerExample(&config, url);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(url.rfind("https://127.0.0.1:", 0), 0u);
}

// gateway/workspace/gateway_link.h
TEST(WorkspaceExamples, GatewayLink) {
  auto dep = testing::Deployment::Create();
  testing::GatewayProcess gw(dep->config_path());
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
  auto config = LoadWorkspaceConfig(dep->dir() + "/workspace.json");
  ASSERT_TRUE(config) << config.error().ToString();
  const std::string payload = R"({"indicators":["isolation"],"minor":false})";

  auto link = GatewayLink::Open(*config->FindOrganisation("shop-denhaag"));
  ASSERT_TRUE(link) << link.error().ToString();
  auto inbox = (*link)->Get("j.devries", "/v1/inbox");  // as j.devries of shop-denhaag
  auto envelope = (*link)->Seal("j.devries", AsBytes(payload), {"comensha"});
  ASSERT_TRUE(inbox) << inbox.error().ToString();
  ASSERT_TRUE(envelope) << envelope.error().ToString();
  auto ref = (*link)->Pseudonym("2026-0042");  // the client's pseudonym
  ASSERT_TRUE(ref) << ref.error().ToString();
  EXPECT_EQ(ref->size(), 64u);

  // Submitted as `ketenpoort send` would, then opened by comensha's link, in memory.
  const nlohmann::json body = {{"kind", "signal"},
                               {"recipients", {"comensha"}},
                               {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
                               {"payload", crypto::Base64Encode(*envelope)}};
  auto sent = (*link)->Post("j.devries", "/v1/messages", body);
  ASSERT_TRUE(sent) << sent.error().ToString();
  auto comensha = GatewayLink::Open(*config->FindOrganisation("comensha"));
  ASSERT_TRUE(comensha) << comensha.error().ToString();
  auto message = (*comensha)->Get("e.hendriks", "/v1/messages/" + sent->value("id", ""));
  ASSERT_TRUE(message) << message.error().ToString();
  auto content = (*comensha)->Open("e.hendriks", *message);  // decrypted and verified
  ASSERT_TRUE(content) << content.error().ToString();
  EXPECT_EQ(AsString(*content), payload);
  EXPECT_EQ((*comensha)->OrganisationName("e.hendriks", "shop-denhaag").rfind("SHOP Den Haag", 0),
            0u);
  EXPECT_EQ(gw.Terminate(), 0);
}

// gateway/workspace/login_throttle.h
TEST(WorkspaceExamples, LoginThrottle) {
  api::Request req;
  req.remote_address = "198.51.100.4";
  std::int64_t now_ms = kNow;
  int refused = 0;

  LoginThrottle throttle({.max_failures = 20, .window_ms = 900000});
  for (int i = 0; i < 25; ++i) {
    if (!throttle.Allowed(req.remote_address, now_ms)) {
      ++refused;  // TooManyAttempts(): 429
      continue;
    }
    throttle.Failed(req.remote_address, now_ms);  // LogIn failed
  }
  EXPECT_EQ(refused, 5);
  EXPECT_TRUE(throttle.Allowed(req.remote_address, now_ms + 900000));
}

// gateway/workspace/staff_page.h
TEST(WorkspaceExamples, StaffPage) {
  store::test::TempDir dir;
  auto opened = test::FreshWorkspaceDatabase(dir);
  ASSERT_TRUE(opened);
  store::GuardedDatabase db(std::move(*opened));
  WorkspaceConfig config;
  config.organisations.push_back({.id = "shop-denhaag", .name = "SHOP Den Haag"});
  StaffLogin staff_login(db, config.lockout, crypto::kMinimumPasswordCost);
  auto session = db.Write([&](store::Database& d) -> Result<NewSession> {
    KP_ASSIGN_OR_RETURN(IssuedCredentials c, AddStaff(d,
                                                      {.org = "shop-denhaag",
                                                       .username = "j.devries",
                                                       .display_name = "Jet de Vries",
                                                       .roles = {StaffRole::kCoordinator}},
                                                      crypto::kMinimumPasswordCost, kNow));
    (void)c;
    KP_ASSIGN_OR_RETURN(std::vector<StaffAccount> all, StaffRepository(d).List());
    return StaffSessions(d).Create(all.front().id, kNow);
  });
  ASSERT_TRUE(session) << session.error().ToString();
  WorkspaceSite site{
      .config = &config, .db = &db, .login = &staff_login, .now_ms = [] { return kNow + 1000; }};
  api::Request req;
  req.method = "GET";
  req.path = "/inbox";
  req.headers["Cookie"] = "kp_ws=" + session->token;
  const std::string body = "<p>...</p>";

  StaffPages pages(site);
  api::Response login;
  auto staff = pages.Begin(req, &login);
  ASSERT_TRUE(staff);
  EXPECT_EQ(staff->user(), "j.devries");
  EXPECT_EQ(staff->link, nullptr);  // no links in this site: the gateway is not set up
  api::Response page =
      pages.Page(req, *staff, 200, Text(staff->lang, "title_inbox"), body, "/inbox");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Jet de Vries"), std::string::npos);
  EXPECT_NE(page.body.find("SHOP Den Haag"), std::string::npos);
  EXPECT_TRUE(StaffPages::CsrfOk(*staff, {{"csrf", session->csrf}}));
  EXPECT_FALSE(StaffPages::CsrfOk(*staff, {{"csrf", "forged"}}));

  api::Request stranger;
  stranger.method = "GET";
  stranger.path = "/inbox";
  EXPECT_FALSE(pages.Begin(stranger, &login));
  EXPECT_EQ(login.status, 303);
}

// gateway/workspace/kind_form.h
TEST(WorkspaceExamples, KindForm) {
  const KindRegistry& kinds = kinds::BuiltinKinds();
  KindForm form =
      FormForKind(*kinds.Find("referral"), kinds.code_lists(), {.regions = {"GM0518", "GM0599"}});
  EXPECT_EQ(form.Find("needs")->input, FormInput::kCheckboxes);
  EXPECT_EQ(form.Find("needs")->choices.size(),
            kinds.code_lists().Codes("need", kinds.code_lists().Latest("need")).size());
  EXPECT_EQ(form.Find("urgency")->part, FieldPart::kRoutingAndPayload);
  std::string html = RenderFormFields(Lang::kNl, form, {{"needs", {"shelter"}}},
                                      {{"client_number", "err_required"}});
  EXPECT_NE(html.find("id=\"f-needs-shelter\" name=\"needs\" value=\"shelter\" checked"),
            std::string::npos);
  EXPECT_NE(html.find("id=\"f-client_number-error\""), std::string::npos);
}

// gateway/workspace/compose_request.h
TEST(WorkspaceExamples, ComposeRequest) {
  const KindRegistry& kinds = kinds::BuiltinKinds();
  const MessageKind& signal = *kinds.Find("signal");
  KindForm form = FormForKind(signal, kinds.code_lists(), {.regions = {"GM0599"}});
  ComposeReading r = ReadComposeForm(
      form, signal, kinds.code_lists(),
      {{"region", {"GM0599"}}, {"age_band", {"minor"}}, {"indicators", {"isolation", "nonsense"}}});
  EXPECT_EQ(r.errors, (FieldErrors{{"indicators", "err_unknown_code"}, {"minor", "err_required"}}));
  EXPECT_EQ(r.request.routing.routing,
            (std::map<std::string, std::string>{{"age_band", "minor"}, {"region", "GM0599"}}));
}

// gateway/workspace/sealed_submissions.h
TEST(WorkspaceExamples, SealedSubmissions) {
  SealedSubmissions memory;
  const std::string key = "k-1";
  const crypto::Digest digest = crypto::Sha256(AsBytes(std::string("asked")));
  int sealed = 0;
  auto SealAndBuild = [&]() -> Result<nlohmann::json> { return nlohmann::json{{"n", ++sealed}}; };
  auto body = memory.BodyFor("shop-denhaag", key, digest, [&] { return SealAndBuild(); });
  ASSERT_TRUE(body.ok());
  // the same key and digest again: the same body, without sealing
  EXPECT_EQ(memory.BodyFor("shop-denhaag", key, digest, SealAndBuild).value(), *body);
  EXPECT_EQ(sealed, 1);
  memory.Forget("shop-denhaag", key);  // the gateway refused it: a retry seals anew
  EXPECT_EQ(memory.BodyFor("shop-denhaag", key, digest, SealAndBuild).value()["n"], 2);
}

// gateway/workspace/gateway_lists.h
TEST(WorkspaceExamples, GatewayLists) {
  using nlohmann::json;
  EXPECT_EQ(StringOf(json{{"id", "m-1"}}, "id"), "m-1");
  EXPECT_EQ(StringOf(json{{"id", 1}}, "id"), "");
  EXPECT_EQ(StringOf(json::array(), "id"), "");
}

// gateway/workspace/labels.h
TEST(WorkspaceExamples, Labels) {
  EXPECT_EQ(Label(Lang::kNl, "kind", "referral"), "Verwijzing");
  EXPECT_EQ(Label(Lang::kEn, "state", "declined"), "Declined");
  EXPECT_EQ(Label(Lang::kNl, "code.decline_reason", "no_place"), "Geen plek");
  EXPECT_EQ(Label(Lang::kEn, "code.need", "made_up"), "made_up");
}

// gateway/workspace/local_time.h
TEST(WorkspaceExamples, LocalTime) {
  EXPECT_EQ(LocalTimeText(Lang::kNl, "2026-12-03T13:05:00Z"), "3 december 2026 14:05");
  EXPECT_EQ(LocalTimeText(Lang::kEn, "2026-07-01T08:00:00.000Z"), "1 July 2026 10:00");
  EXPECT_EQ(DateText(Lang::kNl, "2026-03-29"), "29 maart 2026");
  EXPECT_EQ(ParseUtcTime("2026-12-03T13:05:00Z"), 1796303100000);
  EXPECT_EQ(UtcText(*LocalDayStart("2026-12-03")), "2026-12-02T23:00:00Z");
}

// gateway/workspace/message_view.h
TEST(WorkspaceExamples, MessageView) {
  using nlohmann::json;
  auto rows = PayloadRows(Lang::kNl, kinds::BuiltinKinds(), "referral",
                          json::parse(R"({"client_ref":"2026-0042","needs":["shelter"],
                                          "urgency":"urgent"})"));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].label, "Dossiernummer van de afzender");
  EXPECT_EQ(rows[1].value, "Opvang");
  EXPECT_EQ(rows[2].value, "Spoed");
  std::string html = RowsHtml(rows, "payload");
  EXPECT_EQ(html.rfind("<dl id=\"payload\"", 0), 0u);
}

// gateway/workspace/page_notices.h
TEST(WorkspaceExamples, PageNotices) {
  EXPECT_EQ(NoticeFor(Conflict("invalid_transition", "...")), "error_transition");
  EXPECT_EQ(NoticeFor(Unavailable("gateway_unreachable", "...")), "gateway_unavailable");
  EXPECT_TRUE(IsKnownNotice("status_saved"));
  EXPECT_NE(NoticeHtml(Lang::kNl, "status_saved").find("aria-live"), std::string::npos);
}

// gateway/workspace/inbox_page.h
TEST(WorkspaceExamples, InboxPage) {
  using nlohmann::json;
  const json inbox = {{"messages", json::array({{{"id", "m-1"},
                                                 {"kind", "signal"},
                                                 {"from", "shop-denhaag"},
                                                 {"state", "delivered"},
                                                 {"cursor", "1"}}})}};
  const json sent = {{"messages", json::array()}};
  const json notices = {{"notices", json::array()}};
  OrgNames names = [](const std::string& org) { return org; };
  const std::int64_t now_ms = kNow;
  InboxLists lists{
      .received = inbox["messages"], .sent = sent["messages"], .notices = notices["notices"]};
  std::string html = InboxHtml(Lang::kNl, lists, names, now_ms);
  EXPECT_NE(html.find("id=\"msg-m-1\""), std::string::npos);
}

// gateway/workspace/message_actions.h
TEST(WorkspaceExamples, MessageActions) {
  MessageActions a = ActionsFor(kinds::BuiltinKinds(), {.kind = "referral",
                                                        .state = "received",
                                                        .is_recipient = true,
                                                        .org_kind = OrgKind::kShelter,
                                                        .may_act = true});
  EXPECT_EQ(a.states, (std::vector<std::string>{"accepted", "declined", "closed"}));
  EXPECT_TRUE(a.ask_question);
}

// gateway/workspace/message_page.h
TEST(WorkspaceExamples, MessagePage) {
  using nlohmann::json;
  const KindRegistry& kinds = kinds::BuiltinKinds();
  const Lang lang = Lang::kNl;
  const json got = {
      {"id", "m-1"}, {"kind", "referral"}, {"from", "shop-denhaag"}, {"state", "received"}};
  const json payload = {{"client_ref", "2026-0042"}};
  const MessageSituation situation{.kind = "referral",
                                   .state = "received",
                                   .is_recipient = true,
                                   .org_kind = OrgKind::kShelter,
                                   .may_act = true};
  OrgNames names = [](const std::string& org) { return org; };
  const std::string csrf = "token";
  MessageFacts facts{.message = got,
                     .rows = PayloadRows(lang, kinds, "referral", payload),
                     .verified = true,
                     .actions = ActionsFor(kinds, situation)};
  std::string html = MessageHtml(Lang::kNl, facts, names, csrf);
  EXPECT_NE(html.find("id=\"action-declined\""), std::string::npos);
}

// gateway/workspace/audit_page.h
TEST(WorkspaceExamples, AuditPage) {
  using nlohmann::json;
  const json got = {{"entries", json::array({{{"seq", 1}, {"event", "submit"}}})}};
  OrgNames names = [](const std::string& org) { return org; };
  std::string html = AuditHtml(Lang::kNl, {.entries = got["entries"]}, names);
  EXPECT_NE(html.find("data-event=\"submit\""), std::string::npos);
}

}  // namespace
}  // namespace ketenpoort::workspace
