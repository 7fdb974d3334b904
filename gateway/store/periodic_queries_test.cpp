#include "gateway/store/periodic_queries.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "gateway/store/migrations.h"
#include "gateway/store/test_support.h"

namespace ketenpoort::store {
namespace {

// Tables that hold a fixed handful of rows whatever the traffic; every other table grows.
const std::set<std::string> kBoundedTables = {"meta", "schema_migrations", "audit_state",
                                              "witness_state", "api_tokens"};

class PeriodicQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = test::MigratedDatabase(dir_.File("kp.db"));
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_.emplace(std::move(*db));
    // Some rows of every kind the queries read, and no ANALYZE: the plan must be good without
    // statistics, as on a gateway that never ran one.
    ASSERT_TRUE(db_->Exec(R"sql(
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO messages(id, kind, sender_org, routing, deadline_ms, expires_ms, created_ms,
                     recalled_ms, payload, payload_sha256)
  SELECT 'm-' || i, CASE i % 3 WHEN 0 THEN 'signal' WHEN 1 THEN 'referral' ELSE 'securemail' END,
         'shop-denhaag', '{}', 1000 + i, CASE i % 3 WHEN 2 THEN 2000 + i END, i,
         CASE WHEN i % 50 = 0 THEN 500 END, CASE WHEN i % 7 <> 0 THEN x'0102' END, zeroblob(32)
  FROM n;
INSERT INTO deliveries(message_id, recipient_org, state, updated_ms)
  SELECT id, 'comensha', 'delivered', created_ms FROM messages;
INSERT INTO outbox(message_id, peer_url, recipients, state, first_attempt_ms, next_attempt_ms)
  SELECT id, 'https://peer.example.org', '[]', 'pending', created_ms, created_ms FROM messages;
INSERT INTO status_reports_out(id, message_id, recipient_org, state, code, reason, actor,
                               set_ms, peer_url, queue_state, first_attempt_ms, next_attempt_ms)
  SELECT 'r-' || id, id, 'comensha', 'received', '', '', 'comensha', created_ms,
         'https://peer.example.org', 'pending', created_ms, created_ms FROM messages;
INSERT INTO securemail_messages(message_id, lang, deadline_ms, expires_ms)
  SELECT id, 'nl', deadline_ms, expires_ms FROM messages WHERE kind = 'securemail';
INSERT INTO securemail_recipients(message_id, email, verification, notify_due_ms)
  SELECT id, 'client@example.org', 'email_code', created_ms FROM messages
  WHERE kind = 'securemail';
INSERT INTO securemail_sessions(session_hash, recipient_id, csrf, expires_ms)
  SELECT randomblob(32), id, 'c', id FROM securemail_recipients;
INSERT INTO blobs(id, org, size, created_ms, message_id)
  SELECT 'b-' || id, 'shop-denhaag', 1, created_ms, CASE WHEN created_ms % 2 = 0 THEN id END
  FROM messages;
)sql")
                    .ok());
  }

  // The `detail` column of every step of the statement's plan.
  std::vector<std::string> Plan(std::string_view sql) {
    std::vector<std::string> steps;
    auto s = db_->Prepare("EXPLAIN QUERY PLAN " + std::string(sql));
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    if (!s.ok())
      return steps;
    for (;;) {
      auto row = s->Step();
      EXPECT_TRUE(row.ok());
      if (!row.ok() || !*row)
        break;
      steps.push_back(s->ColumnText(3));
    }
    return steps;
  }

  // The steps that walk a whole table (or a whole index of it) that grows with traffic.
  std::vector<std::string> ScansOfGrowingTables(std::string_view sql) {
    std::vector<std::string> bad;
    for (const std::string& step : Plan(sql)) {
      const std::string prefix = "SCAN TABLE ";
      if (step.rfind(prefix, 0) != 0)
        continue;  // SEARCH, subquery, temp b-tree
      const std::string table =
          step.substr(prefix.size(), step.find(' ', prefix.size()) - prefix.size());
      if (IsTable(table) && kBoundedTables.count(table) == 0)
        bad.push_back(step);
    }
    return bad;
  }

  // True for a table of the schema, false for a CTE or subquery the plan also calls a table.
  bool IsTable(const std::string& name) {
    auto s = db_->Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    EXPECT_TRUE(s.ok());
    s->Bind(1, name);
    auto row = s->Step();
    return row.ok() && *row;
  }

  test::TempDir dir_;
  std::optional<Database> db_;
};

std::string Joined(const std::vector<std::string>& steps) {
  std::string out;
  for (const std::string& s : steps)
    out += "\n  " + s;
  return out;
}

TEST_F(PeriodicQueriesTest, NoPeriodicQueryScansATableThatGrowsWithTraffic) {
  for (const sql::PeriodicQuery& q : sql::kPeriodicQueries) {
    const std::vector<std::string> plan = Plan(q.sql);
    ASSERT_FALSE(plan.empty()) << q.name;
    EXPECT_TRUE(ScansOfGrowingTables(q.sql).empty()) << q.name << " scans:" << Joined(plan);
  }
}

TEST_F(PeriodicQueriesTest, SecureMailSweepsNeverReadMessagesToFindTheirRows) {
  // The expiry sweep runs every second: it reads only the index of not-yet-expired rows.
  for (const std::string& step : Plan(sql::kSecureMailExpiriesDue))
    EXPECT_EQ(step.find("TABLE messages "), std::string::npos) << step;
  const std::vector<std::string> deadlines = Plan(sql::kSecureMailDeadlinesDue);
  ASSERT_FALSE(deadlines.empty());
  EXPECT_NE(deadlines.front().find("securemail_messages_deadline"), std::string::npos)
      << Joined(deadlines);
}

// The check itself: the expiry query as it was before store migration 11 walked all of
// `messages` (decrypting every page) every second; the check must say so.
TEST_F(PeriodicQueriesTest, TheCheckFlagsTheOldExpiryJoinAsAScanOfMessages) {
  const std::vector<std::string> bad = ScansOfGrowingTables(
      "SELECT sm.message_id FROM securemail_messages sm JOIN messages m ON m.id = "
      "sm.message_id WHERE m.expires_ms IS NOT NULL AND m.expires_ms <= ? AND "
      "sm.expired_ms IS NULL");
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad.front().rfind("SCAN TABLE messages", 0), 0u) << bad.front();
}

}  // namespace
}  // namespace ketenpoort::store
