// `ketenpoort send`, `inbox` and `open` against a real demo gateway, and interoperability with
// the `openssl cms` command line both ways: what `send` makes, openssl opens and verifies; what
// openssl makes (and is submitted over plain HTTPS), `open` opens.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "tests/harness/harness.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;

// Synthetic content: JSON text followed by every byte value, so any text mangling shows.
std::string SyntheticPayload(const std::string& label) {
  std::string s =
      R"({"signal":")" + label +
      R"(","pseudonym":"18b3d65a305d402b7306725653b0f7944059b6c067805358d6ee96795d0c9b7b","contact":"a@example.org"})";
  s += '\n';
  for (int i = 0; i < 256; ++i)
    s += static_cast<char>(i);
  return s;
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos)
      nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

size_t CountLines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

class CliMessagesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dep_ = Deployment::Create().release();
    gw_ = new GatewayProcess(dep_->config_path());
    ASSERT_TRUE(gw_->Start(dep_->port(), dep_->ca_path())) << gw_->error;
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(gw_->Terminate(), 0);
    delete gw_;
    delete dep_;
  }

  std::string Path(const std::string& name) const { return tmp_.path() + "/" + name; }
  std::string Cert(const std::string& org) const {
    return dep_->dir() + "/certs/" + org + ".cert.pem";
  }
  std::string Key(const std::string& org) const {
    return dep_->dir() + "/certs/" + org + ".key.pem";
  }

  // `ketenpoort COMMAND --config C --as ORG ARGS...`, never with a token from the environment.
  CommandResult Cli(const std::string& command, const std::string& org,
                    std::vector<std::string> args = {}) const {
    std::vector<std::string> full{command, "--config", dep_->config_path(), "--as", org};
    full.insert(full.end(), args.begin(), args.end());
    return RunKetenpoort(full, {{"KETENPOORT_TOKEN", ""}});
  }

  // Sends `payload` as a minor's signal in Rotterdam (comensha, meldpunt-rotterdam and
  // veilig-thuis-rotterdam) and returns the message id.
  std::string SendSignal(const std::string& payload, const std::string& name = "payload.bin") {
    WriteFile(Path(name), payload);
    auto r = Cli(
        "send", "shop-denhaag",
        {"--kind", "signal", "--routing", "region=GM0599,age_band=minor", "--payload", Path(name)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto lines = Lines(r.out);
    if (lines.empty())
      return "";
    return lines.back();
  }

  // POSTs a DER envelope file to /v1/messages as `org` and returns the answer.
  HttpResponse SubmitEnvelope(const std::string& org, const std::string& envelope_file) {
    auto b64 = RunShell("openssl base64 -A -in " + envelope_file);
    EXPECT_EQ(b64.exit_code, 0) << b64.err;
    json body = {{"kind", "signal"},
                 {"routing", {{"region", "GM0599"}, {"age_band", "minor"}}},
                 {"payload", b64.out}};
    return HttpsClient(dep_->ca_path())
        .Post(dep_->url() + "/v1/messages", body.dump(), dep_->Token(org));
  }

  // `openssl cms -sign` with `signer`'s key, then `openssl cms -encrypt` with `cipher`
  // (AES-256-GCM: AuthEnvelopedData; -aes256: EnvelopedData) to the certificates of
  // `recipients`. Returns the envelope file.
  std::string OpenSslEnvelope(const std::string& content, const std::string& signer,
                              const std::vector<std::string>& recipients,
                              const std::string& cipher = "-aes-256-gcm") {
    WriteFile(Path("ossl-content.bin"), content);
    auto sign = RunShell("openssl cms -sign -binary -nodetach -md sha256 -in " +
                         Path("ossl-content.bin") + " -signer " + Cert(signer) + " -inkey " +
                         Key(signer) + " -outform DER -out " + Path("ossl-signed.der"));
    EXPECT_EQ(sign.exit_code, 0) << sign.err;
    std::string certs;
    for (const std::string& org : recipients)
      certs += " " + Cert(org);
    auto encrypt =
        RunShell("openssl cms -encrypt -binary " + cipher + " -in " + Path("ossl-signed.der") +
                 " -outform DER -out " + Path("ossl-env.der") + certs);
    EXPECT_EQ(encrypt.exit_code, 0) << encrypt.err;
    return Path("ossl-env.der");
  }

  static Deployment* dep_;
  static GatewayProcess* gw_;
  TempDir tmp_;
};

Deployment* CliMessagesTest::dep_ = nullptr;
GatewayProcess* CliMessagesTest::gw_ = nullptr;

const std::vector<std::string> kRotterdamMinor = {"comensha", "meldpunt-rotterdam",
                                                  "veilig-thuis-rotterdam"};

TEST_F(CliMessagesTest, SendListsInInboxAndOpensToTheExactBytes) {
  const std::string payload = SyntheticPayload("round trip");
  WriteFile(Path("payload.bin"), payload);
  auto sent = Cli("send", "shop-denhaag",
                  {"--kind", "signal", "--routing", "region=GM0599,age_band=minor", "--payload",
                   Path("payload.bin"), "--subject-ref",
                   "18b3d65a305d402b7306725653b0f7944059b6c067805358d6ee96795d0c9b7b"});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  auto lines = Lines(sent.out);
  ASSERT_EQ(lines.size(), 4u) << sent.out;
  EXPECT_EQ(std::vector<std::string>(lines.begin(), lines.end() - 1),
            (std::vector<std::string>{"recipient comensha", "recipient meldpunt-rotterdam",
                                      "recipient veilig-thuis-rotterdam"}));
  const std::string id = lines.back();
  EXPECT_TRUE(std::regex_match(id, std::regex("m-[0-9a-f]{32}"))) << id;

  auto inbox = Cli("inbox", "comensha");
  ASSERT_EQ(inbox.exit_code, 0) << inbox.err;
  bool listed = false;
  for (const std::string& line : Lines(inbox.out)) {
    if (line.rfind(id + " ", 0) != 0)
      continue;
    listed = true;
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, std::regex(R"((\S+) (\S+) (\S+) (\S+) (\S+))"))) << line;
    EXPECT_EQ(m[2], "signal");
    EXPECT_EQ(m[3], "shop-denhaag");
    EXPECT_TRUE(std::regex_match(m[5].str(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*Z)")))
        << line;
  }
  EXPECT_TRUE(listed) << inbox.out;
  EXPECT_NE(inbox.err.find("next cursor "), std::string::npos) << inbox.err;

  auto as_json = Cli("inbox", "comensha", {"--json", "--limit", "500"});
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  json parsed = json::parse(as_json.out);
  ASSERT_TRUE(parsed["messages"].is_array());
  EXPECT_TRUE(parsed.contains("next"));

  auto opened = Cli("open", "comensha", {id});
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  EXPECT_TRUE(opened.out == payload) << "content differs: " << opened.out.size() << " bytes";

  // --out writes a new private file, and never overwrites one.
  auto to_file = Cli("open", "veilig-thuis-rotterdam", {id, "--out", Path("opened.bin")});
  ASSERT_EQ(to_file.exit_code, 0) << to_file.err;
  EXPECT_TRUE(ReadFileOrEmpty(Path("opened.bin")) == payload);
  struct stat st {};
  ASSERT_EQ(::stat(Path("opened.bin").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = Cli("open", "veilig-thuis-rotterdam", {id, "--out", Path("opened.bin")});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_EQ(CountLines(again.err), 1u) << again.err;

  // The sender encrypted to itself too, so it can read back what it sent.
  auto own = Cli("open", "shop-denhaag", {id});
  ASSERT_EQ(own.exit_code, 0) << own.err;
  EXPECT_TRUE(own.out == payload);
}

TEST_F(CliMessagesTest, ExplicitRecipientsAndTheIdempotencyKey) {
  WriteFile(Path("p.bin"), SyntheticPayload("explicit"));
  std::vector<std::string> args = {"--kind",
                                   "signal",
                                   "--routing",
                                   "region=GM0599,age_band=minor",
                                   "--to",
                                   "comensha,meldpunt-rotterdam,veilig-thuis-rotterdam",
                                   "--payload",
                                   Path("p.bin"),
                                   "--idempotency-key",
                                   "cli-test-key-1"};
  auto first = Cli("send", "shop-denhaag", args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // The same key and the same body would be one message; a re-sealed envelope is another
  // body, so the gateway must refuse rather than store a second message.
  auto second = Cli("send", "shop-denhaag", args);
  EXPECT_EQ(second.exit_code, 1) << second.out;
  EXPECT_NE(second.err.find("(idempotency"), std::string::npos) << second.err;
  EXPECT_EQ(CountLines(second.err), 1u) << second.err;
}

TEST_F(CliMessagesTest, InteropAOpenSslOpensWhatSendMade) {
  const std::string payload = SyntheticPayload("interop a");
  const std::string id = SendSignal(payload);
  ASSERT_FALSE(id.empty());

  auto fetched =
      HttpsClient(dep_->ca_path()).Get(dep_->url() + "/v1/messages/" + id, dep_->Token("comensha"));
  ASSERT_EQ(fetched.status, 200) << fetched.body;
  json message = json::parse(fetched.body);
  EXPECT_EQ(message["from"], "shop-denhaag");
  WriteFile(Path("env.b64"), message["payload"].get<std::string>());
  auto decoded =
      RunShell("openssl base64 -d -A -in " + Path("env.b64") + " -out " + Path("env.der"));
  ASSERT_EQ(decoded.exit_code, 0) << decoded.err;

  auto decrypted =
      RunShell("openssl cms -decrypt -binary -inform DER -in " + Path("env.der") + " -recip " +
               Cert("comensha") + " -inkey " + Key("comensha") + " -out " + Path("inner.der"));
  ASSERT_EQ(decrypted.exit_code, 0) << decrypted.err;
  auto verified = RunShell("openssl cms -verify -binary -inform DER -in " + Path("inner.der") +
                           " -CAfile " + dep_->ca_path() + " -out " + Path("content.bin"));
  ASSERT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_TRUE(ReadFileOrEmpty(Path("content.bin")) == payload);

  // openssl also names the sender's certificate as the signer.
  auto signer =
      RunShell("openssl cms -verify -binary -inform DER -in " + Path("inner.der") + " -CAfile " +
               dep_->ca_path() + " -out /dev/null -signer " + Path("signer.pem"));
  ASSERT_EQ(signer.exit_code, 0) << signer.err;
  auto same = RunShell("cmp " + Path("signer.pem") + " " + Cert("shop-denhaag"));
  EXPECT_EQ(same.exit_code, 0) << "signer certificate differs from shop-denhaag's";

  // An organisation the message is not for cannot decrypt it with openssl either.
  auto other =
      RunShell("openssl cms -decrypt -binary -inform DER -in " + Path("env.der") + " -recip " +
               Cert("ind") + " -inkey " + Key("ind") + " -out " + Path("nope.der"));
  EXPECT_NE(other.exit_code, 0);
}

TEST_F(CliMessagesTest, InteropBOpenOpensWhatOpenSslMade) {
  // AuthEnvelopedData (what send makes) and the older EnvelopedData (AES-256-CBC).
  for (const std::string cipher : {"-aes-256-gcm", "-aes256"}) {
    const std::string payload = SyntheticPayload("interop b " + cipher);
    std::vector<std::string> to = kRotterdamMinor;
    to.push_back("shop-denhaag");
    std::string envelope = OpenSslEnvelope(payload, "shop-denhaag", to, cipher);
    auto submitted = SubmitEnvelope("shop-denhaag", envelope);
    ASSERT_EQ(submitted.status, 202) << cipher << " " << submitted.body;
    json answer = json::parse(submitted.body);
    const std::string id = answer["id"];
    EXPECT_EQ(answer["recipients"].get<std::vector<std::string>>(), kRotterdamMinor);

    for (const std::string& org : kRotterdamMinor) {
      auto opened = Cli("open", org, {id});
      ASSERT_EQ(opened.exit_code, 0) << cipher << " " << org << ": " << opened.err;
      EXPECT_TRUE(opened.out == payload) << cipher << " " << org;
    }
  }
}

TEST_F(CliMessagesTest, InboxPagesWithTheNextCursor) {
  SendSignal(SyntheticPayload("page one"));
  auto first = Cli("inbox", "meldpunt-rotterdam");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(first.err, m, std::regex("next cursor (\\S+)"))) << first.err;
  const std::string next = m[1];

  const std::string id = SendSignal(SyntheticPayload("page two"), "p2.bin");
  auto newer = Cli("inbox", "meldpunt-rotterdam", {"--after", next});
  ASSERT_EQ(newer.exit_code, 0) << newer.err;
  auto lines = Lines(newer.out);
  ASSERT_EQ(lines.size(), 1u) << newer.out;
  EXPECT_EQ(lines[0].substr(0, id.size() + 1), id + " ");

  auto limited = Cli("inbox", "meldpunt-rotterdam", {"--limit", "1"});
  ASSERT_EQ(limited.exit_code, 0) << limited.err;
  EXPECT_EQ(Lines(limited.out).size(), 1u) << limited.out;
}

TEST_F(CliMessagesTest, ASignatureByAnotherOrganisationIsRefused) {
  // Submitted with shop-denhaag's token, but signed with comensha's key: the gateway cannot see
  // inside, the recipient must notice.
  std::string envelope = OpenSslEnvelope(SyntheticPayload("forged"), "comensha", kRotterdamMinor);
  auto submitted = SubmitEnvelope("shop-denhaag", envelope);
  ASSERT_EQ(submitted.status, 202) << submitted.body;
  const std::string id = json::parse(submitted.body)["id"];

  auto opened = Cli("open", "meldpunt-rotterdam", {id});
  EXPECT_EQ(opened.exit_code, 1);
  EXPECT_TRUE(opened.out.empty()) << "content must not be written";
  EXPECT_EQ(CountLines(opened.err), 1u) << opened.err;
  EXPECT_NE(opened.err.find("signer_not_sender"), std::string::npos) << opened.err;
  EXPECT_NE(opened.err.find("shop-denhaag"), std::string::npos) << opened.err;
}

TEST_F(CliMessagesTest, AnOrganisationThatIsNotARecipientCannotOpen) {
  const std::string id = SendSignal(SyntheticPayload("not for ind"));
  ASSERT_FALSE(id.empty());
  auto opened = Cli("open", "ind", {id});
  EXPECT_EQ(opened.exit_code, 1);
  EXPECT_TRUE(opened.out.empty());
  EXPECT_EQ(CountLines(opened.err), 1u) << opened.err;
  EXPECT_NE(opened.err.find("message_not_found"), std::string::npos) << opened.err;

  // With a recipient's token but its own key: the CLI names the token as another's before
  // it fetches anything (and ind's key could not decrypt it anyway).
  const std::string borrowed_token = dep_->dir() + "/tokens/comensha.token";
  auto borrowed = RunKetenpoort(
      {"open", "--config", dep_->config_path(), "--as", "ind", "--token-file", borrowed_token, id},
      {{"KETENPOORT_TOKEN", ""}});
  EXPECT_EQ(borrowed.exit_code, 2);
  EXPECT_TRUE(borrowed.out.empty());
  EXPECT_EQ(CountLines(borrowed.err), 1u) << borrowed.err;
  EXPECT_NE(borrowed.err.find(borrowed_token + ": this token belongs to organisation "
                                               "'comensha', not to 'ind' (--as)"),
            std::string::npos)
      << borrowed.err;
  EXPECT_EQ(borrowed.err.find(dep_->Token("comensha")), std::string::npos) << "the token leaked";

  auto unknown = Cli("open", "comensha", {"m-00000000000000000000000000000000"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("message_not_found"), std::string::npos) << unknown.err;
}

TEST_F(CliMessagesTest, BadArgumentsExit2WithOneLine) {
  WriteFile(Path("p.bin"), "synthetic");
  const std::string c = dep_->config_path();
  const std::vector<std::vector<std::string>> cases = {
      {"send"},
      {"send", "--config", c, "--as", "shop-denhaag", "--kind", "signal"},
      {"send", "--config", c, "--as", "shop-denhaag", "--kind", "signal", "--payload",
       Path("p.bin"), "--routing", "region"},
      {"send", "--config", c, "--as", "shop-denhaag", "--kind", "signal", "--payload",
       Path("p.bin"), "--routing", "shoe_size=42"},
      {"send", "--config", c, "--as", "shop-denhaag", "--kind", "securemail", "--payload",
       Path("p.bin"), "--to", "comensha"},
      {"send", "--config", c, "--as", "shop-denhaag", "--kind", "signal", "--payload",
       Path("p.bin"), "--to", "Comensha"},
      {"send", "--config", c, "--as", "shop-denhaag", "--kind", "signal", "--payload",
       Path("p.bin"), "--legal-basis", "because"},
      {"send", "--config", c, "--as", "shop-denhaag", "--kind", "signal", "--payload",
       Path("missing.bin"), "--to", "comensha"},
      {"send", "--config", c, "--as", "Shop Den Haag", "--kind", "signal", "--payload",
       Path("p.bin"), "--to", "comensha"},
      {"send", "--config", c, "--as", "shop-denhaag", "--kind", "signal", "--payload",
       Path("p.bin"), "--to", "comensha", "--key", dep_->dir() + "/certs/comensha.key.pem"},
      {"send", "--config", c, "--as", "shop-denhaag", "--kind", "signal", "--payload",
       Path("p.bin"), "--to", "comensha", "--token-file", Path("no-token")},
      {"inbox", "--config", c, "--as", "comensha", "--limit", "0"},
      {"inbox", "--config", c, "--as", "comensha", "--colour"},
      {"inbox", "--config", Path("nothing.json"), "--as", "comensha"},
      {"open", "--config", c, "--as", "comensha"},
      {"open", "--config", c, "--as", "comensha", "m-1", "m-2"},
      {"open", "--config", c, "--as", "comensha", "../../etc/passwd"},
      {"open", "--config", c, "--as", "comensha", "m-1", "--ca-anchors", Path("none.pem")},
  };
  for (const auto& args : cases) {
    auto r = RunKetenpoort(args, {{"KETENPOORT_TOKEN", ""}});
    std::string shown;
    for (const auto& a : args)
      shown += a + " ";
    EXPECT_EQ(r.exit_code, 2) << shown << "\n" << r.err;
    EXPECT_EQ(CountLines(r.err), 1u) << shown << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("ketenpoort: ", 0), 0u) << shown << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << shown;
  }
  for (const char* command : {"send", "inbox", "open"}) {
    auto help = RunKetenpoort({command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_NE(help.out.find(std::string("usage: ketenpoort ") + command), std::string::npos)
        << help.out;
  }
}

TEST_F(CliMessagesTest, ATypoInTheKindOrACodeIsNamedAsSuch) {
  WriteFile(Path("p.bin"), "synthetic");
  const std::string c = dep_->config_path();
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--kind", "referal", "--routing", "region=GM0518,age_band=adult,urgency=normal"},
       "--kind: unknown kind 'referal' (known: answer, b8, question, referral, securemail, signal, "
       "status)"},
      {{"--kind", "referral", "--routing", "region=GM0518,age_band=grown,urgency=normal",
        "--subject-ref", "df85c746f32d9052fa2465280a94e22685ebd893ff58f7a04a9363da4587bf4d"},
       "--routing age_band: 'grown' is not a code of list age_band v"},
      {{"--kind", "referral", "--routing", "region=GM0518,age_band=adult,urgency=soon",
        "--subject-ref", "df85c746f32d9052fa2465280a94e22685ebd893ff58f7a04a9363da4587bf4d"},
       "--routing urgency: must be one of: normal, urgent"},
      {{"--kind", "signal", "--routing", "region=GM0518,age_band=adult", "--codelists",
        "exploitation=9"},
       "--codelists exploitation"},
  };
  for (const Case& k : cases) {
    std::vector<std::string> args = {"send",      "--config",   c, "--as", "shop-denhaag",
                                     "--payload", Path("p.bin")};
    args.insert(args.end(), k.args.begin(), k.args.end());
    auto r = RunKetenpoort(args);
    EXPECT_EQ(r.exit_code, 2) << k.says << "\n" << r.err;
    EXPECT_NE(r.err.find(k.says), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("no_recipients"), std::string::npos) << r.err;
    EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  }
}

// An adapter's config error (the SMTP relay's sender address) names the file and the key.
TEST_F(CliMessagesTest, AConfigErrorOfTheMailRelayNamesTheFileAndTheKey) {
  json config = json::parse(ReadFileOrEmpty(dep_->config_path()));
  config["smtp"] = {{"url", "smtp://127.0.0.1:2525"}, {"from", "not an address"}};
  const std::string bad = dep_->dir() + "/gateway-bad-smtp.json";
  WriteFile(bad, config.dump());
  GatewayProcess gw(bad);
  CommandResult r = gw.RunToExit();
  EXPECT_EQ(r.exit_code, 2) << gw.Log();
  EXPECT_NE(gw.Log().find(bad + ": smtp.from: must be a plain address"), std::string::npos)
      << gw.Log();
}

// A sender's token used with --as another organisation is named as such, not answered with an
// envelope or certificate error from the gateway; nothing is sent.
TEST_F(CliMessagesTest, ATokenOfAnotherOrganisationThanAsIsNamedAsSuch) {
  WriteFile(Path("p.json"), SyntheticPayload("sent with another's token"));
  auto inbox = [&] {
    return RunKetenpoort({"inbox", "--config", dep_->config_path(), "--as", "comensha"}).out;
  };
  const std::string before = inbox();
  auto r = RunKetenpoort(
      {"send", "--config", dep_->config_path(), "--as", "shop-denhaag", "--kind", "signal",
       "--routing", "region=GM0599,age_band=adult", "--payload", Path("p.json")},
      {{"KETENPOORT_TOKEN", dep_->Token("meldpunt-rotterdam")}});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("KETENPOORT_TOKEN: this token belongs to organisation "
                       "'meldpunt-rotterdam', not to 'shop-denhaag' (--as)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(inbox(), before) << "nothing may have been sent";
}

// Clients are named by the organisation's pseudonym for its own client number, made by the
// software (HMAC under the organisation's secret), never typed: the same number gives the same
// subject_ref in every message, another organisation gets another one, and a name in the field
// is refused by the CLI and by the gateway.
TEST_F(CliMessagesTest, PseudonymsAreDerivedFromTheClientNumberNeverTyped) {
  auto pseudonym = [&](const std::string& org, const std::string& number) {
    auto r = Cli("pseudonym", org, {"--client", number});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  const std::string ref = pseudonym("shop-denhaag", "2026-0042");
  ASSERT_TRUE(std::regex_match(ref, std::regex("[0-9a-f]{64}\n"))) << ref;
  EXPECT_EQ(pseudonym("shop-denhaag", "2026-0042"), ref);
  EXPECT_NE(pseudonym("shop-denhaag", "2026-0043"), ref);
  EXPECT_NE(pseudonym("essm-rotterdam", "2026-0042"), ref) << "each organisation has its own";
  // From stdin, so that the number stays out of the shell history and the process list.
  auto piped =
      RunShell("printf '2026-0042\\n' | KETENPOORT_TOKEN= " + KetenpoortBinary() +
               " pseudonym --config " + dep_->config_path() + " --as shop-denhaag --client -");
  EXPECT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.out, ref);

  // `send --client` puts it into the message; the recipient sees it, not the number.
  WriteFile(Path("p.json"), SyntheticPayload("a client by pseudonym"));
  auto sent = Cli("send", "shop-denhaag",
                  {"--kind", "signal", "--routing", "region=GM0599,age_band=adult", "--payload",
                   Path("p.json"), "--client", "2026-0042"});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  const std::string id = Lines(sent.out).back();
  auto got =
      HttpsClient(dep_->ca_path()).Get(dep_->url() + "/v1/messages/" + id, dep_->Token("comensha"));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(json::parse(got.body)["subject_ref"], ref.substr(0, 64));
  EXPECT_EQ(got.body.find("2026-0042"), std::string::npos);

  // A name typed as the reference: refused before anything is sent, and by the gateway.
  auto typed = Cli("send", "shop-denhaag",
                   {"--kind", "signal", "--routing", "region=GM0599,age_band=adult", "--payload",
                    Path("p.json"), "--subject-ref", "jan.jansen-1990-05-04"});
  EXPECT_EQ(typed.exit_code, 2) << typed.err;
  EXPECT_NE(typed.err.find("--subject-ref: must be a pseudonym"), std::string::npos) << typed.err;
  json body = {{"kind", "signal"},
               {"routing", {{"region", "GM0599"}, {"age_band", "adult"}}},
               {"subject_ref", "jan.jansen-1990-05-04"},
               {"payload", "AA=="}};
  auto posted = HttpsClient(dep_->ca_path())
                    .Post(dep_->url() + "/v1/messages", body.dump(), dep_->Token("shop-denhaag"));
  EXPECT_EQ(posted.status, 400) << posted.body;
  EXPECT_NE(posted.body.find("invalid_subject_ref"), std::string::npos) << posted.body;

  // Clear errors: a number with a space, a missing secret (with how to make one), and a
  // secret that exists is never replaced.
  auto spaced = Cli("pseudonym", "shop-denhaag", {"--client", "Jan Jansen"});
  EXPECT_EQ(spaced.exit_code, 2);
  EXPECT_NE(spaced.err.find("--client: a client number is"), std::string::npos) << spaced.err;
  EXPECT_EQ(spaced.err.find("Jansen"), std::string::npos) << "the input is not repeated";
  auto missing =
      Cli("pseudonym", "shop-denhaag", {"--client", "1", "--secret", Path("absent.pseudonym.key")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find(Path("absent.pseudonym.key")), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("--new-secret"), std::string::npos) << missing.err;
  auto again = Cli("pseudonym", "shop-denhaag", {"--new-secret"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("never overwritten"), std::string::npos) << again.err;
  EXPECT_EQ(pseudonym("shop-denhaag", "2026-0042"), ref);
  auto made = Cli("pseudonym", "shop-denhaag", {"--new-secret", "--secret", Path("new.key")});
  EXPECT_EQ(made.exit_code, 0) << made.err;
  struct stat st {};
  ASSERT_EQ(::stat(Path("new.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto other =
      Cli("pseudonym", "shop-denhaag", {"--client", "2026-0042", "--secret", Path("new.key")});
  EXPECT_EQ(other.exit_code, 0) << other.err;
  EXPECT_NE(other.out, ref);
}

// `ketenpoort consent withdraw` by client number: the next send on consent to that recipient
// is refused by the gateway (exit 1, naming the reason), on another basis it goes.
TEST_F(CliMessagesTest, AConsentWithdrawnFromTheCommandLineStopsTheNextHandOffOnConsent) {
  WriteFile(Path("p.json"), SyntheticPayload("on consent"));
  auto send = [&](const std::string& basis) {
    return Cli("send", "shop-denhaag",
               {"--kind", "signal", "--routing", "region=GM0518,age_band=adult", "--legal-basis",
                basis, "--payload", Path("p.json"), "--client", "2026-0777"});
  };
  ASSERT_EQ(send("consent").exit_code, 0);
  auto usage = Cli("consent", "shop-denhaag", {"--client", "2026-0777"});
  EXPECT_EQ(usage.exit_code, 2) << "no subcommand";
  auto no_reason = RunKetenpoort({"consent", "withdraw", "--config", dep_->config_path(), "--as",
                                  "shop-denhaag", "--client", "2026-0777"});
  EXPECT_EQ(no_reason.exit_code, 2);
  EXPECT_NE(no_reason.err.find("--reason"), std::string::npos) << no_reason.err;
  auto withdrawn =
      RunKetenpoort({"consent", "withdraw", "--config", dep_->config_path(), "--as", "shop-denhaag",
                     "--client", "2026-0777", "--recipient", "politie-avim-haaglanden", "--reason",
                     "client withdrew consent at the intake"});
  ASSERT_EQ(withdrawn.exit_code, 0) << withdrawn.err;
  EXPECT_NE(withdrawn.out.find("consent withdrawn for politie-avim-haaglanden"), std::string::npos)
      << withdrawn.out;
  auto refused = send("consent");
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("consent_withdrawn"), std::string::npos) << refused.err;
  EXPECT_EQ(send("vital_interest").exit_code, 0);
}

TEST_F(CliMessagesTest, TheTokenCanComeFromTheEnvironment) {
  auto r = RunKetenpoort({"inbox", "--config", dep_->config_path(), "--as", "comensha"},
                         {{"KETENPOORT_TOKEN", "kp_not_a_real_token"}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  EXPECT_EQ(r.err.find("kp_not_a_real_token"), std::string::npos) << "the token leaked";
  auto ok = RunKetenpoort({"inbox", "--config", dep_->config_path(), "--as", "comensha"},
                          {{"KETENPOORT_TOKEN", dep_->Token("comensha")}});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

}  // namespace
}  // namespace ketenpoort::testing
