// The examples at the top of gateway/cli's headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with a C++ example is not named here. The
// organisation's side (OrgSession, SaveAttachments) works with a demo deployment
// made by `ketenpoort init --demo`, and talks to a real `ketenpoort serve` of it where the
// example does (tests/harness/harness.h).

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gateway/cli/attachment_files.h"
#include "gateway/cli/backup_archive.h"
#include "gateway/cli/client_pseudonym.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/cli/list_args.h"
#include "gateway/cli/org_session.h"
#include "gateway/cli/payload_check.h"
#include "gateway/cli/peer_bundle.h"
#include "gateway/core/pseudonym.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/encoding.h"
#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::cli {
namespace {

using nlohmann::json;

// Holds argv strings alive for Parse().
struct Argv {
  explicit Argv(std::vector<std::string> a) : args(std::move(a)) {
    for (auto& s : args)
      ptrs.push_back(s.data());
  }
  int argc() const { return static_cast<int>(ptrs.size()); }
  char** argv() { return ptrs.data(); }
  std::vector<std::string> args;
  std::vector<char*> ptrs;
};

// A signal from shop-denhaag about a minor in Rotterdam: the demo routes send it to comensha,
// meldpunt-rotterdam and veilig-thuis-rotterdam.
json MinorSignal(const std::string& payload) {
  return {{"kind", "signal"},
          {"routing", {{"region", "GM0599"}, {"age_band", "minor"}, {"exploitation", "sexual"}}},
          {"subject_ref", "1f08c40c287ac474f3f3b0a4133bf082a9bb488d73524fff13b9ff39f75be697"},
          {"legal_basis", "vital_interest"},
          {"payload", payload}};
}

// `--config DIR/gateway.json --as ORG`, every other source left to its default.
OrgSessionOptions Options(const testing::Deployment& dep, const std::string& org) {
  OrgSessionOptions o;
  o.config_file = dep.config_path();
  o.org = org;
  return o;
}

// gateway/cli/peer_bundle.h
TEST(CliExamples, PeerBundle) {
  auto dep = testing::Deployment::Create();
  auto other = testing::Deployment::Create();
  auto leaf = [](const testing::Deployment& d, const std::string& name) {
    return crypto::LoadPemChainFile(d.dir() + "/certs/" + name + ".cert.pem")->front().ToPem();
  };
  PeerBundle b{
      .gateway = "gw-a",
      .url = "https://gw-a.example.org:8443",
      .ca_pem = testing::ReadFileOrEmpty(dep->ca_path()),
      .certificate_pem = leaf(*dep, "gateway"),
      .organisations = {{{"id", "shop-denhaag"}, {"certificate", leaf(*dep, "shop-denhaag")}}},
      .token = "kpt_synthetic"};
  std::string text = BundleToText(b);
  EXPECT_EQ(text.rfind("kpb1.", 0), 0u);
  EXPECT_EQ(text.find('\n'), std::string::npos);
  auto back = BundleFromText(text + "\n");
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, b);

  // Not a bundle, damaged, or a certificate its CA did not issue: refused, naming the key.
  EXPECT_EQ(BundleFromText("hello").error().code, "invalid_bundle");
  EXPECT_EQ(BundleFromText(text.substr(0, text.size() / 2)).error().code, "invalid_bundle");
  PeerBundle foreign = b;
  foreign.certificate_pem = leaf(*other, "gateway");
  EXPECT_EQ(BundleFromText(BundleToText(foreign)).error().field, "certificate");
  foreign = b;
  foreign.organisations[0]["certificate"] = leaf(*other, "shop-denhaag");
  EXPECT_EQ(BundleFromText(BundleToText(foreign)).error().field, "organisations");
}

// gateway/cli/attachment_files.h
TEST(CliExamples, AttachmentFiles) {
  auto dep = testing::Deployment::Create();
  auto opened = OrgSession::Open(Options(*dep, "shop-denhaag"), /*need_key=*/true);
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  const OrgSession& session = **opened;
  // A portal recipient's reply, as `ketenpoort open` decrypted it: one inline file.
  const std::string text = "Ik kan dinsdag om 10 uur.";
  const std::string document = json{{"body", "Zie bijlage."},
                                    {"attachments",
                                     {{{"name", "antwoord.txt"},
                                       {"type", "text/plain"},
                                       {"data", crypto::Base64Encode(AsBytes(text))}}}}}
                                   .dump();
  const ByteView content = AsBytes(document);
  const std::string replies = dep->dir() + "/replies";
  ASSERT_EQ(::mkdir(replies.c_str(), 0700), 0);

  auto save = [&]() -> Result<std::vector<std::string>> {
    KP_ASSIGN_OR_RETURN(std::vector<std::string> saved,
                        SaveAttachments(session, "m-0f3a", content, replies));
    return saved;  // {"replies/antwoord.txt", ...}
  };
  auto saved = save();
  ASSERT_TRUE(saved.ok()) << saved.error().ToString();
  EXPECT_EQ(*saved, std::vector<std::string>{replies + "/antwoord.txt"});
  EXPECT_EQ(testing::ReadFileOrEmpty(replies + "/antwoord.txt"), text);
  struct stat st {};
  ASSERT_EQ(::stat((replies + "/antwoord.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // Every file is new: saving again is refused, and the first file is left as it was.
  auto again = save();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "file_exists");
  EXPECT_EQ(testing::ReadFileOrEmpty(replies + "/antwoord.txt"), text);
}

// gateway/cli/backup_archive.h
TEST(CliExamples, BackupArchive) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/kp.backup";
  const std::string snapshot_path = dir.path() + "/snapshot.db";
  const std::string blob_id = "b-0123456789abcdef0123456789abcdef";
  const std::string blob_path = dir.path() + "/" + blob_id;
  { std::ofstream(snapshot_path) << "synthetic database bytes"; }
  { std::ofstream(blob_path) << "synthetic ciphertext"; }
  const std::int64_t now = 1'795'326'001'000;
  auto run = [&]() -> Status {
    BackupManifest m{.gateway_id = "gw-a", .schema_version = 12, .created_ms = now};
    KP_ASSIGN_OR_RETURN(
        m, WriteBackupArchive(path, std::move(m),
                              {{"database", snapshot_path}, {"blobs/" + blob_id, blob_path}}));
    EXPECT_EQ(m.files.size(), 2u);
    KP_ASSIGN_OR_RETURN(BackupArchiveReader r, BackupArchiveReader::OpenVerified(path));
    EXPECT_EQ(r.manifest().gateway_id, "gw-a");
    EXPECT_EQ(r.manifest().files[1].name, "blobs/" + blob_id);
    KP_ASSIGN_OR_RETURN(io::StagedFile staged_database,
                        io::StagedFile::Create(dir.path() + "/restored.db", 0600));
    KP_RETURN_IF_ERROR(r.CopyTo(0, staged_database));  // r.manifest().files[0]
    return staged_database.Commit();
  };
  Status s = run();
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(testing::ReadFileOrEmpty(dir.path() + "/restored.db"), "synthetic database bytes");
}

// gateway/cli/flags.h
TEST(CliExamples, Flags) {
  Flags flags("init", "Creates a deployment in DIR.",
              {
                  {"dir", "DIR", "folder to create the deployment in", Flag::kRequired},
                  {"demo", "", "add the demo organisations, keys and tokens"},
                  {"port", "N", "HTTPS port (default 8443)"},
              });
  Argv argv({"--dir", "d", "--demo", "--port=9443"});
  auto parsed = flags.Parse(argv.argc(), argv.argv());  // after the subcommand
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->Get("dir"), "d");
  EXPECT_TRUE(parsed->Has("demo"));
  EXPECT_EQ(parsed->GetAll("port"), std::vector<std::string>{"9443"});

  auto message = [&](std::vector<std::string> args) {
    Argv a(std::move(args));
    auto p = flags.Parse(a.argc(), a.argv());
    return p.ok() ? std::string("parsed") : p.error().message;
  };
  EXPECT_EQ(message({"--dir", "d", "--colour"}), "unknown option '--colour'");
  EXPECT_EQ(message({"--dir"}), "--dir needs a value");
  EXPECT_EQ(message({"--demo"}), "--dir is required");

  Argv help({"--demo", "--help"});  // anywhere, and before the required --dir is missed
  auto asked = flags.Parse(help.argc(), help.argv());
  ASSERT_TRUE(asked.ok());
  EXPECT_TRUE(asked->help_requested());
  EXPECT_NE(flags.Usage().find("folder to create the deployment in"), std::string::npos)
      << flags.Usage();
}

// gateway/cli/list_args.h
TEST(CliExamples, ListArgs) {
  EXPECT_EQ(ParseKeyValueList("region=GM0599,age_band=minor", "--routing").value(),
            (std::map<std::string, std::string>{{"age_band", "minor"}, {"region", "GM0599"}}));
  auto missing_value = ParseKeyValueList("region", "--routing");
  ASSERT_FALSE(missing_value.ok());
  EXPECT_EQ(missing_value.error().code, "invalid_key_value_list");
  EXPECT_EQ(missing_value.error().field, "--routing");
  EXPECT_EQ(ParseOrgList("comensha,ind", "--to").value(),
            (std::vector<std::string>{"comensha", "ind"}));
  auto empty_item = ParseOrgList("comensha,,ind", "--to");
  ASSERT_FALSE(empty_item.ok());
  EXPECT_EQ(empty_item.error().code, "invalid_org_list");
  EXPECT_EQ(empty_item.error().field, "--to");
}

// gateway/cli/client_pseudonym.h
TEST(CliExamples, ClientPseudonym) {
  auto dep = testing::Deployment::Create();  // init --demo made every organisation's secret
  auto config = config::LoadGatewayConfig(dep->config_path());
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  auto ref = ClientPseudonym(*config, "shop-denhaag", "2026-0042", /*secret_file=*/"");
  ASSERT_TRUE(ref.ok()) << ref.error().ToString();
  EXPECT_TRUE(IsPseudonym(*ref));
  EXPECT_EQ(*ClientPseudonym(*config, "shop-denhaag", "2026-0042", ""), *ref);
  EXPECT_EQ(DefaultPseudonymSecretFile(*config, "shop-denhaag"),
            dep->dir() + "/certs/shop-denhaag.pseudonym.key");
  auto absent = ClientPseudonym(*config, "shop-denhaag", "2026-0042", dep->dir() + "/none.key");
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error().code, "file_not_found");
  EXPECT_EQ(absent.error().field, dep->dir() + "/none.key");
  auto spaced = ClientPseudonym(*config, "shop-denhaag", "20 26", "");
  ASSERT_FALSE(spaced.ok());
  EXPECT_EQ(spaced.error().field, "--client");
}

// gateway/cli/org_session.h
TEST(CliExamples, OrgSession) {
  auto dep = testing::Deployment::Create();
  testing::GatewayProcess gw(dep->config_path());
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
  testing::Sealer sealer(dep->dir());
  const json body = MinorSignal(sealer.SealBase64(
      "shop-denhaag", {"comensha", "meldpunt-rotterdam", "veilig-thuis-rotterdam", "shop-denhaag"},
      "synthetic signal"));
  const Bytes content = ToBytes(std::string("synthetic signal"));
  Flags flags("send", "Sends a message.", OrgSessionFlags());

  // What `send` does with its flags, up to the session's first uses.
  json accepted;
  Bytes signed_der;
  auto send = [&](std::vector<std::string> args) -> int {
    Argv argv(std::move(args));
    auto parsed = flags.Parse(argv.argc(), argv.argv());
    if (!parsed)
      return Fail(parsed.error());
    auto s = OrgSession::Open(OrgSessionOptions::FromFlags(*parsed), /*need_key=*/true);
    if (!s)
      return Fail(s.error());                                 // exit 2: bad config, token, key
    auto posted = (*s)->client().Post("/v1/messages", body);  // HTTPS to the gateway
    if (!posted)
      return FailProblem(posted.error());
    auto cms = (*s)->keyring().SignCms((*s)->key_id(), (*s)->certificate(), content);
    if (!cms)
      return FailProblem(cms.error());
    accepted = *posted;
    signed_der = *cms;
    return kExitOk;
  };

  // Everything comes from the deployment's folder: URL, CA, token, key and certificate.
  ASSERT_EQ(send({"--config", dep->config_path(), "--as", "shop-denhaag"}), kExitOk);
  EXPECT_EQ(accepted["status"], "accepted") << accepted.dump();
  EXPECT_EQ(accepted["recipients"].size(), 3u) << accepted.dump();
  EXPECT_FALSE(signed_der.empty());
  // An organisation without a token file: exit 2, before anything is sent.
  EXPECT_EQ(send({"--config", dep->config_path(), "--as", "nobody-here"}), kExitUsage);
  auto missing = OrgSession::Open(Options(*dep, "nobody-here"), /*need_key=*/true);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, dep->dir() + "/tokens/nobody-here.token");
  EXPECT_EQ(gw.Terminate(), 0);
}

// gateway/cli/payload_check.h
TEST(CliExamples, PayloadCheck) {
  // A referral whose second need is not a code of the `need` list.
  const std::string text =
      R"({"client_ref": "1f08c40c287ac474f3f3b0a4133bf082a9bb488d73524fff13b9ff39f75be697", "needs": ["shelter", "castle"], "urgency": "normal"})";
  Status checked = CheckPayload("referral", text, {{"exploitation", 1}},
                                /*has_legal_basis=*/false, "r.json");
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().kind, ErrorKind::kInvalidArgument);  // 400
  EXPECT_EQ(checked.error().code, "invalid_code");
  EXPECT_EQ(checked.error().field, "r.json: needs[1]");
  EXPECT_EQ(ParseCodeListFlag("exploitation=1").value(), (CodeListVersions{{"exploitation", 1}}));
}

}  // namespace
}  // namespace ketenpoort::cli
