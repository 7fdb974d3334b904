// The examples at the top of gateway/securemail's headers, run as written (adapted only as
// much as needed to compile), so that they cannot rot. One TEST per header;
// scripts/check_header_examples.sh fails when a header with an example is not named here (or,
// for portal/, in portal/examples_test.cpp).

#include <array>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adapters/transports/smtp_client.h"
#include "gateway/core/directory.h"
#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/detached_envelope.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/envelope.h"
#include "gateway/crypto/hash.h"
#include "gateway/crypto/totp.h"
#include "gateway/messages/live_directory.h"
#include "gateway/securemail/sealing_upload.h"
#include "gateway/securemail/securemail_account_repository.h"
#include "gateway/securemail/securemail_codes.h"
#include "gateway/securemail/securemail_document.h"
#include "gateway/securemail/securemail_repository.h"
#include "gateway/securemail/securemail_request.h"
#include "gateway/securemail/securemail_results.h"
#include "gateway/securemail/securemail_service.h"
#include "gateway/store/blob_store.h"
#include "gateway/store/database.h"
#include "gateway/store/guarded_database.h"
#include "gateway/store/message_repository.h"
#include "gateway/store/test_support.h"

namespace ketenpoort::store {
namespace {

using test::MigratedDatabase;
using test::TempDir;

constexpr std::int64_t kNow = 1'780'000'000'000;

MessageRecord Message(const std::string& id, const std::string& kind) {
  MessageRecord m;
  m.id = id;
  m.kind = kind;
  m.sender_org = "shop-denhaag";
  m.subject_ref = "94a0b4f3797b32eae31552779610539c2f56aea622195df46ed88fa32c2a4646";
  m.created_ms = kNow;
  m.payload = Bytes{1, 2, 3};
  m.payload_sha256 = Bytes(32, 0xab);
  return m;
}

// A fresh migrated database in a folder of its own.
struct Db {
  TempDir dir;
  Database db = std::move(*MigratedDatabase(dir.File("kp.db")));
};

// gateway/securemail/securemail_account_repository.h
TEST(SecureMailExamples, SecureMailAccountRepository) {
  Db d;
  Database& db = d.db;
  const std::string email = "a@example.org";
  const std::int64_t now_ms = 59'000;  // RFC 6238's "287082" at T = 59 s
  const std::string code = "287082";
  const std::string_view rfc_secret = "12345678901234567890";
  enum class Outcome { kOpened, kWrongCode };
  auto run = [&](const Bytes& new_secret) -> Result<Outcome> {
    auto WrongCode = [] { return Outcome::kWrongCode; };
    SecureMailAccountRepository accounts(db);
    KP_ASSIGN_OR_RETURN(std::optional<SecureMailAccount> account, accounts.Find(email));
    if (!account) {  // no account yet: issue a secret, show it (EnrolmentCard)
      account = SecureMailAccount{.email = email,
                                  .secret = new_secret,
                                  .enrolled_ms = std::nullopt,
                                  .last_step = 0,
                                  .created_ms = now_ms};
      KP_RETURN_IF_ERROR(accounts.Insert(*account));  // kConflict account_exists: lost a race
    }
    auto step = crypto::MatchTotp(account->secret, code, now_ms / 1000, account->last_step);
    if (!step)
      return WrongCode();
    KP_ASSIGN_OR_RETURN(bool fresh, account->enrolled_ms
                                        ? accounts.SetLastStep(email, *step)
                                        : accounts.MarkEnrolled(email, now_ms, *step));
    if (!fresh)
      return WrongCode();  // another request used this step first: a replay
    return Outcome::kOpened;
  };
  const Bytes secret(rfc_secret.begin(), rfc_secret.end());  // crypto::NewTotpSecret() in use
  auto first = run(secret);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(*first, Outcome::kOpened);
  auto replay = run(secret);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(*replay, Outcome::kWrongCode);
}

// gateway/securemail/securemail_repository.h
TEST(SecureMailExamples, SecureMailRepository) {
  Db d;
  Database& db = d.db;
  ASSERT_TRUE(MessageRepository(db).Insert(Message("m-1", "securemail"), {}, "gw").ok());
  SecureMailSettings settings;
  settings.message_id = "m-1";
  settings.lang = "nl";
  SecureMailRecipient recipient;
  recipient.message_id = "m-1";
  recipient.email = "client@example.org";
  recipient.verification = "email_code";
  const std::int64_t now = kNow;
  auto run = [&]() -> Status {
    SecureMailRepository mail(db);
    KP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    KP_RETURN_IF_ERROR(mail.InsertMessage(settings));
    KP_ASSIGN_OR_RETURN(std::int64_t rid, mail.InsertRecipient(recipient));
    KP_RETURN_IF_ERROR(mail.AddEvent(rid, "submitted", "", now));
    KP_RETURN_IF_ERROR(tx.Commit());
    EXPECT_GT(rid, 0);
    return Ok();
  };
  Status s = run();
  EXPECT_TRUE(s.ok()) << s.error().ToString();
}

}  // namespace
}  // namespace ketenpoort::store

namespace ketenpoort::server {
namespace {

using nlohmann::json;

Bytes Sha256Bytes(const std::string& data) {
  const crypto::Digest d = crypto::Sha256(AsBytes(data));
  return Bytes(d.begin(), d.end());
}

// gateway/securemail/sealing_upload.h
TEST(SecureMailExamples, SealingUpload) {
  crypto::testing::TempDir dir;
  crypto::testing::TestPki pki(dir);
  crypto::testing::TestParty org = pki.Issue("org", {.smime = true});
  crypto::testing::TestParty portal = pki.Issue("portal", {.smime = true});
  const crypto::Certificate& org_cert = org.cert;
  const crypto::Certificate& portal_cert = portal.cert;
  auto opened = store::BlobStore::Open(dir.File("blobs"));
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  const store::BlobStore& blobs = *opened;
  const std::string plain(200 * 1024, 'r');  // a reply attachment, in pieces of 64 KiB
  SealingUpload::Sealed sealed;
  auto run = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(SealingUpload up, SealingUpload::Begin(blobs, {org_cert, portal_cert}));
    for (std::size_t at = 0; at < plain.size(); at += 64 * 1024) {
      const std::string piece = plain.substr(at, 64 * 1024);
      KP_RETURN_IF_ERROR(up.Write(AsBytes(piece)));  // as the request body arrives
    }
    KP_ASSIGN_OR_RETURN(SealingUpload::Sealed s, up.Finish());
    sealed = s;  // s.blob_id; s.size; s.sha256; s.envelope_der: the attachment's description
    return Ok();
  };
  Status s = run();
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_TRUE(store::BlobStore::IsValidId(sealed.blob_id));
  EXPECT_EQ(sealed.size, plain.size());
  EXPECT_EQ(sealed.sha256, Sha256Bytes(plain));
  // Neither readable on disk nor lost: the organisation opens the blob with the envelope.
  auto path = blobs.PathOf(sealed.blob_id);
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(crypto::testing::ReadFile(*path).find("rrrrrrrr"), std::string::npos);
  std::string read;
  auto open = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(crypto::UnlockedEnvelope key,
                        pki.keys.UnlockEnvelope("org", org_cert, sealed.envelope_der));
    KP_ASSIGN_OR_RETURN(crypto::DetachedReader reader,
                        crypto::DetachedReader::Open(std::move(key), *path));
    std::array<std::uint8_t, 4096> buffer;
    for (;;) {
      KP_ASSIGN_OR_RETURN(std::size_t n, reader.Read(buffer));
      if (n == 0)
        return Ok();
      read.append(reinterpret_cast<const char*>(buffer.data()), n);
    }
  };
  Status o = open();
  ASSERT_TRUE(o.ok()) << o.error().ToString();
  EXPECT_EQ(read, plain);
}

// gateway/securemail/securemail_codes.h
TEST(SecureMailExamples, SecureMailCodes) {
  std::string token = NewLinkToken();    // 256 random bits, base64url: the /m/TOKEN
  Bytes token_hash = SecretHash(token);  // SHA-256: what the database keeps
  std::string code = NewNumericCode(6);  // "048213", uniform digits
  Bytes stored = HashCode(code);         // salt || PBKDF2-HMAC-SHA256
  EXPECT_EQ(token.size(), 43u);
  EXPECT_EQ(crypto::Base64UrlDecode(token)->size(), 32u);
  EXPECT_EQ(token_hash, Sha256Bytes(token));
  ASSERT_EQ(code.size(), 6u);
  EXPECT_EQ(code.find_first_not_of("0123456789"), std::string::npos);
  EXPECT_TRUE(CodeMatches(stored, code));  // CRYPTO_memcmp
  EXPECT_FALSE(CodeMatches(stored, code == "048213" ? "048214" : "048213"));
  EXPECT_TRUE(CodeMatches(HashCode("048213"), "048213"));
  EXPECT_FALSE(CodeMatches(Bytes(stored.begin(), stored.end() - 1), code));  // another length
  EXPECT_EQ(VerificationLevel("sms"), 3);         // email_code 1, access_code 2, sms and
  EXPECT_EQ(VerificationLevel("email_code"), 1);  // account (TOTP app) 3; unknown 0
  EXPECT_EQ(VerificationLevel("access_code"), 2);
  EXPECT_EQ(VerificationLevel("account"), 3);
  EXPECT_EQ(VerificationLevel("carrier_pigeon"), 0);
}

// gateway/securemail/securemail_document.h
TEST(SecureMailExamples, SecureMailDocument) {
  const Bytes sha256 = Sha256Bytes("synthetic scan");
  const json document = {
      {"body", "Beste partner, ..."},
      {"attachments",
       {{{"name", "agenda.txt"},
         {"type", "text/plain"},
         {"data", crypto::Base64Encode(AsBytes(std::string("Agenda")))}},  // inline
        {{"name", "scan.pdf"},
         {"type", "application/pdf"},  // streamed
         {"attachment_id", "b-0f3c0f3c0f3c0f3c0f3c0f3c0f3c0f3c"},
         {"size", 104857600},
         {"sha256", crypto::HexEncode(sha256)},
         {"envelope", crypto::Base64Encode(Bytes{0x30, 0x82, 0x01, 0x00})}}}}};
  const std::string signed_content = document.dump();
  auto run = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(SecureMailDocument doc, ParseSecureMailDocument(AsBytes(signed_content)));
    EXPECT_EQ(doc.body, "Beste partner, ...");
    EXPECT_EQ(doc.attachments.size(), 2u);
    if (doc.attachments.size() != 2)
      return Ok();
    EXPECT_FALSE(doc.attachments[0].streamed());
    EXPECT_EQ(doc.attachments[0].data, ToBytes("Agenda"));
    EXPECT_TRUE(doc.attachments[1].streamed());
    EXPECT_EQ(doc.attachments[1].size, 104857600u);
    EXPECT_EQ(doc.attachments[1].sha256, sha256);
    return Ok();
  };
  Status s = run();
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  json bad = document;
  bad["attachments"][1].erase("envelope");
  auto refused = ParseSecureMailDocument(AsBytes(bad.dump()));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "invalid_securemail_payload");
  EXPECT_EQ(refused.error().message.find("scan.pdf"), std::string::npos);  // by position only
}

// gateway/securemail/securemail_request.h
TEST(SecureMailExamples, SecureMailRequest) {
  crypto::testing::TempDir dir;
  crypto::testing::TestPki pki(dir);
  const crypto::Certificate portal = pki.Issue("portal", {.smime = true}).cert;
  auto sealed = crypto::SealCms(AsBytes(std::string("synthetic document")), {portal});
  ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
  json body = {{"kind", "securemail"},
               {"recipients", {{{"email", "A@example.org"}}}},
               {"payload", crypto::Base64Encode(*sealed)}};
  auto read = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(SecureMailSubmission s, SecureMailSubmissionFromJson(body));
    KP_ASSIGN_OR_RETURN(auto recipients, std::move(s.recipients));  // the list's own form
    KP_ASSIGN_OR_RETURN(SecureMailAddress first, std::move(recipients[0]));
    EXPECT_EQ(first.email, "a@example.org");
    EXPECT_EQ(first.verification, "email_code");
    EXPECT_EQ(s.presentation->lang, "");  // not given: the gateway's default
    EXPECT_TRUE(s.payload->info.IsFor(portal));
    return Ok();
  };
  Status ok = read();
  EXPECT_TRUE(ok.ok()) << ok.error().ToString();

  // Each recipient in turn: reading stops at the first that cannot be read.
  body["recipients"] = {
      {{"email", "a@example.org"}}, {{"email", "not an address"}}, {{"email", "c@example.org"}}};
  auto kept = SecureMailSubmissionFromJson(body);
  ASSERT_TRUE(kept.ok()) << kept.error().ToString();
  ASSERT_TRUE(kept->recipients.ok());
  ASSERT_EQ(kept->recipients->size(), 2u);
  EXPECT_TRUE((*kept->recipients)[0].ok());
  EXPECT_EQ((*kept->recipients)[1].error().code, "invalid_recipients");
  body["colour"] = "red";
  auto refused = SecureMailSubmissionFromJson(body);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "unknown_field");

  auto resend = SecureMailResendFromJson(
      json{{"recipients", {{{"email", "a@example.org"}, {"verification", "sms"}}}}});
  ASSERT_TRUE(resend.ok()) << resend.error().ToString();
  ASSERT_EQ(resend->recipients.size(), 1u);
  EXPECT_EQ(resend->recipients[0].error().message,
            "sms verification needs a phone number like +31612345678");

  json file = {{"name", "a.txt"}, {"type", "text/plain"}, {"data", "QQ=="}};
  auto reply = SecureMailReplyFromJson(
      json{{"body", "synthetic answer"}, {"attachments", json::array({file})}});
  ASSERT_TRUE(reply.ok()) << reply.error().ToString();
  EXPECT_EQ(*reply->body, "synthetic answer");
  ASSERT_EQ(reply->attachments->size(), 1u);
  EXPECT_EQ((*reply->attachments)[0].data, Bytes{'A'});
  auto not_files = SecureMailReplyFromJson(json{{"attachments", "a.txt"}});
  ASSERT_TRUE(not_files.ok());
  EXPECT_EQ(not_files->attachments.error().field, "attachments");
}

// gateway/securemail/securemail_results.h
TEST(SecureMailExamples, SecureMailResults) {
  const std::int64_t now_ms = 1795392000000;  // 2026-11-23T00:00:00Z
  UploadAccepted u{.attachment_id = "b-0f3c...", .size = 10, .expires_ms = now_ms};
  EXPECT_EQ(ToJson(u).dump(),
            R"({"attachment_id":"b-0f3c...","expires":"2026-11-23T00:00:00.000Z","size":10})");
  EXPECT_EQ(ToJson(Resent{.id = "m-5f0c", .recipients = {"a@example.org"}}).dump(),
            R"({"id":"m-5f0c","recipients":["a@example.org"],"status":"resent"})");
  SecureMailTracking t{.id = "m-5f0c"};
  t.recipients.push_back({.email = "a@example.org",
                          .verification = "email_code",
                          .state = "notified",
                          .notified_ms = now_ms});
  const json tracked = ToJson(t);
  EXPECT_EQ(tracked["deadline"], nullptr);
  EXPECT_EQ(tracked["expired"], false);
  EXPECT_EQ(tracked["kind"], "securemail");
  EXPECT_EQ(tracked["recipients"][0]["notified"], "2026-11-23T00:00:00.000Z");
  EXPECT_EQ(tracked["recipients"][0]["opened"], nullptr);
  EXPECT_EQ(tracked["recipients"][0]["events"], json::array());
}

// gateway/securemail/securemail_service.h
TEST(SecureMailExamples, SecureMailService) {
  using Visit = SecureMailService::Visit;
  using Content = SecureMailService::Content;
  using PortalCredentials = SecureMailService::PortalCredentials;
  crypto::testing::TempDir dir;
  crypto::testing::TestPki pki(dir);  // its keyring holds each party's key under its name
  const crypto::Certificate shop = pki.Issue("shop-denhaag", {.smime = true}).cert;
  const crypto::Certificate portal = pki.Issue("portal", {.smime = true}).cert;
  auto directory = Directory::FromOrganisations({{.id = "shop-denhaag",
                                                  .name = "SHOP",
                                                  .kind = OrgKind::kCareCoordination,
                                                  .regions = {"GM0518"},
                                                  .certificate_pem = shop.ToPem()},
                                                 {.id = "portal",
                                                  .name = "Portal",
                                                  .kind = OrgKind::kPortal,
                                                  .certificate_pem = portal.ToPem()}});
  ASSERT_TRUE(directory.ok()) << directory.error().ToString();
  auto opened = store::test::MigratedDatabase(dir.File("kp.db"));
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  store::GuardedDatabase db(std::move(*opened));
  std::vector<transports::MailMessage> sent;  // what the relay would have taken
  SecureMailService::Deps deps;
  deps.db = &db;
  LiveDirectory live(*DirectorySnapshot::Make(*directory, RoutingRules{}));
  deps.directory = &live;
  deps.keyring = &pki.keys;
  deps.trust_anchors = {pki.ca};
  deps.options.base_url = "https://gw.example.org";
  deps.clock = [] { return std::int64_t{1795392000000}; };
  deps.mailer = [&sent](const transports::MailMessage& m) {
    sent.push_back(m);
    return Ok();
  };
  // The payload: the document, signed by the sender organisation, sealed to the portal.
  auto signed_der =
      pki.keys.SignCms("shop-denhaag", shop, AsBytes(json{{"body", "Beste partner, ..."}}.dump()));
  ASSERT_TRUE(signed_der.ok()) << signed_der.error().ToString();
  auto sealed = crypto::SealCms(*signed_der, {portal});
  ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
  const json body = {{"kind", "securemail"},
                     {"recipients", {{{"email", "client@example.org"}}}},
                     {"payload", crypto::Base64Encode(*sealed)}};
  Caller caller{Principal{.org = "shop-denhaag", .role = Role::kSender}, "127.0.0.1"};
  const std::string ip = "192.0.2.7";
  // The link in the notification and the code in the mail after it.
  auto last_mail = [&sent](const std::string& pattern) {
    std::smatch match;
    if (sent.empty() || !std::regex_search(sent.back().text, match, std::regex(pattern)))
      return std::string();
    return std::string(match[1]);
  };
  std::string text;
  std::string state;
  auto run = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(auto mail, SecureMailService::Create(deps));  // db, directory, keyring
    KP_ASSIGN_OR_RETURN(Accepted accepted,
                        mail->Submit(caller, SecureMailSubmissionFromJson(body)));
    EXPECT_EQ(ToJson(accepted)["recipients"], json({"client@example.org"}));
    mail->RunDueWork();
    const std::string token = last_mail("/m/([A-Za-z0-9_-]{43,})");
    KP_ASSIGN_OR_RETURN(Visit visit, mail->Enter({token}, ip));   // the link's /m/TOKEN
    PortalCredentials who{token, visit.new_session, visit.csrf};  // later: the cookie, the form
    KP_RETURN_IF_ERROR(mail->RequestCode(who, ip));               // mails or texts a one-time code
    const std::string code = last_mail("([0-9]{6})");
    KP_ASSIGN_OR_RETURN(std::string session, mail->Verify(who, code, ip));   // a verified session
    KP_ASSIGN_OR_RETURN(Content content, mail->Read({token, session}, ip));  // "opened"
    KP_ASSIGN_OR_RETURN(SecureMailTracking t, mail->Tracking(caller, accepted.id));
    text = content.body;
    state = ToJson(t)["recipients"][0]["state"];
    return Ok();
  };
  Status s = run();
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(text, "Beste partner, ...");
  EXPECT_EQ(state, "opened");
  ASSERT_EQ(sent.size(), 2u);  // the notification and the code, both to the recipient
  EXPECT_EQ(sent[0].to, "client@example.org");
  EXPECT_EQ(sent[0].text.find("Beste partner"), std::string::npos);  // never the content
}

}  // namespace
}  // namespace ketenpoort::server
