// The examples at the top of gateway/deadlines' headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <cstdint>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapters/kinds/registry.h"
#include "gateway/audit/audit_log.h"
#include "gateway/core/directory.h"
#include "gateway/deadlines/reminder_worker.h"
#include "gateway/deadlines/retention.h"
#include "gateway/messages/live_directory.h"
#include "gateway/store/guarded_database.h"
#include "gateway/store/message_repository.h"
#include "gateway/store/test_support.h"

namespace ketenpoort::server {
namespace {

constexpr std::int64_t kHour = 3600 * 1000;

std::string ReadSource(const std::string& path) {
  std::ifstream in(std::string(KP_SOURCE_DIR) + "/" + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

store::MessageRecord Referral(const std::string& id, std::int64_t created_ms) {
  store::MessageRecord m;
  m.id = id;
  m.kind = "referral";
  m.sender_org = "shop-denhaag";
  m.subject_ref = "pseudonym-" + id;
  m.routing = {{"region", "GM0518"}, {"age_band", "adult"}, {"urgency", "urgent"}};
  m.legal_basis = "consent";
  m.created_ms = created_ms;
  m.payload = Bytes{1, 2, 3};
  m.payload_sha256 = Bytes(32, 0xab);
  return m;
}

Status Insert(store::GuardedDatabase& db, const store::MessageRecord& m) {
  return db.Write([&](store::Database& conn) {
    return store::MessageRepository(conn).Insert(m, {{"wende-denhaag", "delivered"}}, "gateway");
  });
}

int AuditEvents(store::GuardedDatabase& db, const std::string& event) {
  auto all = db.Read([](store::Database& conn) { return audit::AuditLog().Query(conn, {}); });
  EXPECT_TRUE(all.ok());
  int n = 0;
  for (const auto& e : all.ok() ? *all : std::vector<audit::StoredEntry>{})
    n += e.entry.event == event ? 1 : 0;
  return n;
}

// gateway/deadlines/reminder_worker.h
TEST(DeadlinesExamples, ReminderWorker) {
  store::test::TempDir tmp;
  store::GuardedDatabase db(std::move(*store::test::MigratedDatabase(tmp.File("kp.db"))));
  auto parsed = Directory::Parse(ReadSource("config/demo/organisations.json"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  LiveDirectory dir(*DirectorySnapshot::Make(*parsed, RoutingRules{}));
  // An urgent referral, unanswered for five hours: its escalation is due now (real time).
  ASSERT_TRUE(Insert(db, Referral("m-urgent", audit::NowMs() - 5 * kHour)).ok());
  struct Mail {
    std::string to, subject, text;
  };
  struct Relay {
    std::mutex mu;
    std::vector<Mail> sent;
    Status Send(Mail m) {
      std::lock_guard lock(mu);
      sent.push_back(std::move(m));
      return Ok();
    }
  } smtp;

  ReminderWorker::Config c{.db = &db,
                           .directory = &dir,  // dir: a LiveDirectory
                           .kinds = &kinds::BuiltinKinds(),
                           .clock = audit::NowMs};
  c.deadlines = *c.kinds->ConfigureDeadlines({});  // gateway.json `kinds`: none, the defaults
  c.send_mail = [&smtp](const std::string& to, const std::string& subject,
                        const std::string& text) {
    return smtp.Send({to, subject, text});
  };
  ReminderWorker worker(std::move(c));
  worker.Start();                // a thread of its own (worker/worker.h)
  auto pass = worker.RunOnce();  // or drive it directly (tests: with their own clock)
  worker.Stop();                 // returns after the item in progress, joins

  ASSERT_TRUE(pass.ok()) << pass.error().ToString();
  // The thread's first pass and RunOnce may both have looked: the notice is recorded once.
  EXPECT_EQ(AuditEvents(db, "reminder"), 1);
  std::lock_guard lock(smtp.mu);
  ASSERT_FALSE(smtp.sent.empty());
  for (const Mail& m : smtp.sent) {
    EXPECT_EQ(m.to, "aanmelding@wende-denhaag.example.org");
    EXPECT_NE(m.text.find("m-urgent"), std::string::npos);
    EXPECT_EQ(m.text.find("pseudonym"), std::string::npos);  // never the pseudonym
  }
}

// gateway/deadlines/retention.h
TEST(DeadlinesExamples, Retention) {
  store::test::TempDir tmp;
  store::GuardedDatabase db(std::move(*store::test::MigratedDatabase(tmp.File("kp.db"))));
  const std::int64_t year = 366 * 24 * kHour;
  ASSERT_TRUE(Insert(db, Referral("m-old", audit::NowMs() - 20 * year)).ok());
  ASSERT_TRUE(Insert(db, Referral("m-new", audit::NowMs())).ok());

  auto purged = PurgeExpiredPayloads(db, kinds::BuiltinKinds(), {.now_ms = audit::NowMs()});
  // *purged == number of payloads deleted; reading such a message answers 410 message_purged

  ASSERT_TRUE(purged.ok()) << purged.error().ToString();
  EXPECT_EQ(*purged, 1);
  auto payload = [&](const std::string& id) {
    auto found = db.Read(
        [&](store::Database& conn) { return store::MessageRepository(conn).Find(id, true); });
    EXPECT_TRUE(found.ok() && found->has_value());
    return found.ok() && found->has_value() && (*found)->payload.has_value();
  };
  EXPECT_FALSE(payload("m-old"));  // the header stays, the payload is gone
  EXPECT_TRUE(payload("m-new"));
  EXPECT_EQ(AuditEvents(db, "purge"), 1);
}

}  // namespace
}  // namespace ketenpoort::server
