// A workspace acts in a person's name at a real demo gateway, over HTTPS: its token (role
// workspace, tokens/ORG.workspace.token from `init --demo`) names the member of staff acting in
// Ketenpoort-Acting-User on every request, and the audit trail names that person for what they
// did. No other token may send the header, and a workspace token may not leave it out. Each
// refusal is asked twice in a row, so that the second answer comes after the token cache knows
// the token (the I/O thread's cached path for GET /v1/whoami, the worker's for the rest).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;

constexpr const char* kHeader = "Ketenpoort-Acting-User";
// A client's pseudonym for the messages the workspace sends, and one for refused attempts.
constexpr const char* kClient = "5b0e3b7a1c7e4f7f8d2e6c9a0b1d3f5e7a9c1e3f5b7d9f1a3c5e7b9d1f3a5c7e";
constexpr const char* kRefusedClient =
    "0d1c2b3a49586776859483a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2";

class ActingUserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dep_ = Deployment::Create();
    // A token of every other role, issued before the gateway starts.
    for (const std::string role : {"sender", "recipient", "auditor", "admin"}) {
      others_[role] = Issue({"--org", "shop-denhaag", "--role", role, "--user", "fixed-user"});
    }
    others_["coordinator"] = dep_->Token("shop-denhaag");
    others_["peer"] =
        Issue({"--org", "gw-b", "--role", "peer", "--gateway-url", "https://gw-b.example.org:8443",
               "--cert", dep_->dir() + "/certs/comensha.cert.pem"});
    gw_ = std::make_unique<GatewayProcess>(dep_->config_path());
    ASSERT_TRUE(gw_->Start(dep_->port(), dep_->ca_path())) << gw_->error;
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(gw_->Terminate(), 0);
    gw_.reset();
    dep_.reset();
  }

  static std::string Issue(std::vector<std::string> args) {
    args.insert(args.begin(), {"token", "issue", "--config", dep_->config_path()});
    CommandResult r = RunKetenpoort(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string t = r.out;
    while (!t.empty() && t.back() == '\n')
      t.pop_back();
    return t;
  }
  // A request with `token`, naming `person` in the header unless it is nullptr.
  static HttpResponse Call(const std::string& method, const std::string& path,
                           const std::string& token, const char* person,
                           const std::string& body = "") {
    std::vector<std::string> headers;
    if (person != nullptr && *person == '\0')
      headers.push_back(std::string(kHeader) + ";");  // curl's way to send a header empty
    else if (person != nullptr)
      headers.push_back(std::string(kHeader) + ": " + person);
    if (!body.empty())
      headers.push_back("Content-Type: application/json");
    return HttpsClient(dep_->ca_path()).Request(method, dep_->url() + path, body, token, headers);
  }
  // A signal about `client` from shop-denhaag to comensha and the police (GM0518, adult).
  static std::string Signal(const std::string& client) {
    Sealer sealer(dep_->dir());
    return json{
        {"kind", "signal"},
        {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
        {"subject_ref", client},
        {"legal_basis", "consent"},
        {"payload",
         sealer.SealBase64("shop-denhaag", {"comensha", "politie-avim-haaglanden", "shop-denhaag"},
                           "synthetic signal")}}
        .dump();
  }
  static json Error(const HttpResponse& r) {
    json body = json::parse(r.body, nullptr, false);
    return body.is_object() && body.contains("error") ? body["error"] : json::object();
  }
  // The audit entries about `client` that `token` (acting as `person`) may read.
  static json Entries(const std::string& client, const std::string& token, const char* person) {
    HttpResponse r = Call("GET", std::string("/v1/audit?subject_ref=") + client, token, person);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? json::parse(r.body)["entries"] : json::array();
  }
  // Whether the trail has nothing about the refused client but the auditor's own reads of it.
  static bool NothingDoneAbout(const std::string& client) {
    for (const json& e : Entries(client, AuditorToken(), nullptr)) {
      if (e["event"] != "audit_read")
        return false;
    }
    return true;
  }
  static std::string AuditorToken() { return dep_->AuditorToken(); }

  static std::unique_ptr<Deployment> dep_;
  static std::unique_ptr<GatewayProcess> gw_;
  static std::map<std::string, std::string> others_;  // role -> token
};

std::unique_ptr<Deployment> ActingUserTest::dep_;
std::unique_ptr<GatewayProcess> ActingUserTest::gw_;
std::map<std::string, std::string> ActingUserTest::others_;

TEST_F(ActingUserTest, TheAuditTrailNamesThePersonEachWorkspaceRequestActedFor) {
  const std::string sender = dep_->WorkspaceToken("shop-denhaag");
  const std::string recipient = dep_->WorkspaceToken("comensha");
  ASSERT_EQ(sender.rfind("kpt_", 0), 0u);

  // whoami twice in a row (the second from the token cache), each time for another person:
  // the cache holds the token, never one request's person.
  for (const char* person : {"j.devries", "j.devries", "a.bakker"}) {
    HttpResponse who = Call("GET", "/v1/whoami", sender, person);
    ASSERT_EQ(who.status, 200) << who.body;
    EXPECT_EQ(json::parse(who.body),
              (json{{"org", "shop-denhaag"}, {"role", "workspace"}, {"user", person}}));
  }

  HttpResponse submitted = Call("POST", "/v1/messages", sender, "j.devries", Signal(kClient));
  ASSERT_EQ(submitted.status, 202) << submitted.body;
  const std::string id = json::parse(submitted.body)["id"];
  HttpResponse second = Call("POST", "/v1/messages", sender, "j.devries", Signal(kClient));
  ASSERT_EQ(second.status, 202) << second.body;
  const std::string recalled = json::parse(second.body)["id"];
  EXPECT_EQ(Call("POST", "/v1/messages/" + recalled + "/recall", sender, "j.devries").status, 200);

  HttpResponse opened = Call("GET", "/v1/messages/" + id, recipient, "r.smit");
  ASSERT_EQ(opened.status, 200) << opened.body;
  HttpResponse assessed = Call("POST", "/v1/messages/" + id + "/status", recipient, "r.smit",
                               R"({"state":"assessed","reason":"indicators confirmed"})");
  ASSERT_EQ(assessed.status, 200) << assessed.body;
  HttpResponse tracking = Call("GET", "/v1/messages/" + id + "/tracking", sender, "j.devries");
  ASSERT_EQ(tracking.status, 200) << tracking.body;
  EXPECT_EQ(json::parse(tracking.body)["recipients"][0]["state"], "assessed");

  // shop-denhaag's auditor: the sender's side, done by j.devries in the workspace's role.
  std::map<std::string, int> by_j_devries;
  for (const json& e : Entries(kClient, AuditorToken(), nullptr)) {
    if (e["role"] != "workspace" || e["organisation"] != "shop-denhaag")
      continue;  // the auditor also sees who else opened the client's file
    EXPECT_EQ(e["user"], "j.devries") << e.dump();
    by_j_devries[e["event"].get<std::string>()]++;
  }
  EXPECT_EQ(by_j_devries["submit"], 2);
  EXPECT_EQ(by_j_devries["recall"], 1);

  // comensha's own workspace reads its trail as an auditor may, in the name of k.visser; the
  // open and the status change are r.smit's, and the first read is k.visser's.
  std::map<std::string, std::string> who_did;
  for (const json& e : Entries(kClient, recipient, "k.visser"))
    who_did[e["event"].get<std::string>()] = e["user"];
  EXPECT_EQ(who_did["open"], "r.smit");
  EXPECT_EQ(who_did["status_change"], "r.smit");
  who_did.clear();
  for (const json& e : Entries(kClient, recipient, "k.visser"))
    who_did[e["event"].get<std::string>()] = e["user"];
  EXPECT_EQ(who_did["audit_read"], "k.visser");

  // The readable account says who, in the words of the trail.
  HttpResponse text = Call("GET", std::string("/v1/audit?format=text&subject_ref=") + kClient,
                           recipient, "k.visser");
  ASSERT_EQ(text.status, 200) << text.body;
  EXPECT_NE(text.body.find("comensha (workspace, user r.smit) opened message " + id),
            std::string::npos)
      << text.body;
}

TEST_F(ActingUserTest, NoOtherTokenMayNameAPersonAndNothingIsDoneInThatName) {
  for (const auto& [role, token] : others_) {
    ASSERT_EQ(token.rfind("kpt_", 0), 0u) << role;
    for (int i = 0; i < 2; ++i) {  // the second time the token cache knows the token
      for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
               {"GET", "/v1/whoami"}, {"POST", "/v1/messages"}, {"GET", "/v1/audit"}}) {
        HttpResponse r =
            Call(method, path, token, "p.devos", method == "POST" ? Signal(kRefusedClient) : "");
        EXPECT_EQ(r.status, 403) << role << " " << path << ": " << r.body;
        EXPECT_EQ(Error(r)["code"], "acting_user_not_allowed") << role << " " << r.body;
        EXPECT_EQ(Error(r)["field"], kHeader);
        EXPECT_EQ(r.body.find(token), std::string::npos) << "a refusal never echoes the token";
        EXPECT_EQ(r.body.find("p.devos"), std::string::npos);
      }
    }
  }
  // An empty header is still a claim.
  EXPECT_EQ(Call("GET", "/v1/whoami", others_["coordinator"], "").status, 403);
  // Without the header, the same tokens work as before, with the user they were issued for.
  HttpResponse plain = Call("GET", "/v1/whoami", others_["sender"], nullptr);
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(json::parse(plain.body)["user"], "fixed-user");

  // Nothing about the refused client was stored or audited, and nothing in p.devos's name.
  EXPECT_TRUE(NothingDoneAbout(kRefusedClient));
  HttpResponse by_actor = Call("GET", "/v1/audit?actor=p.devos", AuditorToken(), nullptr);
  ASSERT_EQ(by_actor.status, 200) << by_actor.body;
  EXPECT_TRUE(json::parse(by_actor.body)["entries"].empty()) << by_actor.body;
}

TEST_F(ActingUserTest, AWorkspaceTokenMustNameOnePersonByUsername) {
  const std::string token = dep_->WorkspaceToken("shop-denhaag");
  struct Case {
    const char* person;
    long status;
    const char* code;
  };
  for (const Case& c :
       {Case{nullptr, 400, "acting_user_required"}, Case{"J de Vries", 400, "invalid_acting_user"},
        Case{"j.devries/a.bakker", 400, "invalid_acting_user"},
        Case{".devries", 400, "invalid_acting_user"}}) {
    for (int i = 0; i < 2; ++i) {  // the second time the token cache knows the token
      for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
               {"GET", "/v1/whoami"}, {"POST", "/v1/messages"}, {"GET", "/v1/inbox"}}) {
        HttpResponse r =
            Call(method, path, token, c.person, method == "POST" ? Signal(kRefusedClient) : "");
        EXPECT_EQ(r.status, c.status) << path << " " << r.body;
        EXPECT_EQ(Error(r)["code"], c.code) << path << " " << r.body;
        EXPECT_EQ(Error(r)["field"], kHeader);
        EXPECT_EQ(r.body.find(token), std::string::npos);
      }
    }
  }
  // Two persons at once (the header sent twice) are no person.
  HttpResponse twice =
      HttpsClient(dep_->ca_path())
          .Request("GET", dep_->url() + "/v1/whoami", "", token,
                   {std::string(kHeader) + ": j.devries", std::string(kHeader) + ": a.bakker"});
  EXPECT_EQ(twice.status, 400) << twice.body;
  EXPECT_TRUE(NothingDoneAbout(kRefusedClient));
}

TEST_F(ActingUserTest, InitDemoWritesAWorkspaceTokenPerServedOrganisation) {
  const json config = json::parse(ReadFileOrEmpty(dep_->dir() + "/workspace.json"), nullptr, false);
  ASSERT_TRUE(config.is_object());
  ASSERT_FALSE(config["organisations"].empty());
  for (const json& o : config["organisations"]) {
    const std::string org = o["id"];
    const std::string file = "tokens/" + org + ".workspace.token";
    EXPECT_EQ(o["token_file"], file) << org;
    CommandResult mode = RunShell("stat -c %a " + dep_->dir() + "/" + file);
    EXPECT_EQ(mode.out, "600\n") << file;
    // The organisation's coordinator token for the CLI stays where it was.
    EXPECT_FALSE(dep_->Token(org).empty()) << org;
    EXPECT_NE(dep_->Token(org), dep_->WorkspaceToken(org)) << org;
    HttpResponse who = Call("GET", "/v1/whoami", dep_->WorkspaceToken(org), "j.devries");
    ASSERT_EQ(who.status, 200) << org << ": " << who.body;
    EXPECT_EQ(json::parse(who.body)["org"], org);
    EXPECT_EQ(json::parse(who.body)["role"], "workspace");
  }
}

}  // namespace
}  // namespace ketenpoort::testing
