#include "gateway/store/message_repository.h"

#include <gtest/gtest.h>

#include "gateway/store/migrations.h"
#include "gateway/store/test_support.h"

namespace ketenpoort::store {
namespace {

class MessageRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = test::MigratedDatabase(dir_.File("kp.db"));
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_.emplace(std::move(*db));
  }

  static MessageRecord Message(const std::string& id) {
    MessageRecord m;
    m.id = id;
    m.kind = "signal";
    m.sender_org = "shop-denhaag";
    m.sender_user = "coordinator-7";
    m.subject_ref = "94a0b4f3797b32eae31552779610539c2f56aea622195df46ed88fa32c2a4646";
    m.routing = {{"region", "GM0599"}, {"age_band", "minor"}};
    m.legal_basis = "vital_interest";
    m.deadline_ms = 1795000000000;
    m.created_ms = 1794000000000;
    m.payload = Bytes{1, 2, 3};
    m.payload_sha256 = Bytes(32, 0xab);
    return m;
  }

  Status InsertInTransaction(const MessageRecord& m, std::map<std::string, std::string> states) {
    KP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
    KP_RETURN_IF_ERROR(MessageRepository(*db_).Insert(m, states, "gateway"));
    return tx.Commit();
  }

  test::TempDir dir_;
  std::optional<Database> db_;
};

TEST_F(MessageRepositoryTest, InsertsAndFindsAMessageWithItsHeaderAndPayload) {
  ASSERT_TRUE(InsertInTransaction(Message("m-1"), {{"comensha", "delivered"}}).ok());
  MessageRepository repo(*db_);
  auto found = repo.Find("m-1", /*with_payload=*/true);
  ASSERT_TRUE(found.ok() && found->has_value());
  const MessageRecord& m = **found;
  EXPECT_EQ(m.kind, "signal");
  EXPECT_EQ(m.routing.at("age_band"), "minor");
  EXPECT_EQ(m.deadline_ms, 1795000000000);
  EXPECT_FALSE(m.expires_ms.has_value());
  EXPECT_EQ(m.payload, (Bytes{1, 2, 3}));
  auto without = repo.Find("m-1", /*with_payload=*/false);
  EXPECT_FALSE((*without)->payload.has_value());
  EXPECT_FALSE(repo.Find("m-unknown", true)->has_value());
}

TEST_F(MessageRepositoryTest, ASecondMessageWithTheSameIdIsAConflict) {
  ASSERT_TRUE(InsertInTransaction(Message("m-1"), {{"comensha", "delivered"}}).ok());
  Status again = InsertInTransaction(Message("m-1"), {{"comensha", "delivered"}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "constraint_violation");
}

TEST_F(MessageRepositoryTest, TheInboxPagesByCursorAndLeavesOutWhatIsStillOnItsWay) {
  ASSERT_TRUE(InsertInTransaction(Message("m-1"), {{"comensha", "delivered"}}).ok());
  ASSERT_TRUE(InsertInTransaction(Message("m-2"), {{"comensha", "sent"}}).ok());
  ASSERT_TRUE(InsertInTransaction(Message("m-3"),
                                  {{"comensha", "delivered"}, {"meldpunt-rotterdam", "delivered"}})
                  .ok());
  MessageRepository repo(*db_);
  auto first = repo.Inbox("comensha", 0, 1);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].message.id, "m-1");
  auto rest = repo.Inbox("comensha", (*first)[0].delivery.seq, 10);
  ASSERT_EQ(rest->size(), 1u);  // m-2 is "sent": not in the inbox yet
  EXPECT_EQ((*rest)[0].message.id, "m-3");
  EXPECT_EQ(repo.Inbox("meldpunt-rotterdam", 0, 10)->size(), 1u);
  EXPECT_TRUE(repo.Inbox("ind", 0, 10)->empty());
}

TEST_F(MessageRepositoryTest, TheSentListPagesByCursorAndHoldsTheSendersOwnMessagesOnly) {
  MessageRecord other = Message("m-2");
  other.sender_org = "essm-rotterdam";
  ASSERT_TRUE(InsertInTransaction(Message("m-1"), {{"comensha", "delivered"}}).ok());
  ASSERT_TRUE(InsertInTransaction(other, {{"comensha", "delivered"}}).ok());
  ASSERT_TRUE(InsertInTransaction(Message("m-3"), {{"comensha", "sent"}}).ok());
  MessageRepository repo(*db_);
  const std::string sender = Message("m-1").sender_org;
  auto first = repo.Sent(sender, 0, 1);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].message.id, "m-1");
  EXPECT_FALSE((*first)[0].message.payload.has_value());
  auto rest = repo.Sent(sender, (*first)[0].seq, 10);
  ASSERT_EQ(rest->size(), 1u);  // m-2 is another organisation's; m-3 is listed while on its way
  EXPECT_EQ((*rest)[0].message.id, "m-3");
  EXPECT_TRUE(repo.Sent(sender, (*rest)[0].seq, 10)->empty());
  EXPECT_EQ(repo.Sent("essm-rotterdam", 0, 10)->size(), 1u);
}

// A person's inbox shows the latest first: newest-first pages start at the newest (cursor 0)
// and go on below the last one's cursor, and both lists use their index (no full scan).
TEST_F(MessageRepositoryTest, BothListsPageNewestFirstByTheirIndex) {
  for (const char* id : {"m-1", "m-2", "m-3", "m-4"})
    ASSERT_TRUE(InsertInTransaction(Message(id), {{"comensha", "delivered"}}).ok());
  MessageRepository repo(*db_);
  auto newest = repo.Inbox("comensha", 0, 2, ListOrder::kNewestFirst);
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 2u);
  EXPECT_EQ((*newest)[0].message.id, "m-4");
  EXPECT_EQ((*newest)[1].message.id, "m-3");
  auto older = repo.Inbox("comensha", (*newest)[1].delivery.seq, 10, ListOrder::kNewestFirst);
  ASSERT_EQ(older->size(), 2u);
  EXPECT_EQ((*older)[0].message.id, "m-2");
  EXPECT_EQ((*older)[1].message.id, "m-1");
  const std::string sender = Message("m-1").sender_org;
  auto sent = repo.Sent(sender, 0, 3, ListOrder::kNewestFirst);
  ASSERT_EQ(sent->size(), 3u);
  EXPECT_EQ((*sent)[0].message.id, "m-4");
  auto rest = repo.Sent(sender, (*sent)[2].seq, 3, ListOrder::kNewestFirst);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].message.id, "m-1");

  // The query plans: each list reads its index, so a page costs its rows at any size.
  auto plan = [&](const std::string& sql) {
    std::string out;
    auto s = db_->Prepare("EXPLAIN QUERY PLAN " + sql);
    EXPECT_TRUE(s.ok());
    for (auto row = s->Step(); row.ok() && *row; row = s->Step())
      out += s->ColumnText(3) + "\n";
    return out;
  };
  EXPECT_NE(plan("SELECT rowid FROM messages WHERE sender_org = 'x' AND rowid < 5 ORDER BY rowid "
                 "DESC LIMIT 3")
                .find("messages_sender"),
            std::string::npos);
  EXPECT_NE(plan("SELECT seq FROM deliveries WHERE recipient_org = 'x' AND seq < 5 ORDER BY seq "
                 "DESC LIMIT 3")
                .find("deliveries_inbox"),
            std::string::npos);
}

TEST_F(MessageRepositoryTest, EveryStateIsAnEventInOrder) {
  ASSERT_TRUE(InsertInTransaction(Message("m-1"), {{"comensha", "delivered"}}).ok());
  MessageRepository repo(*db_);
  ASSERT_TRUE(repo.SetState("m-1", "comensha", "received", 1794000000100, "comensha/a", "").ok());
  ASSERT_TRUE(
      repo.SetState("m-1", "comensha", "assessed", 1794000000200, "comensha/a", "checked").ok());
  auto events = repo.Events("m-1");
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].state, "delivered");
  EXPECT_EQ((*events)[0].actor, "gateway");
  EXPECT_EQ((*events)[2].state, "assessed");
  EXPECT_EQ((*events)[2].reason, "checked");
  EXPECT_EQ((*repo.Delivery("m-1", "comensha"))->state, "assessed");
  EXPECT_FALSE(repo.Delivery("m-1", "ind")->has_value());
  Status unknown = repo.SetState("m-1", "ind", "received", 1, "ind", "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "delivery_not_found");
}

TEST_F(MessageRepositoryTest, RecallDropsThePayloadBytesAndStopsTheOutbox) {
  ASSERT_TRUE(InsertInTransaction(Message("m-1"), {{"comensha", "sent"}}).ok());
  MessageRepository repo(*db_);
  ASSERT_TRUE(repo.EnqueueOutbox("m-1", "https://peer.example.org:8443", {"comensha"}, 10).ok());
  ASSERT_EQ(repo.DueOutbox(10, 10)->size(), 1u);
  ASSERT_TRUE(repo.Recall("m-1", 20).ok());
  ASSERT_TRUE(repo.Recall("m-1", 30).ok());  // again: keeps the first time
  auto m = repo.Find("m-1", true);
  EXPECT_EQ((*m)->recalled_ms, 20);
  EXPECT_FALSE((*m)->payload.has_value());
  EXPECT_TRUE(repo.DueOutbox(10, 10)->empty());
  EXPECT_EQ((*repo.OutboxFor("m-1"))[0].state, "recalled");
}

TEST_F(MessageRepositoryTest, OutboxItemsComeDueAndRecordEachAttempt) {
  ASSERT_TRUE(InsertInTransaction(Message("m-1"), {{"comensha", "sent"}}).ok());
  MessageRepository repo(*db_);
  ASSERT_TRUE(repo.EnqueueOutbox("m-1", "https://peer.example.org:8443", {"comensha"}, 100).ok());
  EXPECT_TRUE(repo.DueOutbox(99, 10)->empty());
  auto due = repo.DueOutbox(100, 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].recipients, std::vector<std::string>{"comensha"});
  ASSERT_TRUE(repo.UpdateOutbox((*due)[0].id, "pending", 1, 2000, "peer_unreachable", "").ok());
  EXPECT_TRUE(repo.DueOutbox(1999, 10)->empty());
  ASSERT_EQ(repo.DueOutbox(2000, 10)->size(), 1u);
  ASSERT_TRUE(repo.UpdateOutbox((*due)[0].id, "delivered", 2, 2000, "", R"({"r":1})").ok());
  EXPECT_TRUE(repo.DueOutbox(5000, 10)->empty());
  EXPECT_EQ((*repo.OutboxFor("m-1"))[0].receipt, R"({"r":1})");
}

TEST_F(MessageRepositoryTest, IdempotencyKeysArePerOrganisation) {
  ASSERT_TRUE(InsertInTransaction(Message("m-1"), {{"comensha", "delivered"}}).ok());
  MessageRepository repo(*db_);
  ASSERT_TRUE(repo.InsertIdempotencyKey("shop-denhaag", "k1", Bytes(32, 1), "m-1", 5).ok());
  auto found = repo.FindIdempotencyKey("shop-denhaag", "k1");
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->message_id, "m-1");
  EXPECT_FALSE(repo.FindIdempotencyKey("essm-rotterdam", "k1")->has_value());
}

}  // namespace
}  // namespace ketenpoort::store
