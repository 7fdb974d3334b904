#include "gateway/store/kind_repository.h"

#include <gtest/gtest.h>

#include "gateway/store/db_key.h"
#include "gateway/store/message_repository.h"
#include "gateway/store/migrations.h"
#include "gateway/store/test_support.h"

namespace ketenpoort::store {
namespace {

class KindRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto db = test::MigratedDatabase(dir_.File("k.db"));
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_.emplace(std::move(*db));
  }
  void AddMessage(const std::string& id, const std::string& kind, std::int64_t created) {
    MessageRecord m;
    m.id = id;
    m.kind = kind;
    m.sender_org = "shop-denhaag";
    m.subject_ref = "p-" + id;
    m.routing = {{"region", "GM0518"}};
    m.created_ms = created;
    m.payload = Bytes{1, 2, 3};
    m.payload_sha256 = Bytes(32, 0);
    ASSERT_TRUE(MessageRepository(*db_).Insert(m, {{"comensha", "delivered"}}, "gateway").ok());
  }
  test::TempDir dir_;
  std::optional<Database> db_;
};

TEST_F(KindRepositoryTest, ANoticeIsRecordedOncePerMessageAndKey) {
  AddMessage("m-1", "referral", 1000);
  KindRepository k(*db_);
  NoticeRecord n{.message_id = "m-1",
                 .key = "escalation:wende",
                 .type = "escalation",
                 .to_org = "shop-denhaag",
                 .due_ms = 5,
                 .created_ms = 6,
                 .reason = "late",
                 .mail_state = "pending"};
  auto first = k.InsertNotice(n);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_TRUE(*first);
  EXPECT_GT(n.id, 0);
  NoticeRecord again = n;
  EXPECT_FALSE(*k.InsertNotice(again));
  ASSERT_TRUE(k.SetMailState(n.id, "sent", "").ok());
  auto mine = k.NoticesTo("shop-denhaag", 0, 10);
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].mail_state, "sent");
  EXPECT_TRUE(k.NoticesTo("shop-denhaag", n.id, 10)->empty());
  EXPECT_EQ(k.NoticesFor("m-1")->size(), 1u);
}

TEST_F(KindRepositoryTest, AMailIsDueUntilSentAndAFailedOneAgainAtItsRetryTime) {
  AddMessage("m-1", "referral", 1000);
  KindRepository k(*db_);
  NoticeRecord mailed{.message_id = "m-1",
                      .key = "escalation:wende",
                      .type = "escalation",
                      .to_org = "shop-denhaag",
                      .mail_org = "wende-denhaag",
                      .due_ms = 5,
                      .created_ms = 6,
                      .reason = "late",
                      .mail_state = "pending",
                      .mail_next_ms = 6};
  NoticeRecord unmailed = mailed;
  unmailed.key = "escalation:other";
  unmailed.mail_state = "none";
  unmailed.mail_next_ms.reset();
  ASSERT_TRUE(*k.InsertNotice(mailed));
  ASSERT_TRUE(*k.InsertNotice(unmailed));
  EXPECT_TRUE(k.MailsDue(5, 10)->empty());
  auto due = k.MailsDue(6, 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, mailed.id);
  EXPECT_EQ((*due)[0].mail_attempts, 0);

  ASSERT_TRUE(k.ScheduleMailRetry(mailed.id, "smtp_failed", 1, 100).ok());
  EXPECT_TRUE(k.MailsDue(99, 10)->empty());
  due = k.MailsDue(100, 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].mail_state, "failed");
  EXPECT_EQ((*due)[0].mail_error, "smtp_failed");
  EXPECT_EQ((*due)[0].mail_attempts, 1);

  ASSERT_TRUE(k.SetMailState(mailed.id, "sent", "").ok());
  EXPECT_TRUE(k.MailsDue(1000000, 10)->empty());
}

TEST_F(KindRepositoryTest, CodeListsReportRowsAndOpenMessages) {
  AddMessage("m-1", "referral", 1000);
  AddMessage("m-2", "b8", 2000);
  AddMessage("m-3", "b8", 3000);
  KindRepository k(*db_);
  ASSERT_TRUE(k.SetCodeLists("m-1", R"({"exploitation":1})").ok());
  EXPECT_EQ(k.CodeLists("m-1")->value(), R"({"exploitation":1})");
  EXPECT_FALSE(k.CodeLists("m-2")->has_value());
  ASSERT_TRUE(MessageRepository(*db_).SetState("m-1", "comensha", "accepted", 1500, "c", "").ok());
  auto rows = k.ReportRows(1000, 3000);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].states, (std::set<std::string>{"delivered", "accepted"}));
  EXPECT_EQ((*rows)[1].codelists_json, "{}");
  EXPECT_EQ(*k.OpenMessages({"b8"}, 2500), (std::vector<std::string>{"m-3"}));
}

}  // namespace
}  // namespace ketenpoort::store
