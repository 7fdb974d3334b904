// The audit trail over HTTPS and the command line on a real demo gateway: "who opened my file"
// for an auditor (JSON and a readable Dutch or English account), the signed checkpoint, and
// RFC 6962 proofs checked here by a few independent lines on OpenSSL's SHA-256 and the
// `openssl` tool, not by the code that made them.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;
using Hash = std::vector<unsigned char>;

// --- independent RFC 9162 verification (section 2.1.3.2 and 2.1.4.2) ---------------------

Hash B64(const std::string& text) {
  Hash out(text.size());
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  EXPECT_GE(n, 0);
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  while (!text.empty() && text.back() == '=' && !out.empty() && text.size() >= 2) {
    out.pop_back();  // EVP_DecodeBlock keeps the padding's zero bytes
    if (text[text.size() - 2] != '=')
      break;
    if (!out.empty())
      out.pop_back();
    break;
  }
  return out;
}

Hash Node(const Hash& left, const Hash& right) {
  Hash in{0x01};
  in.insert(in.end(), left.begin(), left.end());
  in.insert(in.end(), right.begin(), right.end());
  Hash out(SHA256_DIGEST_LENGTH);
  SHA256(in.data(), in.size(), out.data());
  return out;
}

std::vector<Hash> Hashes(const json& list) {
  std::vector<Hash> out;
  for (const auto& h : list)
    out.push_back(B64(h.get<std::string>()));
  return out;
}

bool InclusionHolds(std::uint64_t index, std::uint64_t size, Hash hash,
                    const std::vector<Hash>& proof, const Hash& root) {
  if (index >= size)
    return false;
  std::uint64_t fn = index, sn = size - 1;
  for (const Hash& p : proof) {
    if (sn == 0)
      return false;
    if ((fn & 1) || fn == sn) {
      hash = Node(p, hash);
      if (!(fn & 1))
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      hash = Node(hash, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && hash == root;
}

bool ConsistencyHolds(std::uint64_t first, std::uint64_t second, const Hash& first_root,
                      const Hash& second_root, std::vector<Hash> proof) {
  if (first == second)
    return proof.empty() && first_root == second_root;
  if (first == 0 || first > second || proof.empty())
    return false;
  if ((first & (first - 1)) == 0)  // a power of two: the old root starts the path
    proof.insert(proof.begin(), first_root);
  std::uint64_t fn = first - 1, sn = second - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = proof[0], sr = proof[0];
  for (std::size_t i = 1; i < proof.size(); ++i) {
    if (sn == 0)
      return false;
    if ((fn & 1) || fn == sn) {
      fr = Node(proof[i], fr);
      sr = Node(proof[i], sr);
      if (!(fn & 1))
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      sr = Node(sr, proof[i]);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == first_root && sr == second_root;
}

// --- the gateway --------------------------------------------------------------------------

class AuditApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dep_ = Deployment::Create().release();
    gw_ = new GatewayProcess(dep_->config_path());
    ASSERT_TRUE(gw_->Start(dep_->port(), dep_->ca_path())) << gw_->error;
    // A signal about one client from shop-denhaag that CoMensha opens.
    Sealer sealer(dep_->dir());
    json body = {
        {"kind", "signal"},
        {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
        {"subject_ref", kClient},
        {"legal_basis", "consent"},
        {"payload",
         sealer.SealBase64("shop-denhaag", {"comensha", "politie-avim-haaglanden", "shop-denhaag"},
                           "synthetic signal")}};
    auto r = HttpsClient(dep_->ca_path())
                 .Post(dep_->url() + "/v1/messages", body.dump(), dep_->Token("shop-denhaag"));
    ASSERT_EQ(r.status, 202) << r.body;
    id_ = json::parse(r.body)["id"];
    ASSERT_EQ(HttpsClient(dep_->ca_path())
                  .Get(dep_->url() + "/v1/messages/" + id_, dep_->Token("comensha"))
                  .status,
              200);
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(gw_->Terminate(), 0);
    delete gw_;
    delete dep_;
  }
  static std::string AuditorToken() { return dep_->AuditorToken(); }
  static HttpResponse Get(const std::string& path, const std::string& token) {
    return HttpsClient(dep_->ca_path()).Get(dep_->url() + path, token);
  }

  static constexpr const char* kClient =
      "cde99ddf4f198ba77e9a2119eebf2efbcbab62d8e66a745b015fb545356d9998";
  static Deployment* dep_;
  static GatewayProcess* gw_;
  static std::string id_;
};

Deployment* AuditApiTest::dep_ = nullptr;
GatewayProcess* AuditApiTest::gw_ = nullptr;
std::string AuditApiTest::id_;

TEST_F(AuditApiTest, AnAuditorSeesWhoOpenedTheClientsFile) {
  auto r = Get(std::string("/v1/audit?subject_ref=") + kClient, AuditorToken());
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> events;
  bool comensha_opened = false;
  const json body = json::parse(r.body);
  for (const auto& e : body["entries"]) {
    events.push_back(e["event"]);
    EXPECT_EQ(e["subject_ref"], kClient);
    if (e["event"] == "open" && e["organisation"] == "comensha") {
      comensha_opened = true;
      EXPECT_EQ(e["object"], id_);
      EXPECT_EQ(e["authorisation_basis"], "consent");
      EXPECT_EQ(e["outcome"], "success");
    }
  }
  EXPECT_TRUE(comensha_opened) << r.body;
  EXPECT_EQ(events.front(), "submit");
  EXPECT_EQ(std::count(events.begin(), events.end(), "deliver"), 2);

  auto nl =
      Get(std::string("/v1/audit?format=text&lang=nl&subject_ref=") + kClient, AuditorToken());
  ASSERT_EQ(nl.status, 200);
  EXPECT_NE(nl.body.find("comensha (coördinator) heeft bericht geopend: " + id_ +
                         " op grond van toestemming"),
            std::string::npos)
      << nl.body;
  auto en = Get(std::string("/v1/audit?format=text&subject_ref=") + kClient, AuditorToken());
  EXPECT_NE(en.body.find("opened message " + id_), std::string::npos) << en.body;
}

TEST_F(AuditApiTest, OnlyAuditorsReadTheTrailAndOnlyForTheirOwnOrganisation) {
  EXPECT_EQ(Get("/v1/audit", dep_->Token("shop-denhaag")).status, 403);
  EXPECT_EQ(Get("/v1/audit?org=comensha", AuditorToken()).status, 403);
  EXPECT_EQ(Get("/v1/audit?from=yesterday", AuditorToken()).status, 400);
  // Reading is itself an entry that names whose file was asked about.
  ASSERT_EQ(Get(std::string("/v1/audit?subject_ref=") + kClient, AuditorToken()).status, 200);
  auto r = Get("/v1/audit", AuditorToken());
  ASSERT_EQ(r.status, 200);
  json entries = json::parse(r.body)["entries"];
  bool read_logged = false;
  for (const auto& e : entries)
    read_logged = read_logged || (e["event"] == "audit_read" && e["subject_ref"] == kClient);
  EXPECT_TRUE(read_logged);
}

TEST_F(AuditApiTest, ProofsHoldUnderIndependentVerificationAgainstTheSignedCheckpoint) {
  auto cp = Get("/v1/audit/checkpoint", dep_->Token("comensha"));
  ASSERT_EQ(cp.status, 200) << cp.body;
  json head = json::parse(cp.body);
  const std::uint64_t size = head["size"];
  ASSERT_GE(size, 2u);
  const Hash root = B64(head["root"]);

  // The checkpoint's signature, checked by the openssl tool over the documented 72 bytes.
  TempDir tmp;
  std::string tbs = "ketenpoort-tree-head-v1\n";
  std::int64_t time_ms = 0;
  {
    std::string t = head["time"];  // find the time_ms back through the API's own JSON
    auto probe = RunShell("date -u -d '" + t.substr(0, 19) + "Z' +%s");
    time_ms = std::stoll(probe.out) * 1000 + std::stoll(t.substr(20, 3));
  }
  for (int i = 7; i >= 0; --i)
    tbs.push_back(static_cast<char>((size >> (8 * i)) & 0xff));
  for (int i = 7; i >= 0; --i)
    tbs.push_back(static_cast<char>((static_cast<std::uint64_t>(time_ms) >> (8 * i)) & 0xff));
  tbs.append(root.begin(), root.end());
  ASSERT_EQ(tbs.size(), 72u);
  std::ofstream(tmp.path() + "/tbs", std::ios::binary) << tbs;
  Hash sig = B64(head["signature"]);
  std::ofstream(tmp.path() + "/sig", std::ios::binary)
      .write(reinterpret_cast<const char*>(sig.data()), static_cast<std::streamsize>(sig.size()));
  auto pub =
      RunShell("openssl x509 -in " + dep_->dir() + "/certs/gateway.cert.pem -pubkey -noout > " +
               tmp.path() + "/pub.pem && openssl dgst -sha256 -verify " + tmp.path() +
               "/pub.pem -signature " + tmp.path() + "/sig " + tmp.path() + "/tbs");
  EXPECT_EQ(pub.exit_code, 0) << pub.out << pub.err;

  const std::string peer = AuditorToken();
  for (std::uint64_t seq = 1; seq <= size; ++seq) {
    auto r = Get(
        "/v1/audit/proof/inclusion?seq=" + std::to_string(seq) + "&size=" + std::to_string(size),
        peer);
    ASSERT_EQ(r.status, 200) << r.body;
    json p = json::parse(r.body);
    EXPECT_EQ(B64(p["root"]), root);
    EXPECT_TRUE(InclusionHolds(seq - 1, size, B64(p["leaf_hash"]), Hashes(p["proof"]), root))
        << "seq " << seq;
    // A changed leaf must not verify.
    Hash forged = B64(p["leaf_hash"]);
    forged[0] ^= 1;
    EXPECT_FALSE(InclusionHolds(seq - 1, size, forged, Hashes(p["proof"]), root));
  }
  for (std::uint64_t first = 1; first <= size; ++first) {
    auto r = Get("/v1/audit/proof/consistency?first=" + std::to_string(first) +
                     "&second=" + std::to_string(size),
                 peer);
    ASSERT_EQ(r.status, 200) << r.body;
    json p = json::parse(r.body);
    EXPECT_EQ(B64(p["second_root"]), root);
    EXPECT_TRUE(ConsistencyHolds(first, size, B64(p["first_root"]), root, Hashes(p["proof"])))
        << "first " << first;
    Hash other = B64(p["first_root"]);
    other[5] ^= 1;
    EXPECT_FALSE(ConsistencyHolds(first, size, other, root, Hashes(p["proof"])) && first != size);
  }
  EXPECT_EQ(Get("/v1/audit/proof/inclusion?seq=1&size=99999999", peer).status, 400);
  EXPECT_EQ(Get("/v1/audit/proof/inclusion?seq=1&size=1", dep_->Token("comensha")).status, 403);
}

TEST_F(AuditApiTest, TheCommandLineExportsJsonLinesAndTellsTheStoryInDutch) {
  auto exported =
      RunKetenpoort({"audit", "export", "--config", dep_->config_path(), "--subject", kClient});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  int lines = 0;
  std::size_t pos = 0;
  while (pos < exported.out.size()) {
    std::size_t end = exported.out.find('\n', pos);
    json e = json::parse(exported.out.substr(pos, end - pos));
    EXPECT_EQ(e["subject_ref"], kClient);
    EXPECT_EQ(e["chain_hash"].get<std::string>().size(), 64u);
    ++lines;
    pos = end + 1;
  }
  EXPECT_GE(lines, 4);  // submit, two deliveries, the open
  auto view = RunKetenpoort(
      {"audit", "view", "--config", dep_->config_path(), "--subject", kClient, "--lang", "nl"});
  ASSERT_EQ(view.exit_code, 0) << view.err;
  EXPECT_NE(view.out.find("heeft bericht geopend: " + id_), std::string::npos) << view.out;
  EXPECT_EQ(
      RunKetenpoort({"audit", "view", "--config", dep_->config_path(), "--lang", "fr"}).exit_code,
      2);
  auto verify = RunKetenpoort({"audit", "verify", "--config", dep_->config_path()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

TEST_F(AuditApiTest, TheCommandLineGivesTheSameProofsAsTheApi) {
  auto head = json::parse(Get("/v1/audit/checkpoint", dep_->Token("comensha")).body);
  const std::string size = std::to_string(head["size"].get<std::uint64_t>());
  auto api = json::parse(Get("/v1/audit/proof/inclusion?seq=2&size=" + size, AuditorToken()).body);
  auto cli = RunKetenpoort(
      {"audit", "prove", "--config", dep_->config_path(), "--seq", "2", "--size", size});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(json::parse(cli.out), api);
  auto api_c =
      json::parse(Get("/v1/audit/proof/consistency?first=1&second=" + size, AuditorToken()).body);
  auto cli_c = RunKetenpoort(
      {"audit", "prove", "--config", dep_->config_path(), "--first", "1", "--second", size});
  ASSERT_EQ(cli_c.exit_code, 0) << cli_c.err;
  EXPECT_EQ(json::parse(cli_c.out), api_c);
  EXPECT_EQ(
      RunKetenpoort({"audit", "prove", "--config", dep_->config_path(), "--seq", "x"}).exit_code,
      2);
  EXPECT_EQ(
      RunKetenpoort({"audit", "prove", "--config", dep_->config_path(), "--first", "1"}).exit_code,
      2);
}

TEST(AuditKeyChangeTest, ARekeyIsAnAuditEntryAndTheTrailStillVerifies) {
  auto dep = Deployment::Create();
  TempDir tmp;
  const std::string key = tmp.path() + "/new.key";
  ASSERT_EQ(RunShell("openssl rand -hex 32 > " + key + " && chmod 600 " + key).exit_code, 0);
  auto rekey = RunKetenpoort({"rekey", "--config", dep->config_path(), "--new-key", key});
  ASSERT_EQ(rekey.exit_code, 0) << rekey.err;
  auto exported = RunKetenpoort({"audit", "export", "--config", dep->config_path()});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.out.find("\"event\":\"key_change\""), std::string::npos) << exported.out;
  EXPECT_EQ(exported.out.find(ReadFileOrEmpty(key).substr(0, 16)), std::string::npos);
  EXPECT_EQ(RunKetenpoort({"audit", "verify", "--config", dep->config_path()}).exit_code, 0);
}

TEST(AuditCheckpointTest, TheGatewaySignsHeadsAsTheTrailGrowsAndOnceMoreWhenStopped) {
  auto dep = Deployment::Create();
  json config = json::parse(ReadFileOrEmpty(dep->config_path()));
  config["audit"] = {{"checkpoint_every", 3}, {"checkpoint_interval_ms", 3600000}};
  std::ofstream(dep->config_path()) << config.dump(2);
  GatewayProcess gw(dep->config_path());
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
  HttpsClient client(dep->ca_path());
  auto size_now = [&]() -> std::uint64_t {
    auto r = client.Get(dep->url() + "/v1/audit/checkpoint", dep->Token("comensha"));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? json::parse(r.body)["size"].get<std::uint64_t>() : 0;
  };
  const std::uint64_t initial = size_now();
  // Each inbox read is an audit entry: six of them grow the trail past `checkpoint_every`.
  for (int i = 0; i < 6; ++i)
    ASSERT_EQ(client.Get(dep->url() + "/v1/inbox", dep->Token("comensha")).status, 200);
  std::uint64_t signed_size = initial;
  EXPECT_TRUE(WaitFor(
      [&] {
        signed_size = size_now();
        return signed_size >= initial + 3;
      },
      std::chrono::seconds(5)));
  EXPECT_GE(signed_size, initial + 3);
  // One more entry, then a clean stop: the last head covers the whole trail.
  ASSERT_EQ(client.Get(dep->url() + "/v1/inbox", dep->Token("comensha")).status, 200);
  EXPECT_EQ(gw.Terminate(), 0);
  auto verify = RunKetenpoort({"audit", "verify", "--config", dep->config_path()});
  ASSERT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  // "audit trail intact: N entries, head H (signed up to N)"
  const std::string& out = verify.out;
  std::string entries = out.substr(out.find("intact: ") + 8);
  entries = entries.substr(0, entries.find(' '));
  EXPECT_NE(out.find("(signed up to " + entries + ")"), std::string::npos) << out;
}

}  // namespace
}  // namespace ketenpoort::testing
