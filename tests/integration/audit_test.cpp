// The audit trail, end to end: `ketenpoort init --demo` records a token_issue entry per token
// and signs a tree head; `ketenpoort audit verify` passes on that trail and, after each kind of
// alteration made with raw SQL through the `sqlcipher` tool on the encrypted file, exits 1
// naming the first bad entry — or, for the gateway's append state, saying how it disagrees with
// the trail; `ketenpoort serve` refuses to start on such a trail. A failed authentication over
// HTTPS is an entry of its own.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/harness/harness.h"

namespace ketenpoort::testing {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  return s;
}

// Runs `sql` on the deployment's SQLCipher file with the `sqlcipher` tool, keyed from db.key.
CommandResult Sql(const Deployment& dep, const std::string& sql) {
  TempDir tmp;
  const std::string script = tmp.path() + "/script.sql";
  std::ofstream(script) << "PRAGMA key = \"x'" << Trim(ReadFileOrEmpty(dep.dir() + "/db.key"))
                        << "'\";\n"
                        << sql << "\n";
  return RunShell("sqlcipher -batch '" + dep.db_path() + "' < '" + script + "'");
}

std::string SqlValue(const Deployment& dep, const std::string& query) {
  CommandResult r = Sql(dep, query);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  return Trim(r.out);
}

CommandResult Verify(const Deployment& dep) {
  return RunKetenpoort({"audit", "verify", "--config", dep.config_path()});
}

// Applies `sql`, then expects `audit verify` to exit 1 naming `seq` and `finding`.
void ExpectCaught(const std::string& sql, int seq, const std::string& finding) {
  auto dep = Deployment::Create();
  ASSERT_EQ(Verify(*dep).exit_code, 0);
  CommandResult altered = Sql(*dep, sql);
  ASSERT_EQ(altered.exit_code, 0) << altered.err;
  ASSERT_EQ(altered.err, "");
  CommandResult r = Verify(*dep);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("audit trail altered: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("first bad entry: " + std::to_string(seq) + " (" + finding + ")"),
            std::string::npos)
      << r.out;
}

constexpr const char* kColumns =
    "time_ms, event, subject_ref, user, responsible_user, organisation, role, action, object, "
    "authorisation_basis, break_glass, outcome, source_address, leaf_hash, chain_hash";

TEST(AuditVerifyTest, DemoDeploymentHasOneSignedTokenIssueEntryPerToken) {
  auto dep = Deployment::Create();
  const std::string entries = SqlValue(*dep, "SELECT count(*) FROM audit_entries;");
  EXPECT_GE(std::stoi(entries), 10);
  EXPECT_EQ(SqlValue(*dep, "SELECT count(*) FROM audit_entries WHERE event <> 'token_issue';"),
            "0");
  EXPECT_EQ(SqlValue(*dep, "SELECT max(size) FROM audit_tree_heads;"), entries);
  // The tokens themselves are never in the trail.
  const std::string token = Trim(ReadFileOrEmpty(dep->dir() + "/tokens/comensha.token"));
  EXPECT_EQ(SqlValue(*dep, "SELECT count(*) FROM audit_entries WHERE object LIKE '%" + token +
                               "%' OR user LIKE '%" + token + "%';"),
            "0");

  CommandResult r = Verify(*dep);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("audit trail intact: " + entries + " entries, head "), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("(signed up to " + entries + ")"), std::string::npos) << r.out;
}

TEST(AuditVerifyTest, TokenIssueAppendsAnEntryAndSignsANewHead) {
  auto dep = Deployment::Create();
  const int before = std::stoi(SqlValue(*dep, "SELECT count(*) FROM audit_entries;"));
  auto issued = RunKetenpoort({"token", "issue", "--config", dep->config_path(), "--org",
                               "comensha", "--role", "auditor", "--user", "a.auditor"});
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  const std::string after = std::to_string(before + 1);
  EXPECT_EQ(SqlValue(*dep,
                     "SELECT event || '|' || organisation || '|' || role FROM "
                     "audit_entries WHERE seq = " +
                         after + ";"),
            "token_issue|comensha|auditor");
  EXPECT_EQ(SqlValue(*dep, "SELECT max(size) FROM audit_tree_heads;"), after);
  CommandResult r = Verify(*dep);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("intact: " + after + " entries"), std::string::npos) << r.out;
}

// An operator renews the gateway's TLS certificate (a new key, a certificate from the same CA)
// with openssl, as certificates are renewed before they expire. The heads signed with the old
// certificate still verify, because each head keeps the certificate that signed it and the
// deployment's CA issued it; `serve` starts on the renewed files and signs new heads with the
// new key.
TEST(AuditVerifyTest, TheTrailStillVerifiesAfterTheTlsCertificateIsRenewed) {
  auto dep = Deployment::Create();
  const std::string certs = dep->dir() + "/certs";
  const std::string old_cert = ReadFileOrEmpty(certs + "/gateway.cert.pem");
  CommandResult renewed = RunShell(
      "set -e; cd '" + certs +
      "'; umask 077; "
      "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out renewed.key.pem; "
      "openssl req -new -key renewed.key.pem -subj /CN=localhost -out renewed.csr; "
      "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\\n"
      "extendedKeyUsage=serverAuth,clientAuth\\nkeyUsage=digitalSignature\\n' > renewed.ext; "
      "openssl x509 -req -in renewed.csr -CA ca.cert.pem -CAkey ca.key.pem -CAcreateserial "
      "-days 365 -extfile renewed.ext -out renewed.cert.pem 2>/dev/null; "
      "cat renewed.cert.pem ca.cert.pem > gateway.cert.pem; chmod 644 gateway.cert.pem; "
      "mv renewed.key.pem gateway.key.pem; rm renewed.csr renewed.ext renewed.cert.pem");
  ASSERT_EQ(renewed.exit_code, 0) << renewed.err;
  ASSERT_NE(ReadFileOrEmpty(certs + "/gateway.cert.pem"), old_cert);

  CommandResult before = Verify(*dep);
  EXPECT_EQ(before.exit_code, 0) << before.out << before.err;
  const std::string heads = SqlValue(*dep, "SELECT count(*) FROM audit_tree_heads;");

  GatewayProcess gw(dep->config_path());
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
  EXPECT_EQ(gw.Terminate(), 0);
  auto issued = RunKetenpoort(
      {"token", "issue", "--config", dep->config_path(), "--org", "comensha", "--role", "auditor"});
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  EXPECT_GT(std::stoi(SqlValue(*dep, "SELECT count(*) FROM audit_tree_heads;")), std::stoi(heads));
  // The newest head names the renewed certificate, the first one the old.
  EXPECT_EQ(SqlValue(*dep, "SELECT count(DISTINCT signer_cert) FROM audit_tree_heads;"), "2");
  CommandResult after = Verify(*dep);
  EXPECT_EQ(after.exit_code, 0) << after.out << after.err;
}

TEST(AuditVerifyTest, BadArgumentsAndConfigExitTwo) {
  EXPECT_EQ(RunKetenpoort({"audit", "verify"}).exit_code, 2);
  EXPECT_EQ(RunKetenpoort({"audit"}).exit_code, 2);
  EXPECT_EQ(RunKetenpoort({"audit", "verify", "--config", "/nonexistent/gateway.json"}).exit_code,
            2);
  auto help = RunKetenpoort({"audit", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("audit verify"), std::string::npos) << help.out;
  auto dep = Deployment::Create();
  auto wrong_key = RunKetenpoort({"audit", "verify", "--config", dep->config_path()},
                                 {{"KETENPOORT_DB_KEY", std::string(64, 'a')}});
  EXPECT_EQ(wrong_key.exit_code, 2) << wrong_key.out << wrong_key.err;
}

TEST(AuditVerifyTest, CatchesAChangedEntry) {
  ExpectCaught("UPDATE audit_entries SET organisation = 'mallory' WHERE seq = 5;", 5, "changed");
}

TEST(AuditVerifyTest, CatchesADeletedEntry) {
  ExpectCaught("DELETE FROM audit_entries WHERE seq = 5;", 5, "deleted");
}

TEST(AuditVerifyTest, CatchesAnInsertedEntryWithTheLaterOnesRenumbered) {
  // Entries 5.. move one place down; a copy of entry 3 becomes the new entry 5.
  ExpectCaught(std::string("UPDATE audit_entries SET seq = -seq WHERE seq >= 5;\n"
                           "UPDATE audit_entries SET seq = 1 - seq WHERE seq < 0;\n"
                           "INSERT INTO audit_entries(seq, ") +
                   kColumns + ") SELECT 5, " + kColumns + " FROM audit_entries WHERE seq = 3;",
               5, "inserted");
}

TEST(AuditVerifyTest, CatchesTwoSwappedEntries) {
  ExpectCaught(
      "UPDATE audit_entries SET seq = -1 WHERE seq = 5;\n"
      "UPDATE audit_entries SET seq = 5 WHERE seq = 6;\n"
      "UPDATE audit_entries SET seq = 6 WHERE seq = -1;",
      5, "reordered");
}

TEST(AuditVerifyTest, CatchesACutTailAgainstTheSignedHead) {
  // The attacker also removes the append state; the signed head still covers every entry.
  ExpectCaught("DELETE FROM audit_entries WHERE seq > 8;\nDELETE FROM audit_state;", 9, "tail_cut");
}

// Applies `sql`, then expects `audit verify` to exit 1 with `says` in its one sentence, and
// `ketenpoort serve` to refuse to start on that trail, saying the same.
void ExpectStateCaught(Deployment& dep, const std::string& sql, const std::string& says) {
  CommandResult altered = Sql(dep, sql);
  ASSERT_EQ(altered.exit_code, 0) << altered.err;
  ASSERT_EQ(altered.err, "");
  CommandResult r = Verify(dep);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("audit trail altered: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(says), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("1970"), std::string::npos) << r.out;
  GatewayProcess gw(dep.config_path());
  CommandResult serve = gw.RunToExit();
  EXPECT_NE(serve.exit_code, 0);
  EXPECT_NE(gw.Log().find("audit trail does not verify"), std::string::npos) << gw.Log();
  EXPECT_NE(gw.Log().find(says), std::string::npos) << gw.Log();
}

TEST(AuditVerifyTest, CatchesAStateWhoseSizeWasChanged) {
  auto dep = Deployment::Create();
  ExpectStateCaught(*dep, "UPDATE audit_state SET size = size - 1;", "its compact range");
}

TEST(AuditVerifyTest, CatchesAFlippedByteOfTheCompactRange) {
  auto dep = Deployment::Create();
  std::string range = SqlValue(*dep, "SELECT hex(compact_range) FROM audit_state;");
  ASSERT_GE(range.size(), 64u) << range;
  range.back() = range.back() == '0' ? '1' : '0';  // the last byte of the newest subtree root
  ExpectStateCaught(*dep, "UPDATE audit_state SET compact_range = X'" + range + "';",
                    "compact range does not hash to the trail's Merkle root");
}

TEST(AuditVerifyTest, CatchesAMissingState) {
  auto dep = Deployment::Create();
  ExpectStateCaught(*dep, "DELETE FROM audit_state;", "record of the trail is missing");
}

TEST(AuditVerifyTest, CatchesACutTailAfterTheLastSignedHeadWithoutQuotingTheStateAsSigned) {
  auto dep = Deployment::Create();
  const std::string last = SqlValue(*dep, "SELECT MAX(seq) FROM audit_entries;");
  // The newest entry goes, with the head that signed it: what remains is a trail whose signed
  // heads all verify, but shorter than the gateway recorded.
  ExpectStateCaught(*dep,
                    "DELETE FROM audit_tree_heads WHERE size = " + last +
                        ";\nDELETE FROM audit_entries WHERE seq = " + last + ";",
                    "the gateway recorded " + last + " entries");
  CommandResult r = Verify(*dep);
  EXPECT_NE(r.out.find("first bad entry: " + last + " (tail_cut)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("signed tree head"), std::string::npos) << r.out;
}

TEST(AuditVerifyTest, AFailedAuthenticationIsAnEntryWithItsSourceAddress) {
  auto dep = Deployment::Create();
  const int before = std::stoi(SqlValue(*dep, "SELECT count(*) FROM audit_entries;"));
  const std::string bad_token = "kpt_" + std::string(43, 'A');
  {
    GatewayProcess gw(dep->config_path());
    ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
    HttpsClient client(dep->ca_path());
    auto r = client.Get(dep->url() + "/v1/directory", bad_token);
    EXPECT_EQ(r.status, 401) << r.error;
    auto ok = client.Get(dep->url() + "/v1/directory", dep->Token("comensha"));
    EXPECT_EQ(ok.status, 200) << ok.error;
    EXPECT_EQ(gw.Terminate(), 0);
  }
  const std::string seq = std::to_string(before + 1);
  EXPECT_EQ(SqlValue(*dep, "SELECT count(*) FROM audit_entries;"), seq);
  EXPECT_EQ(SqlValue(*dep,
                     "SELECT event || '|' || action || '|' || outcome || '|' || "
                     "source_address || '|' || user || '|' || organisation FROM "
                     "audit_entries WHERE seq = " +
                         seq + ";"),
            "auth_failed|E|unauthenticated|127.0.0.1||");
  EXPECT_EQ(SqlValue(*dep, "SELECT count(*) FROM audit_entries WHERE object LIKE '%AAAA%';"), "0");
  CommandResult v = Verify(*dep);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("intact: " + seq + " entries"), std::string::npos) << v.out;
  // A clean stop signs a last head, so the new entry is covered too.
  EXPECT_NE(v.out.find("(signed up to " + seq + ")"), std::string::npos) << v.out;
}

}  // namespace
}  // namespace ketenpoort::testing
