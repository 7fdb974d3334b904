// The examples at the top of gateway/securemail's headers, run as written (adapted only as
// much as needed to compile), so that they cannot rot. One TEST per header;
// scripts/check_header_examples.sh fails when a header with an example is not named here (or,
// for portal/, in portal/examples_test.cpp).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "gateway/crypto/totp.h"
#include "gateway/securemail/securemail_account_repository.h"
#include "gateway/securemail/securemail_repository.h"
#include "gateway/store/database.h"
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
  m.subject_ref = "pseudonym-a1";
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
