// Times the queries the periodic workers run to find due work (gateway/store/periodic_queries.h)
// on a populated SQLCipher database, before and after store migration 11: the database is grown
// at schema version 10 and the old SQL timed, then migrated and the current SQL timed. Nothing
// is due, as on an idle gateway, so each figure is the cost of merely looking.
//
//   kp_periodic_queries_bench [--messages 50000] [--securemail 2000] [--runs 20]
//
// Prints one line per query: median and worst wall time over the runs. Measures, never fails.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/store/database.h"
#include "gateway/store/db_key.h"
#include "gateway/store/migrations.h"
#include "gateway/store/periodic_queries.h"
#include "gateway/store/test_support.h"

namespace {

using ketenpoort::store::Database;
namespace sql = ketenpoort::store::sql;

struct Timed {
  std::string_view name;
  std::string_view sql;
};

// The due queries of schema version 10, as the repositories ran them until migration 11.
constexpr Timed kBefore[] = {
    {"DueNotifications", sql::kSecureMailDueNotifications},
    {"DeadlinesDue",
     "SELECT sm.message_id FROM securemail_messages sm JOIN messages m ON m.id = sm.message_id "
     "WHERE m.deadline_ms IS NOT NULL AND sm.deadline_warned_ms IS NULL AND m.recalled_ms IS "
     "NULL AND m.deadline_ms - ?2 <= ?1 ORDER BY m.deadline_ms"},
    {"ExpiriesDue",
     "SELECT sm.message_id FROM securemail_messages sm JOIN messages m ON m.id = sm.message_id "
     "WHERE m.expires_ms IS NOT NULL AND m.expires_ms <= ?1 AND sm.expired_ms IS NULL"},
    {"DeleteExpiredSessions", "DELETE FROM securemail_sessions WHERE expires_ms <= ?1"},
    {"Disposable (uploads)",
     "SELECT id FROM blobs WHERE message_id IS NULL AND created_ms < ?1 UNION SELECT b.id FROM "
     "blobs b JOIN messages m ON m.id = b.message_id WHERE m.payload IS NULL LIMIT ?2"},
    {"KindsWithPayloads",
     "SELECT DISTINCT kind FROM messages WHERE payload IS NOT NULL ORDER BY kind"},
};

constexpr Timed kAfter[] = {
    {"DueNotifications", sql::kSecureMailDueNotifications},
    {"DeadlinesDue", sql::kSecureMailDeadlinesDue},
    {"ExpiriesDue", sql::kSecureMailExpiriesDue},
    {"DeleteExpiredSessions", sql::kSecureMailDeleteExpiredSessions},
    {"Disposable (uploads)", sql::kBlobsDisposable},
    {"KindsWithPayloads", sql::kKindsWithPayloads},
};

constexpr std::int64_t kNow = 1'800'000'000'000;

void Check(const ketenpoort::Status& s, const char* what) {
  if (!s) {
    std::fprintf(stderr, "%s: %s\n", what, s.error().ToString().c_str());
    std::exit(1);
  }
}

// Runs the statement to its end (a SELECT reads every row, a DELETE deletes); milliseconds.
double RunOnce(Database& db, std::string_view text) {
  const auto start = std::chrono::steady_clock::now();
  auto s = db.Prepare(text);
  Check(s.ok() ? ketenpoort::Ok() : ketenpoort::Status(s.error()), "prepare");
  // Parameters: ?1 now (or the unclaimed-before time), ?2 the warning period or a limit.
  if (text.find("?1") != std::string_view::npos)
    s->Bind(1, kNow);
  if (text.find("?2") != std::string_view::npos)
    s->Bind(2, std::int64_t{100});
  for (;;) {
    auto row = s->Step();
    Check(row.ok() ? ketenpoort::Ok() : ketenpoort::Status(row.error()), "step");
    if (!*row)
      break;
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

void TimeAll(Database& db, const char* label, const Timed* queries, std::size_t n, int runs) {
  double tick = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> ms;
    for (int r = 0; r < runs; ++r)
      ms.push_back(RunOnce(db, queries[i].sql));
    std::sort(ms.begin(), ms.end());
    const double median = ms[ms.size() / 2];
    if (queries[i].name != std::string_view("KindsWithPayloads"))
      tick += median;
    std::printf("%-7s %-24s median %9.3f ms   max %9.3f ms\n", label,
                std::string(queries[i].name).c_str(), median, ms.back());
  }
  std::printf("%-7s secure-mail tick (the five above, summed medians): %.3f ms\n\n", label, tick);
}

}  // namespace

int main(int argc, char** argv) {
  int messages = 50000;
  int securemail = 2000;
  int runs = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--messages")
      messages = value;
    else if (flag == "--securemail")
      securemail = value;
    else if (flag == "--runs")
      runs = value;
  }
  ketenpoort::store::test::TempDir dir;
  auto opened = Database::Open(dir.File("bench.db"), ketenpoort::store::DbKey::Generate(),
                               ketenpoort::store::OpenMode::kCreate);
  Check(opened.ok() ? ketenpoort::Ok() : ketenpoort::Status(opened.error()), "open");
  Database& db = *opened;
  Check(ketenpoort::store::Migrate(db, ketenpoort::store::Migrations().first(10)), "migrate 10");

  // Signals with a 2 KiB sealed payload (the submit bench's traffic), then secure mail with a
  // deadline and an expiry in the future, a recipient, a session and a claimed upload each.
  const auto grow = std::chrono::steady_clock::now();
  const std::string n = std::to_string(messages), k = std::to_string(securemail);
  Check(db.Exec("BEGIN;"
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                n +
                ") INSERT INTO messages(id, kind, sender_org, routing, created_ms, payload, "
                "payload_sha256) SELECT printf('sig-%08d', i), 'signal', 'shop-denhaag', "
                "'{\"region\":\"GM0599\"}', 1700000000000 + i, randomblob(2048), randomblob(32) "
                "FROM n;"
                "INSERT INTO deliveries(message_id, recipient_org, state, updated_ms) SELECT id, "
                "'comensha', 'delivered', created_ms FROM messages;"
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                k +
                ") INSERT INTO messages(id, kind, sender_org, routing, deadline_ms, expires_ms, "
                "created_ms, payload, payload_sha256) SELECT printf('mail-%08d', i), "
                "'securemail', 'shop-denhaag', '{}', 1900000000000 + i, 1950000000000 + i, "
                "1700000000000 + i, randomblob(2048), randomblob(32) FROM n;"
                "INSERT INTO securemail_messages(message_id, lang) SELECT id, 'nl' FROM messages "
                "WHERE kind = 'securemail';"
                "INSERT INTO securemail_recipients(message_id, email, verification) SELECT id, "
                "'client@example.org', 'email_code' FROM messages WHERE kind = 'securemail';"
                "INSERT INTO securemail_sessions(session_hash, recipient_id, csrf, expires_ms) "
                "SELECT randomblob(32), id, 'c', 1950000000000 FROM securemail_recipients;"
                "INSERT INTO blobs(id, org, size, created_ms, message_id) SELECT 'b-' || id, "
                "'shop-denhaag', 1, created_ms, id FROM messages WHERE kind = 'securemail';"
                "COMMIT;"),
        "grow");
  std::printf("grew %d signals and %d secure-mail messages in %.1f s\n\n", messages, securemail,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - grow).count());

  TimeAll(db, "before", kBefore, std::size(kBefore), runs);
  const auto migrate = std::chrono::steady_clock::now();
  Check(ketenpoort::store::Migrate(db), "migrate 11");
  std::printf("migration 11 took %.1f ms\n\n",
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - migrate)
                  .count());
  TimeAll(db, "after", kAfter, std::size(kAfter), runs);
  return 0;
}
