#include "gateway/securemail/securemail_repository.h"

#include <gtest/gtest.h>

#include "gateway/store/message_repository.h"
#include "gateway/store/migrations.h"
#include "gateway/store/test_support.h"

namespace ketenpoort::store {
namespace {

using Ids = std::vector<std::string>;

SecureMailSettings Settings(const std::string& message_id) {
  SecureMailSettings s;
  s.message_id = message_id;
  s.lang = "nl";
  return s;
}

class SecureMailRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = test::MigratedDatabase(dir_.File("kp.db"));
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_.emplace(std::move(*db));
  }

  // A secure-mail message as the service submits it: the message row, then its settings.
  Status AddMail(const std::string& id, std::optional<std::int64_t> deadline_ms,
                 std::optional<std::int64_t> expires_ms) {
    MessageRecord m;
    m.id = id;
    m.kind = "securemail";
    m.sender_org = "shop-denhaag";
    m.deadline_ms = deadline_ms;
    m.expires_ms = expires_ms;
    m.created_ms = 1000;
    m.payload = Bytes{1, 2, 3};
    m.payload_sha256 = Bytes(32, 0xab);
    KP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
    KP_RETURN_IF_ERROR(MessageRepository(*db_).Insert(m, {}, "gateway"));
    KP_RETURN_IF_ERROR(SecureMailRepository(*db_).InsertMessage(Settings(id)));
    return tx.Commit();
  }

  test::TempDir dir_;
  std::optional<Database> db_;
};

TEST_F(SecureMailRepositoryTest, ExpiriesDueArePassedExpiriesNotYetMarkedRecalledOrNot) {
  ASSERT_TRUE(AddMail("m-passed", std::nullopt, 2000).ok());
  ASSERT_TRUE(AddMail("m-later", std::nullopt, 5000).ok());
  ASSERT_TRUE(AddMail("m-never", std::nullopt, std::nullopt).ok());
  ASSERT_TRUE(AddMail("m-recalled", std::nullopt, 1500).ok());
  ASSERT_TRUE(MessageRepository(*db_).Recall("m-recalled", 1200).ok());
  SecureMailRepository mail(*db_);

  auto due = mail.ExpiriesDue(3000);
  ASSERT_TRUE(due.ok()) << due.error().message;
  EXPECT_EQ(std::set<std::string>(due->begin(), due->end()),
            (std::set<std::string>{"m-passed", "m-recalled"}));
  ASSERT_TRUE(mail.SetExpired("m-passed", 3000).ok());
  EXPECT_EQ(*mail.ExpiriesDue(3000), Ids{"m-recalled"});
  EXPECT_EQ(*mail.ExpiriesDue(2000 - 1000), Ids{});
}

TEST_F(SecureMailRepositoryTest, DeadlinesDueAreWithinTheWarningNotWarnedNotRecalledByDeadline) {
  ASSERT_TRUE(AddMail("m-second", 20000, std::nullopt).ok());
  ASSERT_TRUE(AddMail("m-first", 10000, std::nullopt).ok());
  ASSERT_TRUE(AddMail("m-recalled", 10000, std::nullopt).ok());
  ASSERT_TRUE(AddMail("m-none", std::nullopt, std::nullopt).ok());
  ASSERT_TRUE(MessageRepository(*db_).Recall("m-recalled", 1200).ok());
  SecureMailRepository mail(*db_);

  EXPECT_EQ(*mail.DeadlinesDue(/*now_ms=*/7999, /*warn_ms=*/2000), Ids{});
  EXPECT_EQ(*mail.DeadlinesDue(8000, 2000), Ids{"m-first"});
  EXPECT_EQ(*mail.DeadlinesDue(18000, 2000), (Ids{"m-first", "m-second"}));
  ASSERT_TRUE(mail.SetDeadlineWarned("m-first", 18000).ok());
  EXPECT_EQ(*mail.DeadlinesDue(18000, 2000), Ids{"m-second"});
}

TEST_F(SecureMailRepositoryTest, SettingsNeedTheirMessageRow) {
  Status s = SecureMailRepository(*db_).InsertMessage(Settings("m-unknown"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "message_not_found");
}

}  // namespace
}  // namespace ketenpoort::store
