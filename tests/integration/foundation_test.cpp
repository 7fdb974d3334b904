// The foundation, end to end: `ketenpoort init`, `serve`, `token issue` and `rekey` as a user
// runs them, against real processes, a real SQLCipher file and real TLS.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "tests/harness/harness.h"

namespace ketenpoort::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

// Every file under `dir` with its content: equal snapshots mean nothing changed.
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    out[e.path().string()] = e.is_regular_file() ? ReadFileOrEmpty(e.path().string()) : "<dir>";
  }
  return out;
}

// Client options that pin the TLS versions curl may negotiate.
HttpsOptions TlsVersions(long versions) {
  HttpsOptions o;
  o.ssl_version = versions;
  return o;
}

json ErrorOf(const HttpResponse& r) {
  json body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.contains("error"))
    return json::object();
  return body["error"];
}

// ---------------------------------------------------------------------------------------------
// init

TEST(InitTest, CreatesTheDocumentedFilesWithSecretsPrivate) {
  auto dep = Deployment::Create();
  const std::string d = dep->dir();
  for (const char* f :
       {"gateway.json", "db.key", "ketenpoort.db", "directory.json", "routes.json",
        "certs/ca.cert.pem", "certs/gateway.cert.pem", "certs/gateway.key.pem",
        "certs/comensha.key.pem", "certs/comensha.cert.pem", "certs/portal.cert.pem",
        "tokens/comensha.token", "tokens/shop-denhaag.token", "tokens/comensha.workspace.token",
        "tokens/shop-denhaag.workspace.token"}) {
    EXPECT_TRUE(fs::exists(d + "/" + f)) << f;
  }
  EXPECT_EQ(ModeOf(d + "/db.key"), 0600u);
  EXPECT_EQ(ModeOf(d + "/certs/gateway.key.pem"), 0600u);
  EXPECT_EQ(ModeOf(d + "/certs/comensha.key.pem"), 0600u);
  EXPECT_EQ(ModeOf(d + "/certs/ca.key.pem"), 0600u);
  EXPECT_EQ(ModeOf(d + "/tokens/comensha.token"), 0600u);
  EXPECT_EQ(ModeOf(d + "/tokens/comensha.workspace.token"), 0600u);
  EXPECT_EQ(ModeOf(d + "/ketenpoort.db"), 0600u);
  // db.key: 64 hex characters (32 random bytes).
  std::string key = ReadFileOrEmpty(d + "/db.key");
  while (!key.empty() && key.back() == '\n')
    key.pop_back();
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(InitTest, DemoRegistersTheFifteenOrganisationsOfTheContract) {
  auto dep = Deployment::Create();
  json dir = json::parse(ReadFileOrEmpty(dep->dir() + "/directory.json"));
  std::set<std::string> ids;
  for (const auto& o : dir["organisations"]) {
    ids.insert(o["id"].get<std::string>());
    EXPECT_NE(o.value("certificate", "").find("BEGIN CERTIFICATE"), std::string::npos) << o["id"];
  }
  std::set<std::string> expected{"shop-denhaag",
                                 "shop-jeugd-denhaag",
                                 "dehaven-denhaag",
                                 "wende-denhaag",
                                 "essm-rotterdam",
                                 "meldpunt-rotterdam",
                                 "ggd-gelderland-zuid",
                                 "iriszorg-nijmegen",
                                 "comensha",
                                 "politie-avim-haaglanden",
                                 "politie-cpm-rotterdam",
                                 "ind",
                                 "veilig-thuis-rotterdam",
                                 "gemeente-denhaag",
                                 "portal"};
  EXPECT_EQ(ids, expected);
}

TEST(InitTest, CertificatesVerifyAgainstTheDevCaWithOpenssl) {
  auto dep = Deployment::Create();
  const std::string d = dep->dir();
  for (const char* cert : {"gateway", "comensha", "politie-avim-haaglanden", "portal"}) {
    auto r = RunShell("openssl verify -CAfile " + d + "/certs/ca.cert.pem " + d + "/certs/" + cert +
                      ".cert.pem");
    EXPECT_EQ(r.exit_code, 0) << cert << ": " << r.out << r.err;
  }
}

TEST(InitTest, SecondInitOnTheSameFolderRefusesAndChangesNothing) {
  auto dep = Deployment::Create();
  auto before = Snapshot(dep->dir());
  auto r = RunKetenpoort({"init", "--dir", dep->dir(), "--demo"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
  EXPECT_EQ(Snapshot(dep->dir()), before);
}

TEST(InitTest, RefusesANonEmptyFolderAndLeavesNoDebris) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/d";
  fs::create_directory(dir);
  { std::ofstream(dir + "/notes.txt") << "someone's file"; }
  auto r = RunKetenpoort({"init", "--dir", dir});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(ReadFileOrEmpty(dir + "/notes.txt"), "someone's file");
  int entries = 0;
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1) << "a staging folder was left behind";
}

TEST(InitTest, WithoutDemoHasOnlyThePortalAndNoTokens) {
  auto dep = Deployment::Create({.demo = false});
  json dir = json::parse(ReadFileOrEmpty(dep->dir() + "/directory.json"));
  ASSERT_EQ(dir["organisations"].size(), 1u);
  EXPECT_EQ(dir["organisations"][0]["id"], "portal");
  EXPECT_FALSE(fs::exists(dep->dir() + "/tokens"));
}

TEST(InitTest, BadArgumentsExitTwoWithOneLine) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"init"},
                                               {"init", "--dir"},
                                               {"init", "--dir", "/tmp/x", "--port", "http"},
                                               {"init", "--dir", "/tmp/x", "--port", "70000"},
                                               {"init", "--dir", "/tmp/x", "--colour", "blue"},
                                               {"init", "--dir", "/nonexistent-parent/x"}}) {
    auto r = RunKetenpoort(args);
    EXPECT_EQ(r.exit_code, 2) << args.back();
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

// ---------------------------------------------------------------------------------------------
// the database at rest

TEST(StoreAtRestTest, DatabaseIsNotReadableBySqlite3) {
  auto dep = Deployment::Create();
  auto r = RunShell("sqlite3 " + dep->db_path() + " .tables");
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_EQ(ReadFileOrEmpty(dep->db_path()).rfind("SQLite format 3", 0), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// serve

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dep_ = Deployment::Create();
    gw_ = std::make_unique<GatewayProcess>(dep_->config_path());
    ASSERT_TRUE(gw_->Start(dep_->port(), dep_->ca_path())) << gw_->error;
  }
  void TearDown() override {
    if (gw_->running()) {
      EXPECT_EQ(gw_->Terminate(), 0) << gw_->Log();
    }
  }
  HttpResponse Get(const std::string& path, const std::string& token = {}) {
    return HttpsClient(dep_->ca_path()).Get(dep_->url() + path, token);
  }
  std::unique_ptr<Deployment> dep_;
  std::unique_ptr<GatewayProcess> gw_;
};

TEST_F(ServeTest, HealthzAnswersOk) {
  auto r = Get("/healthz");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(json::parse(r.body), json({{"status", "ok"}}));
  EXPECT_EQ(r.headers["content-type"].rfind("application/json", 0), 0u);
  EXPECT_FALSE(r.headers["strict-transport-security"].empty());
}

TEST_F(ServeTest, DirectoryNeedsAValidToken) {
  auto none = Get("/v1/directory");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(ErrorOf(none)["code"], "unauthenticated");
  auto bad = Get("/v1/directory", "kpt_not-a-real-token");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(ErrorOf(bad)["code"], "unauthenticated");

  auto ok = Get("/v1/directory", dep_->Token("comensha"));
  ASSERT_EQ(ok.status, 200) << ok.body;
  json orgs = json::parse(ok.body);
  ASSERT_TRUE(orgs.is_array());
  EXPECT_EQ(orgs.size(), 15u);
  for (const auto& o : orgs) {
    for (const char* k : {"id", "name", "kind", "regions", "accepts", "certificate"}) {
      EXPECT_TRUE(o.contains(k)) << k;
    }
  }
}

TEST_F(ServeTest, UnknownRouteHasTheErrorShape) {
  auto r = Get("/v1/nothing-here", dep_->Token("comensha"));
  EXPECT_EQ(r.status, 404);
  json e = ErrorOf(r);
  EXPECT_EQ(e["code"], "not_found");
  EXPECT_TRUE(e["message"].is_string());
}

TEST_F(ServeTest, OversizedBodyIsRefusedWith413AndTheDaemonKeepsServing) {
  std::string big(17 * 1024 * 1024, 'x');  // over the default 16 MiB limit
  auto r = HttpsClient(dep_->ca_path())
               .Post(dep_->url() + "/v1/directory", big, dep_->Token("comensha"));
  EXPECT_EQ(r.status, 413) << r.error;
  EXPECT_EQ(ErrorOf(r)["code"], "body_too_large");
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(ServeTest, Tls11IsRefusedAndTls12And13Work) {
  HttpsClient tls11(dep_->ca_path(),
                    TlsVersions(long{CURL_SSLVERSION_TLSv1_0} | long{CURL_SSLVERSION_MAX_TLSv1_1}));
  auto old = tls11.Get(dep_->url() + "/healthz");
  EXPECT_EQ(old.status, 0) << "TLS 1.1 handshake must fail";
  HttpsClient tls12(dep_->ca_path(),
                    TlsVersions(long{CURL_SSLVERSION_TLSv1_2} | long{CURL_SSLVERSION_MAX_TLSv1_2}));
  EXPECT_EQ(tls12.Get(dep_->url() + "/healthz").status, 200);
  HttpsClient tls13(dep_->ca_path(), TlsVersions(long{CURL_SSLVERSION_TLSv1_3}));
  EXPECT_EQ(tls13.Get(dep_->url() + "/healthz").status, 200);

  auto s_client =
      RunShell("openssl s_client -tls1_1 -connect 127.0.0.1:" + std::to_string(dep_->port()) +
               " </dev/null");
  EXPECT_NE(s_client.exit_code, 0) << s_client.out;
}

TEST_F(ServeTest, LogsCarryIdsButNeverTokens) {
  const std::string token = dep_->Token("comensha");
  ASSERT_EQ(Get("/v1/directory", token).status, 200);
  EXPECT_EQ(Get("/v1/directory", "kpt_guessed-secret-value").status, 401);
  std::string log = gw_->Log();
  EXPECT_NE(log.find("request_id="), std::string::npos) << log;
  EXPECT_EQ(log.find(token), std::string::npos);
  EXPECT_EQ(log.find(token.substr(4, 16)), std::string::npos);
  EXPECT_EQ(log.find("guessed-secret-value"), std::string::npos);
}

TEST_F(ServeTest, SigtermStopsCleanly) {
  EXPECT_EQ(gw_->Terminate(), 0);
  EXPECT_NE(gw_->Log().find("stopped"), std::string::npos) << gw_->Log();
  EXPECT_NE(Get("/healthz").status, 200);
}

TEST_F(ServeTest, TokenIssuedByTheCommandLineWorksAndRolesAreChecked) {
  auto r = RunKetenpoort({"token", "issue", "--config", dep_->config_path(), "--org", "ind",
                          "--role", "recipient", "--user", "medewerker-17"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string token = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(token.rfind("kpt_", 0), 0u);
  EXPECT_EQ(Get("/v1/directory", token).status, 200);
}

// ---------------------------------------------------------------------------------------------
// startup failures: one clear line, exit 2, nothing changed

class StartupFailureTest : public ::testing::Test {
 protected:
  void SetUp() override { dep_ = Deployment::Create(); }
  CommandResult Serve(std::map<std::string, std::string> env = {}) {
    GatewayProcess gw(dep_->config_path(), std::move(env));
    return gw.RunToExit();
  }
  std::unique_ptr<Deployment> dep_;
};

TEST_F(StartupFailureTest, WrongKeyExitsTwoAndLeavesTheDatabaseUntouched) {
  auto before = Snapshot(dep_->dir());
  auto r = Serve({{"KETENPOORT_DB_KEY", std::string(64, 'a')}});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("wrong key"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(dep_->db_path()), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(std::string(64, 'a')), std::string::npos) << "the key must not be printed";
  auto after = Snapshot(dep_->dir());
  for (auto it = after.begin(); it != after.end();) {
    it = it->first.find(".serve-") != std::string::npos ? after.erase(it) : std::next(it);
  }
  EXPECT_EQ(after, before);
}

TEST_F(StartupFailureTest, PlainSqliteFileIsRefusedClearly) {
  fs::remove(dep_->db_path());
  ASSERT_EQ(RunShell("sqlite3 " + dep_->db_path() + " 'create table t(x);'").exit_code, 0);
  auto r = Serve();
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(dep_->db_path()), std::string::npos) << r.err;
}

TEST_F(StartupFailureTest, KeyFileReadableByOthersIsRefused) {
  ::chmod((dep_->dir() + "/db.key").c_str(), 0644);
  auto r = Serve();
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("db.key"), std::string::npos) << r.err;
}

TEST_F(StartupFailureTest, UnknownConfigKeyNamesFileAndField) {
  json config = json::parse(ReadFileOrEmpty(dep_->config_path()));
  config["listen"]["colour"] = "blue";
  std::ofstream(dep_->config_path()) << config.dump();
  auto r = Serve();
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("gateway.json: listen.colour"), std::string::npos) << r.err;
}

TEST_F(StartupFailureTest, MissingConfigFileIsNamed) {
  auto r = RunKetenpoort({"serve", "--config", dep_->dir() + "/nope.json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nope.json"), std::string::npos) << r.err;
}

TEST_F(StartupFailureTest, BrokenDirectoryFileIsNamed) {
  std::ofstream(dep_->dir() + "/directory.json") << "{\"organisations\": [";
  auto r = Serve();
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("directory.json"), std::string::npos) << r.err;
}

TEST_F(StartupFailureTest, PortInUseIsReported) {
  GatewayProcess first(dep_->config_path());
  ASSERT_TRUE(first.Start(dep_->port(), dep_->ca_path())) << first.error;
  auto r = Serve();
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(std::to_string(dep_->port())), std::string::npos) << r.err;
  EXPECT_EQ(first.Terminate(), 0);
}

// ---------------------------------------------------------------------------------------------
// token issue and rekey

TEST(TokenCommandTest, RefusesUnknownOrganisationAndRole) {
  auto dep = Deployment::Create();
  auto org = RunKetenpoort(
      {"token", "issue", "--config", dep->config_path(), "--org", "nobody", "--role", "sender"});
  EXPECT_EQ(org.exit_code, 2);
  EXPECT_NE(org.err.find("unknown organisation 'nobody'"), std::string::npos) << org.err;
  auto role = RunKetenpoort(
      {"token", "issue", "--config", dep->config_path(), "--org", "ind", "--role", "boss"});
  EXPECT_EQ(role.exit_code, 2);
  EXPECT_NE(role.err.find("unknown role 'boss'"), std::string::npos) << role.err;
}

TEST(TokenCommandTest, APeerTokenIsBoundToAGatewayUrlAndACertificate) {
  auto dep = Deployment::Create();
  auto peer = Deployment::Create();  // the other gateway: its URL and TLS certificate
  const std::string cert = peer->dir() + "/certs/gateway.cert.pem";
  auto issue = [&](std::vector<std::string> extra, const std::string& role = "peer") {
    std::vector<std::string> args = {
        "token",  "issue", "--config", dep->config_path(), "--org", role == "peer" ? "gw-b" : "ind",
        "--role", role};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunKetenpoort(args);
  };
  auto no_cert = issue({"--gateway-url", peer->url()});
  EXPECT_EQ(no_cert.exit_code, 2);
  EXPECT_NE(no_cert.err.find("--cert"), std::string::npos) << no_cert.err;
  auto no_url = issue({"--cert", cert});
  EXPECT_EQ(no_url.exit_code, 2);
  EXPECT_NE(no_url.err.find("--gateway-url"), std::string::npos) << no_url.err;
  auto bad_url = issue({"--gateway-url", "gw-b", "--cert", cert});
  EXPECT_EQ(bad_url.exit_code, 2);
  EXPECT_NE(bad_url.err.find("--gateway-url: must be"), std::string::npos) << bad_url.err;
  auto not_a_cert = issue({"--gateway-url", peer->url(), "--cert", peer->dir() + "/db.key"});
  EXPECT_EQ(not_a_cert.exit_code, 2) << not_a_cert.err;
  auto not_peer = issue({"--gateway-url", peer->url(), "--cert", cert}, "sender");
  EXPECT_EQ(not_peer.exit_code, 2);
  EXPECT_NE(not_peer.err.find("only a peer token"), std::string::npos) << not_peer.err;

  // Bound: printed once; the directory does not name the peer yet, which is only a note.
  auto bound = issue({"--gateway-url", peer->url(), "--cert", cert});
  ASSERT_EQ(bound.exit_code, 0) << bound.err;
  EXPECT_EQ(bound.out.rfind("kpt_", 0), 0u) << bound.out;
  EXPECT_NE(bound.err.find("names " + peer->url() + " as its gateway"), std::string::npos)
      << bound.err;
  auto help = RunKetenpoort({"token", "issue", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--gateway-url"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("--cert"), std::string::npos) << help.out;
}

TEST(RekeyTest, RotatesTheKeyAndTheGatewayServesUnderTheNewOne) {
  auto dep = Deployment::Create();
  const std::string old_key = ReadFileOrEmpty(dep->dir() + "/db.key");
  const std::string new_key_file = dep->dir() + "/new.key";
  ASSERT_EQ(RunShell("openssl rand -hex 32 > " + new_key_file + " && chmod 600 " + new_key_file)
                .exit_code,
            0);

  auto r = RunKetenpoort({"rekey", "--config", dep->config_path(), "--new-key", new_key_file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFileOrEmpty(dep->dir() + "/db.key"), ReadFileOrEmpty(new_key_file));
  EXPECT_EQ(ModeOf(dep->dir() + "/db.key"), 0600u);

  // The old key no longer opens the database...
  std::string old_hex = old_key.substr(0, 64);
  GatewayProcess with_old(dep->config_path(), {{"KETENPOORT_DB_KEY", old_hex}});
  EXPECT_EQ(with_old.RunToExit().exit_code, 2);
  // ...and the new one does, with the tokens issued before the rotation still valid.
  GatewayProcess gw(dep->config_path());
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
  EXPECT_EQ(HttpsClient(dep->ca_path()).Get(dep->url() + "/v1/directory", dep->Token("ind")).status,
            200);
  EXPECT_EQ(gw.Terminate(), 0);
}

TEST(HelpTest, EveryCommandHasHelp) {
  for (const char* cmd : {"init", "serve", "token", "rekey"}) {
    auto r = RunKetenpoort({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("usage: ketenpoort"), std::string::npos) << cmd;
  }
  EXPECT_EQ(RunKetenpoort({"--help"}).exit_code, 0);
  EXPECT_EQ(RunKetenpoort({"frobnicate"}).exit_code, 2);
}

}  // namespace
}  // namespace ketenpoort::testing

namespace ketenpoort::testing {
namespace {

// KETENPOORT_LOG_FORMAT=json: every line the daemon writes is one JSON object with time, level
// and event, for log shippers; the request lines carry the same fields as in text.
TEST(LogFormatTest, TheDaemonWritesOneJsonObjectPerLineWhenAsked) {
  auto dep = Deployment::Create();
  GatewayProcess gw(dep->config_path(), {{"KETENPOORT_LOG_FORMAT", "json"}});
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
  HttpsClient client(dep->ca_path());
  ASSERT_EQ(client.Get(dep->url() + "/v1/directory", dep->Token("comensha")).status, 200);
  EXPECT_EQ(gw.Terminate(), 0);
  const std::string log = gw.Log();
  std::set<std::string> events;
  std::size_t lines = 0;
  for (std::size_t at = 0, end; at < log.size(); at = end + 1) {
    end = log.find('\n', at);
    if (end == std::string::npos)
      end = log.size();
    const std::string line = log.substr(at, end - at);
    if (line.empty())
      continue;
    ++lines;
    const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(j.is_object()) << line;
    EXPECT_TRUE(j.contains("time") && j.contains("level")) << line;
    events.insert(j.value("event", ""));
    if (j.value("event", "") == "http_request" && j.value("route", "") == "/v1/directory") {
      EXPECT_EQ(j.value("status", ""), "200") << line;
      EXPECT_EQ(j.value("org", ""), "comensha") << line;
    }
  }
  EXPECT_GE(lines, 3u) << log;
  EXPECT_TRUE(events.contains("listening")) << log;
  EXPECT_TRUE(events.contains("http_request")) << log;
  EXPECT_TRUE(events.contains("stopped")) << log;
}

}  // namespace
}  // namespace ketenpoort::testing

namespace ketenpoort::testing {
namespace {

TEST(VersionTest, PrintsTheReleaseAndTheCommitItWasBuiltFrom) {
  for (const char* flag : {"--version", "version"}) {
    CommandResult r = RunKetenpoort({flag});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(std::regex_match(
        r.out,
        std::regex("ketenpoort \\d+\\.\\d+\\.\\d+ \\(commit ([0-9a-f]{12}(-dirty)?|unknown)\\)\n")))
        << r.out;
  }
  EXPECT_NE(RunKetenpoort({"--help"}).out.find("--version"), std::string::npos);
}

}  // namespace
}  // namespace ketenpoort::testing

namespace ketenpoort::testing {
namespace {

// `ketenpoort check` validates a deployment without starting or changing it: one line per
// finding, exit 0 when nothing failed, 1 naming what failed, 2 when the config is unreadable.
TEST(CheckTest, ADemoDeploymentPassesAndEachBreakageIsOneFailingLine) {
  auto dep = Deployment::Create();
  const std::string db_before = ReadFileOrEmpty(dep->db_path());
  CommandResult ok = RunKetenpoort({"check", "--config", dep->config_path()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("ok    audit trail: "), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("\n0 problems, 0 warnings\n"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("ok    pseudonym secret: " + dep->dir() +
                        "/certs/shop-denhaag.pseudonym.key (mode 0600)"),
            std::string::npos)
      << ok.out;
  EXPECT_EQ(ReadFileOrEmpty(dep->db_path()), db_before) << "check changed the database";

  ASSERT_EQ(::chmod((dep->dir() + "/certs/gateway.key.pem").c_str(), 0644), 0);
  ASSERT_EQ(::chmod((dep->dir() + "/certs/comensha.pseudonym.key").c_str(), 0640), 0);
  {
    std::ofstream routes(dep->dir() + "/routes.json");
    routes
        << R"({"version": 1, "rules": [{"id": "x", "match": {"kind": "signal"}, "to": ["nobody"]}]})";
  }
  CommandResult bad = RunKetenpoort({"check", "--config", dep->config_path()});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("FAIL  tls key: " + dep->dir() +
                         "/certs/gateway.key.pem is readable by "
                         "group or others (mode 0644)"),
            std::string::npos)
      << bad.out;
  EXPECT_NE(bad.out.find("FAIL  routes: "), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("FAIL  pseudonym secret: " + dep->dir() +
                         "/certs/comensha.pseudonym.key is readable by group or others"),
            std::string::npos)
      << bad.out;
  EXPECT_NE(bad.out.find("\n3 problems, 0 warnings\n"), std::string::npos) << bad.out;

  EXPECT_EQ(RunKetenpoort({"check", "--config", dep->dir() + "/none.json"}).exit_code, 2);
  EXPECT_EQ(RunKetenpoort({"check"}).exit_code, 2);
}

}  // namespace
}  // namespace ketenpoort::testing
