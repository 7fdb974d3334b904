#include "gateway/store/status_report_repository.h"

#include <gtest/gtest.h>

#include <optional>

#include "gateway/store/test_support.h"

namespace ketenpoort::store {
namespace {

class StatusReportRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = test::MigratedDatabase(dir_.File("kp.db"));
    ASSERT_TRUE(db.ok());
    db_.emplace(std::move(*db));
    for (const char* id : {"m-1", "m-2"}) {
      auto s = db_->Prepare(
          "INSERT INTO messages(id, kind, sender_org, routing, created_ms, payload_sha256) "
          "VALUES(?, 'referral', 'shop-denhaag', '{}', 1, zeroblob(32))");
      ASSERT_TRUE(s.ok());
      s->Bind(1, std::string_view(id));
      ASSERT_TRUE(s->Step().ok());
    }
  }

  StatusReportRecord Report(std::string message, std::string org, std::string state) {
    return {.id = NewReportId(),
            .message_id = std::move(message),
            .recipient_org = std::move(org),
            .state = std::move(state),
            .actor = "shelter-noord/w.visser",
            .set_ms = 100};
  }

  test::TempDir dir_;
  std::optional<Database> db_;
};

TEST_F(StatusReportRepositoryTest, ALaterReportOfADeliveryWaitsForTheEarlierOne) {
  StatusReportRepository reports(*db_);
  ASSERT_TRUE(reports.Enqueue(Report("m-1", "shelter-noord", "accepted"), "https://a", 10).ok());
  ASSERT_TRUE(
      reports.Enqueue(Report("m-1", "shelter-noord", "intake_planned"), "https://a", 10).ok());
  ASSERT_TRUE(reports.Enqueue(Report("m-2", "shelter-noord", "declined"), "https://a", 10).ok());

  auto due = reports.Due(10, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].report.state, "accepted");
  EXPECT_EQ((*due)[1].report.state, "declined");

  // While the first waits for a retry, the second of its delivery is not due either.
  ASSERT_TRUE(reports.Update((*due)[0].seq, "pending", 1, 50, "peer_unreachable", "").ok());
  due = reports.Due(20, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].report.message_id, "m-2");

  // Once the first is delivered, the next of that delivery comes due.
  auto first = reports.OutgoingFor("m-1");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  ASSERT_TRUE(reports.Update((*first)[0].seq, "delivered", 2, 50, "", "{\"receipt\":1}").ok());
  due = reports.Due(20, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].report.state, "intake_planned");
  auto after = reports.OutgoingFor("m-1");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)[0].queue_state, "delivered");
  EXPECT_EQ((*after)[0].receipt, "{\"receipt\":1}");
  EXPECT_EQ((*after)[0].last_error, "");
}

TEST_F(StatusReportRepositoryTest, AnIncomingReportIsKeptOnceByItsId) {
  StatusReportRepository reports(*db_);
  IncomingStatusReport in{.report = Report("m-1", "comensha", "assessed"),
                          .gateway = "gw-b",
                          .signature = Bytes{1, 2, 3},
                          .received_ms = 7};
  auto none = reports.FindIncoming(in.report.id);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(reports.InsertIncoming(in).ok());
  auto again = reports.InsertIncoming(in);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "constraint_violation");
  auto found = reports.FindIncoming(in.report.id);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->report.state, "assessed");
  EXPECT_EQ((*found)->gateway, "gw-b");
  EXPECT_EQ((*found)->signature, (Bytes{1, 2, 3}));
}

}  // namespace
}  // namespace ketenpoort::store
