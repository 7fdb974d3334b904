// Secure-mail attachments that are uploaded and downloaded as streams, on a real gateway with a
// real SMTP server on loopback: a 100 MB file sent with `ketenpoort send` (sealed while it is
// uploaded) and downloaded byte-identical through the portal with default limits, in gateway
// memory well below the file's size; the refusals that keep a sender from submitting what a
// recipient could not open; and the uploads' files going away on recall and when unclaimed.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "gateway/crypto/certificate.h"
#include "gateway/crypto/detached_envelope.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/hash.h"
#include "tests/e2e/servers/test_servers.h"
#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"
#include "tests/integration/securemail_mail.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kUploadTtlMs = 4000;
constexpr int kMaxConcurrentUploads = 2;

// `bytes` of deterministic, incompressible-looking data written to `path`; returns its SHA-256.
crypto::Digest WriteSyntheticFile(const std::string& path, std::uint64_t bytes) {
  std::ofstream out(path, std::ios::binary);
  crypto::Sha256Stream hash;
  std::vector<std::uint64_t> block(1 << 17);  // 1 MiB
  std::uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (std::uint64_t done = 0; done < bytes;) {
    for (auto& w : block) {  // xorshift64
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      w = x;
    }
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(bytes - done, 1 << 20));
    ByteView piece(reinterpret_cast<const std::uint8_t*>(block.data()), n);
    out.write(reinterpret_cast<const char*>(piece.data()), static_cast<std::streamsize>(n));
    hash.Update(piece);
    done += n;
  }
  return hash.Finish();
}

// A file sealed the way a sender's client seals an attachment (crypto/detached_envelope.h).
struct SealedFile {
  std::string ciphertext;
  std::string envelope_b64;
  std::string sha256_hex;
  std::size_t size = 0;
};

class SecureMailStreamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    smtp_ = new SmtpSink();
    ASSERT_TRUE(smtp_->Start()) << smtp_->error;
    dep_ = Deployment::Create().release();
    json config = json::parse(ReadFileOrEmpty(dep_->config_path()));
    config["smtp"] = {{"url", smtp_->url()}, {"from", "ketenpoort@example.org"}};
    config["portal"] = {{"base_url", dep_->url()}, {"worker_interval_ms", 50}};
    // Default body and attachment limits: a 100 MB attachment must pass with them as they are.
    config["limits"] = {{"upload_ttl_ms", kUploadTtlMs},
                        {"max_concurrent_uploads", kMaxConcurrentUploads}};
    std::ofstream(dep_->config_path()) << config.dump(2);
    gw_ = new GatewayProcess(dep_->config_path());
    ASSERT_TRUE(gw_->Start(dep_->port(), dep_->ca_path())) << gw_->error;
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(gw_->Terminate(), 0);
    CommandResult verify = RunKetenpoort({"audit", "verify", "--config", dep_->config_path()});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    delete gw_;
    delete dep_;
    delete smtp_;
  }

  static HttpsClient Client() { return HttpsClient(dep_->ca_path()); }
  static std::string BlobDir() { return dep_->db_path() + ".blobs"; }
  static std::size_t BlobFiles() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(BlobDir()))
      ++n;
    return n;
  }
  // Files of uploads still arriving (store/blob_store.h names them "tmp-...").
  static int TemporaryBlobFiles() {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(BlobDir()))
      n += e.path().filename().string().rfind("tmp-", 0) == 0;
    return n;
  }

  static crypto::Certificate Cert(const std::string& org) {
    auto chain = crypto::LoadPemChainFile(dep_->dir() + "/certs/" + org + ".cert.pem");
    EXPECT_TRUE(chain.ok() && !chain->empty());
    return chain->front();
  }

  static SealedFile Seal(const std::string& plaintext, const std::vector<std::string>& orgs) {
    std::vector<crypto::Certificate> certs;
    for (const auto& o : orgs)
      certs.push_back(Cert(o));
    auto sealer = crypto::DetachedSealer::Create(certs);
    EXPECT_TRUE(sealer.ok());
    SealedFile f;
    auto c = sealer->Update(AsBytes(plaintext));
    EXPECT_TRUE(c.ok());
    f.ciphertext.assign(c->begin(), c->end());
    auto done = sealer->Finish();
    EXPECT_TRUE(done.ok());
    f.ciphertext.append(done->ciphertext_tail.begin(), done->ciphertext_tail.end());
    f.envelope_b64 = crypto::Base64Encode(done->envelope_der);
    f.sha256_hex = crypto::HexEncode(crypto::Sha256(AsBytes(plaintext)));
    f.size = plaintext.size();
    return f;
  }

  static HttpResponse Upload(const std::string& bytes, const std::string& org = "shop-denhaag",
                             const std::string& type = "application/octet-stream") {
    return Client().Request("POST", dep_->url() + "/v1/attachments", bytes, dep_->Token(org),
                            {"Content-Type: " + type});
  }
  static std::string UploadId(const std::string& bytes, const std::string& org = "shop-denhaag") {
    auto r = Upload(bytes, org);
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body).value("attachment_id", "");
  }

  static json Entry(const std::string& name, const std::string& id, const SealedFile& f) {
    return {{"name", name},   {"type", "application/pdf"}, {"attachment_id", id},
            {"size", f.size}, {"sha256", f.sha256_hex},    {"envelope", f.envelope_b64}};
  }

  static HttpResponse Submit(const std::string& to, const json& attachments) {
    Sealer sealer(dep_->dir());
    json doc = {{"body", "Beste partner, zie bijlage."}, {"attachments", attachments}};
    json msg = {
        {"kind", "securemail"},
        {"recipients", json::array({{{"email", to}, {"verification", "email_code"}}})},
        {"payload", sealer.SealBase64("shop-denhaag", {"portal", "shop-denhaag"}, doc.dump())}};
    return Client().Post(dep_->url() + "/v1/messages", msg.dump(), dep_->Token("shop-denhaag"));
  }

  static json MailTo(const std::string& to, std::size_t count) {
    return testing::MailTo(*smtp_, to, count);
  }

  // Walks the portal as a browser would and returns the verified session cookie.
  static std::string VerifiedCookie(const std::string& link, const std::string& to) {
    auto page = Client().Request("GET", link, "", "", {});
    std::smatch m;
    std::string cookie, csrf;
    if (std::regex_search(page.headers["set-cookie"], m, std::regex("kp_portal=([^;]+)")))
      cookie = m[1];
    if (std::regex_search(page.body, m, std::regex("name=\"csrf\" value=\"([^\"]+)\"")))
      csrf = m[1];
    const std::vector<std::string> form = {"Content-Type: application/x-www-form-urlencoded",
                                           "Cookie: kp_portal=" + cookie};
    EXPECT_EQ(Client().Request("POST", link + "/code", "csrf=" + csrf, "", form).status, 303);
    const std::string text = MailTo(to, 2).value("text", "");
    EXPECT_TRUE(std::regex_search(text, m, std::regex("([0-9]{6})")));
    auto verified = Client().Request("POST", link + "/verify",
                                     "csrf=" + csrf + "&code=" + m[1].str(), "", form);
    EXPECT_EQ(verified.status, 303);
    if (std::regex_search(verified.headers["set-cookie"], m, std::regex("kp_portal=([^;]+)")))
      cookie = m[1];
    return cookie;
  }

  static SmtpSink* smtp_;
  static Deployment* dep_;
  static GatewayProcess* gw_;
};

SmtpSink* SecureMailStreamTest::smtp_ = nullptr;
Deployment* SecureMailStreamTest::dep_ = nullptr;
GatewayProcess* SecureMailStreamTest::gw_ = nullptr;

TEST_F(SecureMailStreamTest, AHundredMegabyteAttachmentGoesThroughInFlatMemory) {
  constexpr std::uint64_t kBytes = 100ull * 1000 * 1000;
  const std::string file = dep_->dir() + "/verslag-groot.pdf";
  const crypto::Digest original = WriteSyntheticFile(file, kBytes);
  { std::ofstream(dep_->dir() + "/body.txt") << "Beste partner, het verslag staat in de bijlage."; }
  const long rss_before = ProcessStatusKib(gw_->pid(), "VmRSS");
  const std::string to = "groot@example.org";

  const auto t0 = Clock::now();
  auto sent = RunKetenpoort({"send", "--config", dep_->config_path(), "--as", "shop-denhaag",
                             "--kind", "securemail", "--to", to, "--payload",
                             dep_->dir() + "/body.txt", "--attach", file});
  const auto t1 = Clock::now();
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  const std::string link = LinkIn(MailTo(to, 1));
  ASSERT_FALSE(link.empty());
  const std::string cookie = VerifiedCookie(link, to);
  auto page = Client().Request("GET", link, "", "", {"Cookie: kp_portal=" + cookie});
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("verslag-groot.pdf"), std::string::npos);
  EXPECT_NE(page.body.find("95.4 MB"), std::string::npos);  // 100,000,000 bytes in MiB

  const auto t2 = Clock::now();
  auto download =
      Client().Request("GET", link + "/files/0", "", "", {"Cookie: kp_portal=" + cookie});
  const auto t3 = Clock::now();
  ASSERT_EQ(download.status, 200) << download.error;
  EXPECT_EQ(download.headers["content-length"], std::to_string(kBytes));
  ASSERT_EQ(download.body.size(), kBytes);
  EXPECT_TRUE(crypto::ConstantTimeEqual(crypto::Sha256(AsBytes(download.body)), original))
      << "the download is not byte-identical";
  download.body.clear();
  download.body.shrink_to_fit();

  // The gateway never held the file: its peak resident memory stayed well below its size.
  const long peak = ProcessStatusKib(gw_->pid(), "VmHWM");
  ASSERT_GT(peak, 0);
  std::printf(
      "[ measure  ] 100 MB attachment: send (seal + upload + check + submit) %.2f s, "
      "download %.2f s; gateway RSS before %ld KiB, peak %ld KiB\n",
      std::chrono::duration<double>(t1 - t0).count(),
      std::chrono::duration<double>(t3 - t2).count(), rss_before, peak);
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed memory in quarantine and adds shadow memory: its figures say
  // nothing about ours. The bound is checked in the ordinary build (scripts/test.sh).
  std::printf("[ note     ] gateway memory bound not checked under AddressSanitizer\n");
#elif defined(__SANITIZE_THREAD__)
  // ThreadSanitizer's shadow memory lifts the baseline above the ordinary build's bound (73 MB
  // before the upload in one run); what it cannot hide is growth by the file's size.
  std::printf("[ note     ] under ThreadSanitizer the growth is bounded, not the peak\n");
  EXPECT_LT(peak - rss_before, 64 * 1024) << "gateway RSS growth (KiB) for a 100 MB attachment";
#else
  EXPECT_LT(peak, 64 * 1024) << "gateway peak RSS (KiB) for a 100 MB attachment";
#endif

  // Tracking shows the download by name, like any other.
  std::string out = sent.out;
  while (!out.empty() && out.back() == '\n')
    out.pop_back();
  const std::string id = out.substr(out.rfind('\n') + 1);  // `send` prints the id last
  auto tracked =
      Client().Get(dep_->url() + "/v1/messages/" + id + "/tracking", dep_->Token("shop-denhaag"));
  ASSERT_EQ(tracked.status, 200) << tracked.body;
  EXPECT_EQ(json::parse(tracked.body)["recipients"][0]["downloads"][0]["file"],
            "verslag-groot.pdf");
  std::filesystem::remove(file);
}

TEST_F(SecureMailStreamTest, UploadsAreRefusedWithoutTokenOrAsJson) {
  EXPECT_EQ(Client()
                .Request("POST", dep_->url() + "/v1/attachments", "x", "",
                         {"Content-Type: application/octet-stream"})
                .status,
            401);
  auto json_type = Upload("{}", "shop-denhaag", "application/json");
  EXPECT_EQ(json_type.status, 400);
  EXPECT_NE(json_type.body.find("unsupported_media_type"), std::string::npos);
  auto ok = Upload("ciphertext bytes");
  ASSERT_EQ(ok.status, 201) << ok.body;
  json answer = json::parse(ok.body);
  EXPECT_EQ(answer["size"], 16);
  EXPECT_EQ(answer["attachment_id"].get<std::string>().size(), 34u);
  EXPECT_TRUE(answer["expires"].is_string());
}

TEST_F(SecureMailStreamTest, UploadsBeyondTheConcurrentLimitAreTurnedAwayUntilOneEnds) {
  // Two slow uploads (curl, rate-limited, in the background) take both slots.
  const std::string file = dep_->dir() + "/langzaam.bin";
  WriteSyntheticFile(file, 2u * 1000 * 1000);
  const std::string curl = "curl -s -o /dev/null --cacert " + dep_->ca_path() +
                           " -H 'Authorization: Bearer " + dep_->Token("shop-denhaag") +
                           "' -H 'Content-Type: application/octet-stream' -H 'Expect:'" +
                           " --limit-rate 200K --max-time 20 --data-binary @" + file + " " +
                           dep_->url() + "/v1/attachments";
  const std::string pids = dep_->dir() + "/slow.pids";
  for (int i = 0; i < kMaxConcurrentUploads; ++i)
    ASSERT_EQ(RunShell(curl + " >/dev/null 2>&1 & echo $! >> " + pids).exit_code, 0);
  // An upload takes its slot before it opens its temporary file: one file each, both slots.
  ASSERT_TRUE(WaitFor([&] { return TemporaryBlobFiles() == kMaxConcurrentUploads; },
                      std::chrono::seconds(10)));
  auto third = Upload("a third file");
  EXPECT_EQ(third.status, 503) << third.body;
  EXPECT_NE(third.body.find("too_many_uploads"), std::string::npos) << third.body;
  RunShell("kill $(cat " + pids + ") 2>/dev/null; true");
  // Cut off, the slow uploads give their slots back.
  HttpResponse later;
  WaitFor(
      [&] {
        later = Upload("a later file");
        return later.status != 503;
      },
      std::chrono::seconds(10));
  EXPECT_EQ(later.status, 201) << later.body;
  std::filesystem::remove(file);
}

TEST_F(SecureMailStreamTest, SubmissionsARecipientCouldNotOpenAreRefusedAndChangeNothing) {
  const std::string plain = "Verslag stuurgroep, synthetisch.";
  const SealedFile good = Seal(plain, {"portal", "shop-denhaag"});
  const std::size_t files_before = BlobFiles();

  struct Case {
    const char* name;
    json attachments;
    const char* code;
  };
  const std::string id_unknown = "b-00000000000000000000000000000000";
  const std::string id_other_org = UploadId(good.ciphertext, "comensha");
  SealedFile wrong_hash = good;
  wrong_hash.sha256_hex = crypto::HexEncode(crypto::Sha256(AsBytes("something else")));
  SealedFile wrong_size = good;
  wrong_size.size = good.size + 1;
  const SealedFile for_outsider = Seal(plain, {"portal", "comensha"});
  const SealedFile not_for_portal = Seal(plain, {"shop-denhaag"});
  const SealedFile other = Seal(plain, {"portal", "shop-denhaag"});  // another key and nonce
  std::string tampered = good.ciphertext;
  tampered[3] ^= 0x01;

  std::vector<Case> cases = {
      {"unknown id", json::array({Entry("a.pdf", id_unknown, good)}), "attachment_unknown"},
      {"another organisation's upload", json::array({Entry("a.pdf", id_other_org, good)}),
       "attachment_unknown"},
      {"signed hash differs", json::array({Entry("a.pdf", UploadId(good.ciphertext), wrong_hash)}),
       "attachment_mismatch"},
      {"signed size differs", json::array({Entry("a.pdf", UploadId(good.ciphertext), wrong_size)}),
       "attachment_mismatch"},
      {"tampered upload", json::array({Entry("a.pdf", UploadId(tampered), good)}),
       "attachment_mismatch"},
      {"another file's envelope", json::array({Entry("a.pdf", UploadId(good.ciphertext), other)}),
       "attachment_mismatch"},
      {"envelope also for an outsider",
       json::array({Entry("a.pdf", UploadId(for_outsider.ciphertext), for_outsider)}),
       "envelope_recipient_mismatch"},
      {"envelope not for the portal",
       json::array({Entry("a.pdf", UploadId(not_for_portal.ciphertext), not_for_portal)}),
       "envelope_recipient_mismatch"},
  };
  for (const Case& c : cases) {
    auto r = Submit("geweigerd@example.org", c.attachments);
    EXPECT_EQ(r.status, 422) << c.name << ": " << r.body;
    EXPECT_NE(r.body.find(c.code), std::string::npos) << c.name << ": " << r.body;
  }
  // No upload was claimed (each one can still be used once).
  EXPECT_EQ(BlobFiles(), files_before + 7);  // the seven uploads above, all kept

  // The good one is accepted once; a second message cannot take the same upload.
  const std::string id = UploadId(good.ciphertext);
  auto first = Submit("geweigerd-niet@example.org", json::array({Entry("a.pdf", id, good)}));
  EXPECT_EQ(first.status, 202) << first.body;
  auto second = Submit("geweigerd-niet@example.org", json::array({Entry("a.pdf", id, good)}));
  EXPECT_EQ(second.status, 422) << second.body;
  EXPECT_NE(second.body.find("attachment_unknown"), std::string::npos);
  // Nothing went out for the refused ones: the worker mails in the order of submission, and the
  // accepted message, submitted after them, has its mail.
  MailTo("geweigerd-niet@example.org", 1);
  for (const json& m : smtp_->Received())
    EXPECT_NE(m["rcpt_to"][0], "geweigerd@example.org");
}

TEST_F(SecureMailStreamTest, AnAnsweredUploadSurvivesKill9AndStrayFilesAreSwept) {
  const std::string plain = "Rapportage, synthetisch.";
  const SealedFile f = Seal(plain, {"portal", "shop-denhaag"});
  const std::string id = UploadId(f.ciphertext);  // 201: on disk and recorded
  // A file no row names, as a crash between writing a blob and recording it leaves behind.
  const std::string stray = BlobDir() + "/b-0123456789abcdef0123456789abcdef";
  std::ofstream(stray) << "left over";
  gw_->Kill9();
  ASSERT_TRUE(gw_->Start(dep_->port(), dep_->ca_path())) << gw_->error;
  EXPECT_FALSE(std::filesystem::exists(stray)) << "the start-up sweep removes it";
  EXPECT_TRUE(std::filesystem::exists(BlobDir() + "/" + id));
  auto sent = Submit("na-herstart@example.org", json::array({Entry("rapport.pdf", id, f)}));
  EXPECT_EQ(sent.status, 202) << sent.body;
}

TEST_F(SecureMailStreamTest, RecallAndStaleUploadsDeleteTheFiles) {
  const std::string plain = "Intakeverslag, synthetisch.";
  const SealedFile f = Seal(plain, {"portal", "shop-denhaag"});
  const std::string kept = UploadId(f.ciphertext);
  const std::string stale = UploadId(f.ciphertext);
  auto sent = Submit("terug@example.org", json::array({Entry("intake.pdf", kept, f)}));
  ASSERT_EQ(sent.status, 202) << sent.body;
  const std::string id = json::parse(sent.body)["id"];
  ASSERT_TRUE(std::filesystem::exists(BlobDir() + "/" + kept));

  auto recalled = Client().Post(dep_->url() + "/v1/messages/" + id + "/recall", "{}",
                                dep_->Token("shop-denhaag"));
  ASSERT_EQ(recalled.status, 200) << recalled.body;
  // Both files go: the recalled message's at once (the worker's next round), the unclaimed
  // one after upload_ttl_ms.
  WaitFor(
      [&] {
        return !std::filesystem::exists(BlobDir() + "/" + kept) &&
               !std::filesystem::exists(BlobDir() + "/" + stale);
      },
      std::chrono::milliseconds(kUploadTtlMs + 5000));
  EXPECT_FALSE(std::filesystem::exists(BlobDir() + "/" + kept));
  EXPECT_FALSE(std::filesystem::exists(BlobDir() + "/" + stale));
  // A stale upload can no longer be used.
  auto late = Submit("terug@example.org", json::array({Entry("intake.pdf", stale, f)}));
  EXPECT_EQ(late.status, 422);
  EXPECT_NE(late.body.find("attachment_unknown"), std::string::npos);
}

TEST_F(SecureMailStreamTest, ReplyFilesAreSealedAsTheyArriveAndOpenWithTheCli) {
  const std::string to = "antwoord@example.org";
  auto sent = Submit(to, json::array());
  ASSERT_EQ(sent.status, 202) << sent.body;
  const std::string id = json::parse(sent.body)["id"];
  const std::string link = LinkIn(MailTo(to, 1));
  const std::string cookie = VerifiedCookie(link, to);
  auto page = Client().Request("GET", link, "", "", {"Cookie: kp_portal=" + cookie});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(page.body, m, std::regex("data-csrf=\"([^\"]+)\"")));
  const std::string csrf = m[1];

  // A 20 MB file, as the portal's script sends it: raw bytes, the CSRF token in a header.
  const std::string file = dep_->dir() + "/scan-antwoord.pdf";
  const crypto::Digest original = WriteSyntheticFile(file, 20u * 1000 * 1000);
  const std::string bytes = ReadFileOrEmpty(file);
  const std::vector<std::string> headers = {"Content-Type: application/octet-stream",
                                            "Cookie: kp_portal=" + cookie};
  // (Refused before the body is read; a small body, so that the client reads the answer
  // rather than finding the connection cut after the server's drain allowance.)
  const std::string small(1024, 'x');
  EXPECT_EQ(Client().Request("POST", link + "/files", small, "", headers).status, 403)
      << "without the CSRF token";
  EXPECT_EQ(Client()
                .Request("POST", link + "/files", small, "",
                         {"Content-Type: application/octet-stream", "X-CSRF-Token: " + csrf})
                .status,
            403)
      << "without the session";
  std::vector<std::string> with_csrf = headers;
  with_csrf.push_back("X-CSRF-Token: " + csrf);
  auto uploaded = Client().Request("POST", link + "/files", bytes, "", with_csrf);
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  json a = json::parse(uploaded.body);
  EXPECT_EQ(a["size"], 20u * 1000 * 1000);
  EXPECT_EQ(a["sha256"], crypto::HexEncode(original));
  // The stored blob is ciphertext, not the file.
  const std::string stored =
      ReadFileOrEmpty(BlobDir() + "/" + a["attachment_id"].get<std::string>());
  ASSERT_EQ(stored.size(), bytes.size());
  EXPECT_NE(stored, bytes);

  json reply = {{"body", "Hierbij de scan."},
                {"attachments", json::array({{{"name", "scan-antwoord.pdf"},
                                              {"type", "application/pdf"},
                                              {"attachment_id", a["attachment_id"]},
                                              {"size", a["size"]},
                                              {"sha256", a["sha256"]},
                                              {"envelope", a["envelope"]}}})}};
  auto posted = Client().Request(
      "POST", link + "/reply", reply.dump(), "",
      {"Content-Type: application/json", "X-CSRF-Token: " + csrf, "Cookie: kp_portal=" + cookie});
  ASSERT_EQ(posted.status, 202) << posted.body;
  const std::string reply_id = json::parse(posted.body)["id"];
  // The same upload cannot go into a second reply.
  auto again = Client().Request(
      "POST", link + "/reply", reply.dump(), "",
      {"Content-Type: application/json", "X-CSRF-Token: " + csrf, "Cookie: kp_portal=" + cookie});
  EXPECT_EQ(again.status, 422) << again.body;

  // Only the organisation the reply went to gets the ciphertext.
  const std::string path =
      "/v1/messages/" + reply_id + "/attachments/" + a["attachment_id"].get<std::string>();
  EXPECT_EQ(Client().Get(dep_->url() + path, dep_->Token("comensha")).status, 404);
  auto cipher = Client().Get(dep_->url() + path, dep_->Token("shop-denhaag"));
  ASSERT_EQ(cipher.status, 200);
  EXPECT_EQ(cipher.body, stored);

  // `ketenpoort open --save-attachments` fetches, decrypts and checks it.
  const std::string folder = dep_->dir() + "/ontvangen";
  std::filesystem::create_directory(folder);
  auto opened =
      RunKetenpoort({"open", "--config", dep_->config_path(), "--as", "shop-denhaag", reply_id,
                     "--out", folder + "/antwoord.json", "--save-attachments", folder});
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  EXPECT_NE(opened.err.find("saved " + folder + "/scan-antwoord.pdf"), std::string::npos)
      << opened.err;
  EXPECT_TRUE(crypto::ConstantTimeEqual(
      crypto::Sha256(AsBytes(ReadFileOrEmpty(folder + "/scan-antwoord.pdf"))), original));
  EXPECT_FALSE(std::filesystem::exists(folder + "/scan-antwoord.pdf.part"));
  // A second run refuses to overwrite, before writing anything.
  auto twice = RunKetenpoort({"open", "--config", dep_->config_path(), "--as", "shop-denhaag",
                              reply_id, "--save-attachments", folder});
  EXPECT_EQ(twice.exit_code, 1) << twice.err;
  EXPECT_NE(twice.err.find("file_exists"), std::string::npos) << twice.err;

  json t = json::parse(
      Client()
          .Get(dep_->url() + "/v1/messages/" + id + "/tracking", dep_->Token("shop-denhaag"))
          .body);
  EXPECT_TRUE(t["recipients"][0]["replied"].is_string());
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace ketenpoort::testing
