// The workspace's commands as processes: `ketenpoort staff add|list|disable|reset` and
// `ketenpoort workspace` on the workspace.json and staff.json that `init --demo` wrote.
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/harness/harness.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;

json ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return json::parse(s.str());
}

class WorkspaceCliTest : public ::testing::Test {
 protected:
  void SetUp() override { dep_ = Deployment::Create(); }
  std::string Config() const { return dep_->dir() + "/workspace.json"; }
  CommandResult Staff(std::vector<std::string> args) {
    args.insert(args.begin(), "staff");
    return RunKetenpoort(args);
  }
  std::unique_ptr<Deployment> dep_;
};

TEST_F(WorkspaceCliTest, InitDemoWritesTheWorkspaceAndItsStaff) {
  const json config = ReadJson(Config());
  EXPECT_EQ(config["listen"]["port"], dep_->port() + 1);
  std::set<std::string> served;
  for (const json& o : config["organisations"])
    served.insert(o["id"].get<std::string>());
  EXPECT_EQ(served.count("portal"), 0u);
  EXPECT_EQ(served.count("shop-denhaag"), 1u);
  EXPECT_EQ(served.size(), ReadJson(dep_->dir() + "/directory.json")["organisations"].size() - 1);

  struct stat st {};
  ASSERT_EQ(::stat((dep_->dir() + "/staff.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const json staff = ReadJson(dep_->dir() + "/staff.json");
  std::set<std::string> with_worker;
  for (const json& s : staff) {
    EXPECT_EQ(s.size(), 5u) << s.dump();
    EXPECT_EQ(s["totp_secret"].get<std::string>().size(), 32u);
    for (const json& r : s["roles"]) {
      if (r == "coordinator" || r == "caseworker")
        with_worker.insert(s["org"].get<std::string>());
    }
  }
  EXPECT_EQ(with_worker, served);

  // list shows every account, never a password or a secret.
  CommandResult list = Staff({"list", "--config", Config()});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("shop-denhaag a.bakker roles=auditor state=active \"Auke Bakker\""),
            std::string::npos);
  EXPECT_NE(list.out.find("shop-denhaag m.jansen roles=admin state=active"), std::string::npos);
  for (const json& s : staff) {
    EXPECT_EQ(list.out.find(s["password"].get<std::string>()), std::string::npos);
    EXPECT_EQ(list.out.find(s["totp_secret"].get<std::string>()), std::string::npos);
  }
}

TEST_F(WorkspaceCliTest, AddDisableAndResetAnAccount) {
  CommandResult add = Staff({"add", "--config", Config(), "--org", "ind", "--username", "p.test",
                             "--name", "Piet Test", "--roles", "caseworker,auditor"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_NE(add.out.find("username     p.test\n"), std::string::npos);
  EXPECT_NE(add.out.find("password     "), std::string::npos);
  EXPECT_NE(add.out.find("otpauth uri  otpauth://totp/Ketenpoort%20workspace:p.test?secret="),
            std::string::npos);
  CommandResult again = Staff({"add", "--config", Config(), "--org", "ind", "--username", "p.test",
                               "--name", "Piet Test", "--roles", "caseworker"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("taken"), std::string::npos) << again.err;

  ASSERT_EQ(Staff({"disable", "--config", Config(), "--username", "p.test"}).exit_code, 0);
  CommandResult list = Staff({"list", "--config", Config()});
  EXPECT_NE(list.out.find("ind p.test roles=caseworker,auditor state=disabled \"Piet Test\""),
            std::string::npos)
      << list.out;
  CommandResult reset = Staff({"reset", "--config", Config(), "--username", "p.test"});
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  EXPECT_NE(reset.out.find("password     "), std::string::npos);
  EXPECT_EQ(reset.out.find(add.out.substr(add.out.find("password     "), 36)), std::string::npos)
      << "a new password";
}

TEST_F(WorkspaceCliTest, BadArgumentsExit2WithOneClearLine) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"staff"}, "usage: ketenpoort staff add"},
      {{"staff", "fire", "--config", Config()}, "usage: ketenpoort staff add"},
      {{"staff", "add", "--config", Config(), "--org", "nope", "--username", "x", "--name", "X",
        "--roles", "caseworker"},
       "--org: 'nope' is not one of the organisations"},
      {{"staff", "add", "--config", Config(), "--org", "ind", "--username", "x", "--name", "X",
        "--roles", "boss"},
       "--roles: unknown role 'boss'"},
      {{"staff", "add", "--config", Config(), "--org", "ind", "--username", "Piet Test", "--name",
        "X", "--roles", "admin"},
       "--username: a username is"},
      {{"staff", "add", "--config", Config(), "--org", "ind", "--username", "x"},
       "--name is required"},
      {{"staff", "reset", "--config", Config(), "--username", "nobody"},
       "--username: no account has the username 'nobody'"},
      {{"staff", "list", "--config", dep_->dir() + "/missing.json"}, "missing.json"},
      {{"workspace", "--config", dep_->dir() + "/gateway.json"}, "gateway.json: "},
  };
  for (const Case& c : cases) {
    CommandResult r = RunKetenpoort(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args[1] << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
  for (const char* sub : {"add", "list", "disable", "reset"}) {
    CommandResult help = Staff({sub, "--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("usage: ketenpoort staff " + std::string(sub)), std::string::npos);
  }
  EXPECT_EQ(RunKetenpoort({"workspace", "--help"}).exit_code, 0);
}

// `check --config workspace.json` checks the workspace, not a gateway: the demo's passes; a
// token readable by others and a key that is not the certificate's each fail, naming the file.
TEST_F(WorkspaceCliTest, CheckValidatesTheWorkspaceConfigAndItsFiles) {
  CommandResult ok = RunKetenpoort({"check", "--config", Config()});
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("(a workspace)"), std::string::npos);
  EXPECT_NE(ok.out.find("ok    key of comensha: "), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("0 problems"), std::string::npos);

  const std::string token = dep_->dir() + "/tokens/comensha.workspace.token";
  ASSERT_EQ(::chmod(token.c_str(), 0644), 0);
  CommandResult open_token = RunKetenpoort({"check", "--config", Config()});
  EXPECT_EQ(open_token.exit_code, 1);
  EXPECT_NE(open_token.out.find("FAIL  token of comensha: " + token), std::string::npos)
      << open_token.out;
  ASSERT_EQ(::chmod(token.c_str(), 0600), 0);

  // comensha's entry names ind's key: the workspace could not open comensha's messages.
  json config = ReadJson(Config());
  for (json& o : config["organisations"]) {
    if (o["id"] == "comensha")
      o["key_file"] = "certs/ind.key.pem";
  }
  std::ofstream(Config()) << config.dump(2);
  CommandResult mismatch = RunKetenpoort({"check", "--config", Config()});
  EXPECT_EQ(mismatch.exit_code, 1);
  EXPECT_NE(mismatch.out.find("FAIL  organisation comensha: "), std::string::npos) << mismatch.out;
  EXPECT_EQ(mismatch.out.find("BEGIN"), std::string::npos);  // no key material in the output
}

}  // namespace
}  // namespace ketenpoort::testing
