// Secure mail on a real gateway: submission over HTTPS, the notification mail captured by a
// real SMTP server on loopback (aiosmtpd), codes by mail and by SMS (a local provider), the
// portal's verification with lock-out, reading, downloading, replying, recall, re-send, and the
// sender's tracking of each step.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "gateway/crypto/encoding.h"
#include "tests/e2e/servers/test_servers.h"
#include "tests/harness/harness.h"
#include "tests/harness/prometheus_text.h"
#include "tests/harness/sealer.h"
#include "tests/integration/securemail_mail.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;

constexpr int kMaxAttempts = 3;

std::string B64(const std::string& s) {
  return crypto::Base64Encode(AsBytes(s));
}

// RFC 4648 base32 without padding, as the enrolment page shows the key (spaces ignored).
std::string Base32Decode(const std::string& text) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    const auto v = alphabet.find(c);
    if (v == std::string::npos)
      continue;
    buffer = (buffer << 5) | static_cast<unsigned>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

// The 6-digit RFC 6238 code of `secret` for 30-second step `step`, computed here with OpenSSL's
// HMAC-SHA1 and the RFC's truncation, independently of the gateway's TOTP code.
std::string TotpAt(const std::string& secret, std::int64_t step) {
  unsigned char counter[8];
  for (int i = 7; i >= 0; --i, step >>= 8)
    counter[i] = static_cast<unsigned char>(step & 0xff);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), counter, sizeof counter, mac,
       &len);
  const int offset = mac[len - 1] & 0x0f;
  const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                               (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                               (static_cast<std::uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  char code[8];
  std::snprintf(code, sizeof code, "%06u", binary % 1000000);
  return code;
}

std::int64_t CurrentStep() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() /
         30;
}

// What a browser keeps between requests of one link: the session cookie and the form token.
struct Browser {
  std::string cookie;
  std::string csrf;
};

class SecureMailTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    smtp_ = new SmtpSink();
    ASSERT_TRUE(smtp_->Start()) << smtp_->error;
    sms_ = new SmsProvider();
    ASSERT_TRUE(sms_->Start()) << sms_->error;
    dep_ = Deployment::Create().release();
    json config = json::parse(ReadFileOrEmpty(dep_->config_path()));
    config["smtp"] = {{"url", smtp_->url()}, {"from", "ketenpoort@example.org"}};
    config["sms"] = {{"url", sms_->url()}};
    config["portal"] = {{"base_url", dep_->url()},
                        {"max_attempts", kMaxAttempts},
                        {"worker_interval_ms", 50},
                        {"deadline_warning_ms", 3600000}};
    config["metrics"] = {{"allow_from", {"127.0.0.1"}}};
    std::ofstream(dep_->config_path()) << config.dump(2);
    gw_ = new GatewayProcess(dep_->config_path());
    ASSERT_TRUE(gw_->Start(dep_->port(), dep_->ca_path())) << gw_->error;
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(gw_->Terminate(), 0);
    // The trail with every secure-mail step of this process is intact.
    CommandResult verify = RunKetenpoort({"audit", "verify", "--config", dep_->config_path()});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    delete gw_;
    delete dep_;
    delete sms_;
    delete smtp_;
  }

  HttpsClient Client() const { return HttpsClient(dep_->ca_path()); }

  // The secure-mail document, signed by shop-denhaag and sealed to the portal and itself.
  std::string Payload(const std::string& body, const json& attachments = json::array()) {
    Sealer sealer(dep_->dir());
    json doc = {{"body", body}, {"attachments", attachments}};
    return sealer.SealBase64("shop-denhaag", {"portal", "shop-denhaag"}, doc.dump());
  }

  HttpResponse Submit(const json& body) {
    return Client().Post(dep_->url() + "/v1/messages", body.dump(), dep_->Token("shop-denhaag"));
  }

  std::string SubmitTo(const json& recipient, const std::string& body,
                       const json& attachments = json::array(), json extra = json::object()) {
    json msg = {{"kind", "securemail"},
                {"recipients", json::array({recipient})},
                {"subject", "Stuurgroep vertrouwelijk"},
                {"payload", Payload(body, attachments)}};
    msg.update(extra);
    auto r = Submit(msg);
    EXPECT_EQ(r.status, 202) << r.body;
    return json::parse(r.body).value("id", "");
  }

  // The newest mail to `to` once `count` mails to that address arrived.
  json MailTo(const std::string& to, std::size_t count) {
    return testing::MailTo(*smtp_, to, count);
  }

  HttpResponse Visit(const std::string& link, Browser& b) {
    std::vector<std::string> h;
    if (!b.cookie.empty())
      h.push_back("Cookie: kp_portal=" + b.cookie);
    auto r = Client().Request("GET", link, "", "", h);
    TakeCookie(r, b);
    std::smatch m;
    if (std::regex_search(r.body, m, std::regex("name=\"csrf\" value=\"([^\"]+)\"")) ||
        std::regex_search(r.body, m, std::regex("data-csrf=\"([^\"]+)\"")))
      b.csrf = m[1];
    return r;
  }
  HttpResponse Form(const std::string& url, const std::string& body, Browser& b) {
    auto r = Client().Request(
        "POST", url, body, "",
        {"Content-Type: application/x-www-form-urlencoded", "Cookie: kp_portal=" + b.cookie});
    TakeCookie(r, b);
    return r;
  }
  static void TakeCookie(const HttpResponse& r, Browser& b) {
    auto it = r.headers.find("set-cookie");
    if (it == r.headers.end())
      return;
    std::smatch m;
    if (std::regex_search(it->second, m, std::regex("kp_portal=([^;]+)")))
      b.cookie = m[1];
  }

  // A counter of kind securemail as GET /metrics shows it (no token from loopback).
  double Counted(const std::string& name) {
    auto r = Client().Get(dep_->url() + "/metrics");
    PromText t = ParsePrometheusText(r.body);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(t.error.empty()) << t.error;
    return t.Value(name, {{"kind", "securemail"}}).value_or(-1);
  }

  json Tracking(const std::string& id) {
    auto r =
        Client().Get(dep_->url() + "/v1/messages/" + id + "/tracking", dep_->Token("shop-denhaag"));
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  }

  static SmtpSink* smtp_;
  static SmsProvider* sms_;
  static Deployment* dep_;
  static GatewayProcess* gw_;
};

SmtpSink* SecureMailTest::smtp_ = nullptr;
SmsProvider* SecureMailTest::sms_ = nullptr;
Deployment* SecureMailTest::dep_ = nullptr;
GatewayProcess* SecureMailTest::gw_ = nullptr;

TEST_F(SecureMailTest, NotificationHasTheLinkAndNeverTheSubject) {
  const std::string to = "notify@example.org";
  std::string id = SubmitTo({{"email", to}, {"verification", "email_code"}}, "synthetic body");
  json mail = MailTo(to, 1);
  EXPECT_EQ(mail["subject"].get<std::string>().find("Stuurgroep"), std::string::npos);
  EXPECT_EQ(mail["text"].get<std::string>().find("Stuurgroep"), std::string::npos);
  EXPECT_EQ(mail["html"].get<std::string>().find("Stuurgroep"), std::string::npos);
  EXPECT_EQ(mail["content_type"], "multipart/alternative");
  const std::string link = LinkIn(mail);
  ASSERT_EQ(link.rfind(dep_->url() + "/m/", 0), 0u) << mail["text"];
  EXPECT_GE(link.size() - (dep_->url() + "/m/").size(), 43u);  // 256 bits in base64url
  EXPECT_NE(mail["text"].get<std::string>().find(dep_->url() + "/m/verify-gateway"),
            std::string::npos);
  EXPECT_NE(mail["html"].get<std::string>().find(link), std::string::npos);

  // The genuine-check page shows the fingerprint the mail quotes.
  auto page = Client().Get(dep_->url() + "/m/verify-gateway");
  ASSERT_EQ(page.status, 200);
  std::smatch fp;
  ASSERT_TRUE(std::regex_search(page.body, fp, std::regex("id=\"fingerprint\">([0-9A-F:]+)<")));
  EXPECT_NE(mail["text"].get<std::string>().find(fp[1].str()), std::string::npos);
  EXPECT_NE(page.headers["content-security-policy"].find("default-src 'self'"), std::string::npos);

  json t = Tracking(id);
  ASSERT_EQ(t["recipients"].size(), 1u);
  EXPECT_EQ(t["recipients"][0]["email"], to);
  EXPECT_TRUE(t["recipients"][0]["notified"].is_string()) << t.dump();
}

TEST_F(SecureMailTest, SubjectShownOnlyWhenTheSenderAsks) {
  const std::string to = "subject@example.org";
  SubmitTo({{"email", to}}, "x", json::array(), {{"show_subject", true}});
  EXPECT_EQ(MailTo(to, 1)["subject"], "Stuurgroep vertrouwelijk");
}

TEST_F(SecureMailTest, CodesLockOutThenANewCodeOpensDownloadsAndReplies) {
  const std::string to = "flow@example.org";
  const std::string pdf = std::string("%PDF-1.4\n") + std::string("\x00\x01\xff binary", 10);
  const std::string odt = std::string("PK\x03\x04 odt bytes \x00\xfe", 18);
  const double accepted_before = Counted("ketenpoort_messages_accepted_total");
  const double delivered_before = Counted("ketenpoort_messages_delivered_total");
  std::string id = SubmitTo(
      {{"email", to}, {"verification", "email_code"}}, "Beste partner,\nzie de stukken.",
      json::array({{{"name", "agenda.pdf"}, {"type", "application/pdf"}, {"data", B64(pdf)}},
                   {{"name", "notulen één.odt"},
                    {"type", "application/vnd.oasis.opendocument.text"},
                    {"data", B64(odt)}}}));
  const std::string link = LinkIn(MailTo(to, 1));
  Browser b;
  auto page = Visit(link, b);
  ASSERT_EQ(page.status, 200);
  ASSERT_FALSE(b.cookie.empty());
  EXPECT_NE(page.headers["set-cookie"].find("HttpOnly; Secure; SameSite=Strict"),
            std::string::npos);
  EXPECT_EQ(page.body.find("zie de stukken"), std::string::npos);  // not before verification

  // Without the CSRF token nothing happens.
  EXPECT_EQ(Form(link + "/code", "csrf=forged", b).status, 403);

  ASSERT_EQ(Form(link + "/code", "csrf=" + b.csrf, b).status, 303);
  std::string code = CodeIn(MailTo(to, 2)["text"]);
  ASSERT_EQ(code.size(), 6u);
  std::string wrong = code == "000000" ? "111111" : "000000";
  for (int i = 0; i < kMaxAttempts; ++i) {
    auto r = Form(link + "/verify", "csrf=" + b.csrf + "&code=" + wrong, b);
    EXPECT_EQ(r.status, 303);
  }
  page = Visit(link, b);
  EXPECT_NE(page.body.find("data-code=\"locked\""), std::string::npos);
  // Locked: even the right code is refused now.
  Form(link + "/verify", "csrf=" + b.csrf + "&code=" + code, b);
  EXPECT_NE(Visit(link, b).body.find("data-code=\"locked\""), std::string::npos);

  // A new code opens a new round.
  ASSERT_EQ(Form(link + "/code", "csrf=" + b.csrf, b).status, 303);
  code = CodeIn(MailTo(to, 3)["text"]);
  const std::string before = b.cookie;
  ASSERT_EQ(Form(link + "/verify", "csrf=" + b.csrf + "&code=" + code, b).status, 303);
  EXPECT_NE(b.cookie, before) << "the session id changes on verification";
  page = Visit(link, b);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("zie de stukken"), std::string::npos);
  EXPECT_NE(page.body.find("agenda.pdf"), std::string::npos);
  EXPECT_NE(page.body.find("application/pdf"), std::string::npos);
  EXPECT_EQ(page.body.find("<script>"), std::string::npos);

  std::vector<std::string> cookie = {"Cookie: kp_portal=" + b.cookie};
  auto file = Client().Request("GET", link + "/files/1", "", "", cookie);
  ASSERT_EQ(file.status, 200);
  EXPECT_EQ(file.body, odt);
  EXPECT_NE(file.headers["content-disposition"].find("attachment;"), std::string::npos);
  EXPECT_NE(
      file.headers["content-disposition"].find("filename*=UTF-8''notulen%20%C3%A9%C3%A9n.odt"),
      std::string::npos);
  auto preview = Client().Request("GET", link + "/files/0?inline=1", "", "", cookie);
  ASSERT_EQ(preview.status, 200);
  EXPECT_EQ(preview.body, pdf);
  EXPECT_EQ(preview.headers["content-type"], "application/pdf");
  EXPECT_NE(preview.headers["content-disposition"].find("inline;"), std::string::npos);
  // Another browser (no cookie) gets nothing.
  EXPECT_EQ(Client().Get(link + "/files/0").status, 403);

  // Reply with a file: a message from `portal` in shop-denhaag's inbox.
  json reply = {
      {"body", "Dank, ik kom."},
      {"attachments",
       json::array({{{"name", "antwoord.txt"}, {"type", "text/plain"}, {"data", B64("ja")}}})}};
  auto posted = Client().Request("POST", link + "/reply", reply.dump(), "",
                                 {"Content-Type: application/json", "X-CSRF-Token: " + b.csrf,
                                  "Cookie: kp_portal=" + b.cookie});
  ASSERT_EQ(posted.status, 202) << posted.body;
  // The mail and the reply are messages accepted; the reply is delivered to shop-denhaag.
  EXPECT_EQ(Counted("ketenpoort_messages_accepted_total") - accepted_before, 2);
  EXPECT_EQ(Counted("ketenpoort_messages_delivered_total") - delivered_before, 1);
  const std::string reply_id = json::parse(posted.body)["id"];
  auto fetched =
      Client().Get(dep_->url() + "/v1/messages/" + reply_id, dep_->Token("shop-denhaag"));
  ASSERT_EQ(fetched.status, 200) << fetched.body;
  json header = json::parse(fetched.body);
  EXPECT_EQ(header["from"], "portal");
  EXPECT_EQ(header["routing"]["in_reply_to"], id);
  Sealer sealer(dep_->dir());
  json opened = json::parse(sealer.Open("shop-denhaag", header["payload"]));
  EXPECT_EQ(opened["body"], "Dank, ik kom.");
  EXPECT_EQ(opened["from_email"], to);
  EXPECT_EQ(opened["attachments"][0]["data"], B64("ja"));
  // Without the CSRF header: refused.
  auto forged =
      Client().Request("POST", link + "/reply", reply.dump(), "",
                       {"Content-Type: application/json", "Cookie: kp_portal=" + b.cookie});
  EXPECT_EQ(forged.status, 403);

  json t = Tracking(id)["recipients"][0];
  EXPECT_TRUE(t["notified"].is_string());
  EXPECT_TRUE(t["verified"].is_string());
  EXPECT_TRUE(t["opened"].is_string());
  EXPECT_TRUE(t["replied"].is_string());
  EXPECT_EQ(t["state"], "replied");
  ASSERT_GE(t["downloads"].size(), 2u);
  EXPECT_EQ(t["downloads"][0]["file"], "notulen één.odt");
  EXPECT_EQ(t["downloads"][0]["how"], "download");
  EXPECT_EQ(t["downloads"][1]["file"], "agenda.pdf");
  EXPECT_EQ(t["downloads"][1]["how"], "preview");
  int locked = 0, failed = 0;
  for (const json& e : t["events"]) {
    locked += e["event"] == "locked";
    failed += e["event"] == "verify_failed";
  }
  EXPECT_EQ(locked, 1);
  EXPECT_EQ(failed, kMaxAttempts - 1);

  // The sender organisation's auditor sees every step on its message, the recipient's included.
  std::string auditor = ReadFileOrEmpty(dep_->dir() + "/tokens/shop-denhaag.auditor.token");
  while (!auditor.empty() && auditor.back() == '\n')
    auditor.pop_back();
  auto trail = Client().Get(dep_->url() + "/v1/audit?limit=1000", auditor);
  ASSERT_EQ(trail.status, 200) << trail.body;
  std::multiset<std::string> events;
  const json entries = json::parse(trail.body)["entries"];
  for (const json& e : entries) {
    if (e.value("object", "").rfind(id, 0) == 0 || e.value("object", "") == reply_id)
      events.insert(e.value("event", "") + "/" + e.value("outcome", ""));
  }
  EXPECT_EQ(events.count("portal_verify/wrong_code"), static_cast<std::size_t>(kMaxAttempts - 1));
  EXPECT_EQ(events.count("portal_verify/locked"), 1u);
  EXPECT_EQ(events.count("portal_verify/code_sent"), 2u);
  EXPECT_EQ(events.count("portal_verify/success"), 1u);
  EXPECT_GE(events.count("open/success"), 1u);
  EXPECT_EQ(events.count("download/success"), 2u);
  EXPECT_GE(events.count("deliver/success"), 1u);  // the notification
  EXPECT_GE(events.count("submit/success"), 2u);   // the message and the reply
}

TEST_F(SecureMailTest, AccessCodeAndRecallShowsWithdrawnAtOnce) {
  const std::string to = "access@example.org";
  std::string id =
      SubmitTo({{"email", to}, {"verification", "access_code"}, {"access_code", "kaasbroodje-42"}},
               "access body");
  const std::string link = LinkIn(MailTo(to, 1));
  Browser b;
  Visit(link, b);
  EXPECT_EQ(Form(link + "/code", "csrf=" + b.csrf, b).status, 303);  // no code for this level
  ASSERT_EQ(Form(link + "/verify", "csrf=" + b.csrf + "&code=kaasbroodje-42", b).status, 303);
  EXPECT_NE(Visit(link, b).body.find("access body"), std::string::npos);

  auto recalled = Client().Post(dep_->url() + "/v1/messages/" + id + "/recall", "{}",
                                dep_->Token("shop-denhaag"));
  ASSERT_EQ(recalled.status, 200) << recalled.body;
  auto page = Visit(link, b);
  EXPECT_EQ(page.status, 410);
  EXPECT_NE(page.body.find("data-code=\"message_recalled\""), std::string::npos);
  EXPECT_NE(page.body.find("ingetrokken"), std::string::npos);
  EXPECT_EQ(page.body.find("access body"), std::string::npos);
  EXPECT_EQ(
      Client().Request("GET", link + "/files/0", "", "", {"Cookie: kp_portal=" + b.cookie}).status,
      410);
}

TEST_F(SecureMailTest, ResendNeverWeakerAndSmsCodes) {
  const std::string to = "resend@example.org";
  std::string id = SubmitTo(
      {{"email", to}, {"verification", "access_code"}, {"access_code", "geheim-123456"}}, "b");
  const std::string first = LinkIn(MailTo(to, 1));
  auto weaker =
      Client().Post(dep_->url() + "/v1/messages/" + id + "/resend",
                    json{{"recipients", {{{"email", to}, {"verification", "email_code"}}}}}.dump(),
                    dep_->Token("shop-denhaag"));
  EXPECT_EQ(weaker.status, 422) << weaker.body;
  EXPECT_EQ(json::parse(weaker.body)["error"]["code"], "verification_weaker");
  auto stronger = Client().Post(
      dep_->url() + "/v1/messages/" + id + "/resend",
      json{{"recipients", {{{"email", to}, {"verification", "sms"}, {"phone", "+31612345678"}}}}}
          .dump(),
      dep_->Token("shop-denhaag"));
  ASSERT_EQ(stronger.status, 200) << stronger.body;
  const std::string second = LinkIn(MailTo(to, 2));
  EXPECT_NE(first, second);
  Browser old;
  EXPECT_EQ(Visit(first, old).status, 404);  // the older link stopped working

  Browser b;
  Visit(second, b);
  ASSERT_EQ(Form(second + "/code", "csrf=" + b.csrf, b).status, 303);
  auto texts = sms_->WaitFor(1, 5000);
  ASSERT_FALSE(texts.empty());
  EXPECT_EQ(texts.back()["to"], "+31612345678");
  const std::string code = CodeIn(texts.back()["text"]);
  ASSERT_EQ(Form(second + "/verify", "csrf=" + b.csrf + "&code=" + code, b).status, 303);
  EXPECT_EQ(Visit(second, b).status, 200);
  json t = Tracking(id)["recipients"][0];
  EXPECT_EQ(t["verification"], "sms");
  EXPECT_TRUE(t["verified"].is_string());
}

TEST_F(SecureMailTest, DeadlineWarningWhenNotOpened) {
  const std::string to = "deadline@example.org";
  // The deadline is within the configured warning time (1 h): the warning is due at once.
  auto deadline = std::chrono::system_clock::now() + std::chrono::minutes(30);
  std::time_t t = std::chrono::system_clock::to_time_t(deadline);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  std::string id = SubmitTo({{"email", to}}, "b", json::array(),
                            {{"deadline", buf}, {"sender_email", "coordinator@example.org"}});
  json warning = MailTo("coordinator@example.org", 1);
  EXPECT_NE(warning["text"].get<std::string>().find(to), std::string::npos);
  json tracking = Tracking(id);
  ASSERT_EQ(tracking["warnings"].size(), 1u) << tracking.dump();
  EXPECT_EQ(tracking["warnings"][0]["email"], to);
}

TEST_F(SecureMailTest, CommandLineSendsSecureMailWithAnAttachment) {
  const std::string to = "cli@example.org";
  const std::string body = dep_->dir() + "/body.txt";
  const std::string file = dep_->dir() + "/stukken.txt";
  std::ofstream(body) << "Tekst van de opdrachtregel";
  std::ofstream(file) << "bijlage van de opdrachtregel";
  CommandResult r = RunKetenpoort({"send", "--config", dep_->config_path(), "--as", "shop-denhaag",
                                   "--kind", "securemail", "--to", to, "--payload", body,
                                   "--attach", file, "--subject", "Vertrouwelijk"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("recipient " + to), std::string::npos);
  const std::string link = LinkIn(MailTo(to, 1));
  Browser b;
  Visit(link, b);
  ASSERT_EQ(Form(link + "/code", "csrf=" + b.csrf, b).status, 303);
  ASSERT_EQ(
      Form(link + "/verify", "csrf=" + b.csrf + "&code=" + CodeIn(MailTo(to, 2)["text"]), b).status,
      303);
  auto page = Visit(link, b);
  EXPECT_NE(page.body.find("Tekst van de opdrachtregel"), std::string::npos);
  EXPECT_NE(page.body.find("Vertrouwelijk"), std::string::npos);  // in the portal, not the mail
  EXPECT_NE(page.body.find("stukken.txt"), std::string::npos);
  auto got = Client().Request("GET", link + "/files/0", "", "", {"Cookie: kp_portal=" + b.cookie});
  EXPECT_EQ(got.body, "bijlage van de opdrachtregel");
}

TEST_F(SecureMailTest, IdempotencyKeySendsOnce) {
  json msg = {{"kind", "securemail"},
              {"recipients", json::array({{{"email", "once@example.org"}}})},
              {"payload", Payload("once")}};
  auto post = [&](const json& body) {
    return Client().Post(dep_->url() + "/v1/messages", body.dump(), dep_->Token("shop-denhaag"),
                         {"Content-Type: application/json", "Idempotency-Key: sm-once-1"});
  };
  auto first = post(msg);
  ASSERT_EQ(first.status, 202) << first.body;
  auto again = post(msg);
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(json::parse(again.body)["id"], json::parse(first.body)["id"]);
  EXPECT_EQ(json::parse(again.body)["recipients"], json::array({"once@example.org"}));
  json other = msg;
  other["subject"] = "different";
  auto conflict = post(other);
  EXPECT_EQ(conflict.status, 409);
  MailTo("once@example.org", 1);
  // The worker mails in the order of submission: once a message submitted after these has its
  // mail, a second message to once@ would have had its own.
  SubmitTo({{"email", "once-after@example.org"}}, "after");
  MailTo("once-after@example.org", 1);
  int count = 0;
  for (const json& m : smtp_->Received())
    count += m["rcpt_to"][0] == "once@example.org";
  EXPECT_EQ(count, 1);
}

TEST_F(SecureMailTest, ACrossSiteClickReloadsSameSiteWithoutANewSession) {
  const std::string to = "webmail@example.org";
  SubmitTo({{"email", to}}, "x");
  const std::string link = LinkIn(MailTo(to, 1));
  auto r = Client().Request("GET", link, "", "", {"Sec-Fetch-Site: cross-site"});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.count("set-cookie"), 0u);
  EXPECT_NE(r.body.find("http-equiv=\"refresh\""), std::string::npos);
  EXPECT_EQ(r.body.find("<script"), std::string::npos);
}

TEST_F(SecureMailTest, AnAccountSetsUpItsAppOnceThenEachMessageAsksForTheAppsCode) {
  const std::string to = "app@example.org";
  const std::string first =
      SubmitTo({{"email", to}, {"verification", "account"}}, "Eerste bericht via de app.");
  const std::string link = LinkIn(MailTo(to, 1));
  Browser b;
  auto page = Visit(link, b);
  ASSERT_EQ(page.status, 200);
  // No app yet: the address is proven with a mailed code first.
  EXPECT_NE(page.body.find("id=\"send-code\""), std::string::npos);
  ASSERT_EQ(Form(link + "/code", "csrf=" + b.csrf, b).status, 303);
  const std::string mailed = CodeIn(MailTo(to, 2)["text"]);
  ASSERT_EQ(Form(link + "/verify", "csrf=" + b.csrf + "&code=" + mailed, b).status, 303);
  page = Visit(link, b);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("id=\"enrol\""), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("id=\"totp-qr\""), std::string::npos);
  EXPECT_NE(page.body.find("otpauth://totp/Ketenpoort:app@example.org?secret="), std::string::npos);
  EXPECT_EQ(page.body.find("Eerste bericht"), std::string::npos) << "content before the app";
  std::smatch m;
  ASSERT_TRUE(std::regex_search(page.body, m, std::regex("id=\"totp-key\"[^>]*>([A-Z2-7 ]+)<")))
      << page.body;
  const std::string secret = Base32Decode(m[1]);
  ASSERT_EQ(secret.size(), 20u);
  std::vector<std::string> cookie = {"Cookie: kp_portal=" + b.cookie};
  EXPECT_EQ(Client().Request("GET", link + "/files/0", "", "", cookie).status, 403);

  // A wrong first code, then the app's code: the app is set up and the message opens.
  const std::int64_t step = CurrentStep();
  std::string wrong = TotpAt(secret, step + 5);
  auto refused = Form(link + "/enrol", "csrf=" + b.csrf + "&code=" + wrong, b);
  EXPECT_NE(refused.headers["location"].find("notice=wrong_app_code"), std::string::npos);
  ASSERT_EQ(Form(link + "/enrol", "csrf=" + b.csrf + "&code=" + TotpAt(secret, step), b).status,
            303);
  page = Visit(link, b);
  EXPECT_NE(page.body.find("Eerste bericht via de app."), std::string::npos) << page.body;

  // The next message to the address asks for the app's code straight away: no mail code.
  SubmitTo({{"email", to}, {"verification", "account"}}, "Tweede bericht.");
  const std::string link2 = LinkIn(MailTo(to, 3));
  Browser b2;
  page = Visit(link2, b2);
  EXPECT_EQ(page.body.find("id=\"send-code\""), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("Code uit de app"), std::string::npos);
  // A forged request for a mailed code. A code is mailed before the request is answered, so
  // once it is answered, the mails below are all there will be.
  Form(link2 + "/code", "csrf=" + b2.csrf, b2);
  std::size_t mails_to = 0;
  for (const json& mail : smtp_->Received())
    mails_to += mail["rcpt_to"][0] == to;
  EXPECT_EQ(mails_to, 3u) << "no code goes out by mail once the app is set up";
  // The step used to enrol cannot be used again; the next one can, once.
  auto replay = Form(link2 + "/verify", "csrf=" + b2.csrf + "&code=" + TotpAt(secret, step), b2);
  EXPECT_NE(replay.headers["location"].find("notice=wrong_code"), std::string::npos);
  const std::string next = TotpAt(secret, step + 1);
  ASSERT_EQ(Form(link2 + "/verify", "csrf=" + b2.csrf + "&code=" + next, b2).status, 303);
  EXPECT_NE(Visit(link2, b2).body.find("Tweede bericht."), std::string::npos);
  Browser b3;  // another browser with the same code: refused, the step is spent
  Visit(link2, b3);
  auto again = Form(link2 + "/verify", "csrf=" + b3.csrf + "&code=" + next, b3);
  EXPECT_NE(again.headers["location"].find("notice=wrong_code"), std::string::npos);

  json t = Tracking(first)["recipients"][0];
  std::set<std::string> events;
  for (const json& e : t["events"])
    events.insert(e["event"]);
  EXPECT_TRUE(events.count("enrolled")) << t.dump();
  EXPECT_TRUE(events.count("verified")) << t.dump();
  EXPECT_EQ(t["verification"], "account");

  // A re-send may not step down from the app to a mailed code.
  auto weaker = Client().Post(dep_->url() + "/v1/messages/" + first + "/resend",
                              json{{"recipients", json::array({{{"email", to}}})}}.dump(),
                              dep_->Token("shop-denhaag"));
  EXPECT_EQ(weaker.status, 422) << weaker.body;
}

TEST_F(SecureMailTest, RefusesBadSubmissions) {
  json base = {{"kind", "securemail"},
               {"recipients", json::array({{{"email", "a@example.org"}}})},
               {"payload", Payload("x")}};
  json bad = base;
  bad["recipients"] = json::array({{{"email", "not-an-address"}}});
  EXPECT_EQ(Submit(bad).status, 400);
  bad = base;
  bad["recipients"] = json::array({{{"email", "a@example.org"}, {"verification", "access_code"}}});
  EXPECT_EQ(Submit(bad).status, 400);
  bad = base;
  Sealer sealer(dep_->dir());
  bad["payload"] = sealer.SealBase64("shop-denhaag", {"comensha"}, "{}");
  auto r = Submit(bad);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "envelope_recipient_mismatch");
}

// Secure mail reaches people through a mailed link: a gateway without a mail relay refuses it
// at submission (before, it was accepted and then failed forever, an audit entry per retry).
TEST(SecureMailWithoutRelayTest, IsRefusedAtSubmissionAndNothingIsStored) {
  auto dep = Deployment::Create();
  GatewayProcess gw(dep->config_path());
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
  Sealer sealer(dep->dir());
  json doc = {{"body", "synthetic"}, {"attachments", json::array()}};
  json msg = {
      {"kind", "securemail"},
      {"recipients", json::array({{{"email", "a@example.org"}}})},
      {"payload", sealer.SealBase64("shop-denhaag", {"portal", "shop-denhaag"}, doc.dump())}};
  HttpsClient client(dep->ca_path());
  auto r = client.Post(dep->url() + "/v1/messages", msg.dump(), dep->Token("shop-denhaag"));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "mail_unavailable");
  EXPECT_EQ(json::parse(r.body)["error"]["field"], "recipients");
  // The refusal is audited; no message was stored.
  auto audit = client.Get(dep->url() + "/v1/audit", dep->Token("shop-denhaag.auditor"));
  ASSERT_EQ(audit.status, 200) << audit.body;
  const json all = json::parse(audit.body)["entries"];
  json entries = json::array();
  for (const json& e : all) {
    if (e["event"] == "submit")
      entries.push_back(e);
  }
  ASSERT_EQ(entries.size(), 1u) << audit.body;
  EXPECT_EQ(entries[0]["outcome"], "mail_unavailable");
  EXPECT_EQ(entries[0]["object"], "");
  EXPECT_EQ(gw.Terminate(), 0);
}

}  // namespace
}  // namespace ketenpoort::testing
