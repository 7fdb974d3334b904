// The examples at the top of gateway/store's headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/audit/audit_log.h"
#include "gateway/crypto/hash.h"
#include "gateway/crypto/totp.h"
#include "gateway/store/blob_repository.h"
#include "gateway/store/blob_store.h"
#include "gateway/store/consent_repository.h"
#include "gateway/store/database.h"
#include "gateway/store/database_backup.h"
#include "gateway/store/db_key.h"
#include "gateway/store/group_commit.h"
#include "gateway/store/guarded_database.h"
#include "gateway/store/kind_repository.h"
#include "gateway/store/message_repository.h"
#include "gateway/store/migrations.h"
#include "gateway/store/operational_gauges.h"
#include "gateway/store/periodic_queries.h"
#include "gateway/store/posix_file.h"
#include "gateway/store/status_report_repository.h"
#include "gateway/store/test_support.h"
#include "gateway/store/token_repository.h"

namespace ketenpoort::store {
namespace {

using crypto::Sha256;
using test::MigratedDatabase;
using test::TempDir;

constexpr std::int64_t kNow = 1'780'000'000'000;

MessageRecord Message(const std::string& id, const std::string& kind = "signal") {
  MessageRecord m;
  m.id = id;
  m.kind = kind;
  m.sender_org = "shop-denhaag";
  m.subject_ref = "94a0b4f3797b32eae31552779610539c2f56aea622195df46ed88fa32c2a4646";
  m.routing = {{"region", "GM0518"}, {"age_band", "adult"}};
  m.created_ms = kNow;
  m.payload = Bytes{1, 2, 3};
  m.payload_sha256 = Bytes(32, 0xab);
  return m;
}

audit::AuditEntry Entry(const std::string& object) {
  audit::AuditEntry e;
  e.time_ms = kNow;
  e.event = std::string(audit::event::kOpen);
  e.user = "j.jansen";
  e.organisation = "shop-denhaag";
  e.role = "sender";
  e.action = std::string(audit::action::kRead);
  e.object = object;
  e.outcome = std::string(audit::kOutcomeSuccess);
  return e;
}

// A fresh migrated database in a folder of its own.
struct Db {
  TempDir dir;
  Database db = std::move(*MigratedDatabase(dir.File("kp.db")));
};

// gateway/store/blob_repository.h
TEST(StoreExamples, BlobRepository) {
  Db d;
  Database& db = d.db;
  ASSERT_TRUE(MessageRepository(db).Insert(Message("m-1"), {}, "gateway").ok());
  const std::string id = "b-0123456789abcdef0123456789abcdef";
  const std::int64_t n = 4096;
  const std::int64_t now = kNow;
  const std::int64_t ttl = 3'600'000;
  BlobRepository blobs(db);
  ASSERT_TRUE(blobs
                  .Insert({.id = id,
                           .org = "shop-denhaag",
                           .size = n,
                           .created_ms = now,
                           .message_id = std::nullopt})
                  .ok());
  auto claimed = blobs.Claim(id, "shop-denhaag", "m-1");
  ASSERT_TRUE(claimed.ok()) << claimed.error().ToString();
  EXPECT_TRUE(*claimed);
  EXPECT_FALSE(*blobs.Claim(id, "shop-denhaag", "m-1"));  // claimed once
  auto gone = blobs.Disposable(now - ttl, 100);           // to delete
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(gone->empty());  // claimed by a message that is still there
}

// gateway/store/blob_store.h
TEST(StoreExamples, BlobStore) {
  TempDir dir;
  auto run = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(BlobStore blobs, BlobStore::Open(dir.File("blobs")));  // mkdir 0700
    KP_ASSIGN_OR_RETURN(BlobWriter w, blobs.Create());  // a new temporary file
    KP_RETURN_IF_ERROR(w.Append(AsBytes("cipher")));    // as the upload arrives
    KP_RETURN_IF_ERROR(w.Append(AsBytes("text")));
    KP_ASSIGN_OR_RETURN(std::string id, w.Commit());  // "b-" + 32 hex digits
    EXPECT_TRUE(BlobStore::IsValidId(id));
    KP_ASSIGN_OR_RETURN(std::string path, blobs.PathOf(id));  // for crypto::DetachedReader
    EXPECT_EQ(test::ReadFileBytes(path), "ciphertext");
    KP_RETURN_IF_ERROR(blobs.Remove(id));
    EXPECT_FALSE(test::Exists(path));
    return Ok();
  };
  Status s = run();
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(test::FileMode(dir.File("blobs")) & 0777, 0700u);
}

// gateway/store/consent_repository.h
TEST(StoreExamples, ConsentRepository) {
  TempDir dir;
  Database db = std::move(*MigratedDatabase(dir.File("kp.db")));
  const std::string ref(64, 'a');
  ConsentRepository consents(db);
  EXPECT_EQ(*consents.FirstWithdrawn("shop-denhaag", ref, {"comensha"}), "");
  ASSERT_TRUE(consents
                  .Withdraw({.org = "shop-denhaag",
                             .subject_ref = ref,
                             .recipient_org = "politie-avim-haaglanden",
                             .reason = "client withdrew by phone",
                             .time_ms = 1795392000000,
                             .actor = "shop-denhaag/j.devries"})
                  .ok());
  EXPECT_EQ(*consents.FirstWithdrawn("shop-denhaag", ref, {"comensha", "politie-avim-haaglanden"}),
            "politie-avim-haaglanden");
  EXPECT_EQ(*consents.FirstWithdrawn("shop-denhaag", ref, {"comensha"}), "");
  EXPECT_EQ(*consents.FirstWithdrawn("essm-rotterdam", ref, {"politie-avim-haaglanden"}), "")
      << "another organisation's client, even under the same pseudonym";
  ASSERT_TRUE(consents
                  .Withdraw({.org = "shop-denhaag",
                             .subject_ref = ref,
                             .reason = "for everyone",
                             .time_ms = 1795392000001,
                             .actor = "shop-denhaag"})
                  .ok());
  EXPECT_EQ(*consents.FirstWithdrawn("shop-denhaag", ref, {"comensha"}), "comensha");
}

// gateway/store/status_report_repository.h
TEST(StoreExamples, StatusReportRepository) {
  TempDir dir;
  Database db = std::move(*MigratedDatabase(dir.File("kp.db")));
  ASSERT_TRUE(db.Exec("INSERT INTO messages(id, kind, sender_org, routing, created_ms, "
                      "payload_sha256) VALUES('m-5f0c', 'signal', 'shop-denhaag', '{}', 1, "
                      "zeroblob(32))")
                  .ok());
  const std::int64_t now = 1795392000000;
  StatusReportRepository reports(db);
  ASSERT_TRUE(reports
                  .Enqueue({.id = NewReportId(),
                            .message_id = "m-5f0c",
                            .recipient_org = "comensha",
                            .state = "assessed",
                            .actor = "comensha/a.bakker",
                            .set_ms = now},
                           "https://gw-a.example.org:8443", now)
                  .ok());
  auto due = reports.Due(now, 32);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].report.state, "assessed");
  EXPECT_EQ((*due)[0].queue_state, "pending");
  EXPECT_EQ((*due)[0].report.id.rfind("r-", 0), 0u);
}

// gateway/store/database.h
TEST(StoreExamples, Database) {
  Db d;
  const std::string path = d.dir.File("second.db");
  const DbKey key = DbKey::Generate();
  ASSERT_TRUE(Database::Open(path, key, OpenMode::kCreate).ok());
  auto run = [&](bool commit) -> Status {
    KP_ASSIGN_OR_RETURN(Database db, Database::Open(path, key, OpenMode::kExisting));
    KP_RETURN_IF_ERROR(Migrate(db));
    KP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    KP_ASSIGN_OR_RETURN(Statement insert, db.Prepare("INSERT INTO meta(key, value) VALUES(?, ?)"));
    insert.Bind(1, "site").Bind(2, "den-haag");
    KP_RETURN_IF_ERROR(insert.Step());
    if (commit)
      KP_RETURN_IF_ERROR(tx.Commit());  // without this, ~Transaction rolls back
    return Ok();
  };
  auto sites = [&]() -> std::int64_t {
    auto db = Database::Open(path, key, OpenMode::kExisting);
    auto s = db->Prepare("SELECT COUNT(*) FROM meta WHERE key = 'site'");
    EXPECT_TRUE(*s->Step());
    return s->ColumnInt64(0);
  };
  ASSERT_TRUE(run(false).ok());
  EXPECT_EQ(sites(), 0);
  ASSERT_TRUE(run(true).ok());
  EXPECT_EQ(sites(), 1);
}

// gateway/store/database_backup.h
TEST(StoreExamples, DatabaseBackup) {
  TempDir dir;
  const std::string path = dir.File("kp.db");
  const std::string copy_path = dir.File("snapshot.db");
  const DbKey key = DbKey::Generate();
  ASSERT_TRUE(Database::Open(path, key, OpenMode::kCreate).ok());
  auto run = [&]() -> Result<int> {
    KP_ASSIGN_OR_RETURN(Database live, Database::Open(path, key, OpenMode::kExisting));
    KP_RETURN_IF_ERROR(Migrate(live));
    KP_RETURN_IF_ERROR(WriteSnapshot(live, key, copy_path));
    KP_ASSIGN_OR_RETURN(Database copy, Database::Open(copy_path, key, OpenMode::kExisting));
    return SchemaVersion(copy);
  };
  auto version = run();
  ASSERT_TRUE(version.ok()) << version.error().ToString();
  EXPECT_EQ(*version, LatestSchemaVersion());
}

// gateway/store/db_key.h
TEST(StoreExamples, DbKey) {
  TempDir dir;
  const std::string path = dir.File("kp.db");
  auto run = [&]() -> Status {
    DbKey key = DbKey::Generate();
    KP_RETURN_IF_ERROR(key.WriteNewFile(dir.path() + "/db.key"));  // 0600, refuses to overwrite
    EXPECT_FALSE(key.WriteNewFile(dir.path() + "/db.key").ok());
    KP_ASSIGN_OR_RETURN(Database created, Database::Open(path, key, OpenMode::kCreate));
    return Ok();
  };
  ASSERT_TRUE(run().ok());
  EXPECT_EQ(test::FileMode(dir.File("db.key")) & 0777, 0600u);
  auto reopen = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(DbKey key, ResolveKey(dir.File("db.key")));
    KP_ASSIGN_OR_RETURN(Database db, Database::Open(path, key, OpenMode::kExisting));
    return Ok();
  };
  EXPECT_TRUE(reopen().ok());
}

// gateway/store/group_commit.h
TEST(StoreExamples, GroupCommit) {
  test::TempDir dir;
  GuardedDatabase db(std::move(*MigratedDatabase(dir.File("kp.db"))));
  std::promise<Status> answered;
  {
    GroupCommit commits(db);  // starts the committer thread
    const MessageRecord m = Message("m-1");
    const audit::AuditEntry entry = Entry("m-1");
    auto complete = [&](Status s) { answered.set_value(s); };
    commits.Submit(
        [m, entry](Database& db) -> Status {  // runs inside BEGIN IMMEDIATE
          KP_RETURN_IF_ERROR(MessageRepository(db).Insert(m, {{"comensha", "delivered"}}, "gw"));
          return audit::AuditLog().Append(db, entry);
        },
        [complete](Status s) { complete(s); });
    // Nothing waits: `done` runs on the committer thread once the batch committed.
    Status ran = commits.Run(
        [&](Database& db) { return MessageRepository(db).Insert(Message("m-2"), {}, "gw"); });
    EXPECT_TRUE(ran.ok()) << ran.error().ToString();  // committed and on disk
  }
  Status s = answered.get_future().get();
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  auto page = db.Read([](Database& db) { return MessageRepository(db).Inbox("comensha", 0, 100); });
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->size(), 1u);
}

// gateway/store/guarded_database.h
TEST(StoreExamples, GuardedDatabase) {
  TempDir dir;
  Result<Database> opened = MigratedDatabase(dir.File("kp.db"));
  ASSERT_TRUE(opened.ok());
  ASSERT_TRUE(MessageRepository(*opened)
                  .Insert(Message("m-1"), {{"comensha", "delivered"}}, "gateway")
                  .ok());
  const std::string id = "m-1";
  const std::string org = "comensha";
  const std::string state = "read";
  const std::int64_t now = kNow + 1000;

  GuardedDatabase db(std::move(*opened));              // takes the connection over
  Status s = db.Write([&](Database& conn) -> Status {  // the lock is held for this call
    KP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
    KP_RETURN_IF_ERROR(MessageRepository(conn).SetState(id, org, state, now, org, ""));
    return tx.Commit();
  });
  auto found = db.Read([&](Database& conn) { return MessageRepository(conn).Find(id, false); });

  ASSERT_TRUE(s.ok()) << s.error().ToString();
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, id);
  auto delivery =
      db.Read([&](Database& conn) { return MessageRepository(conn).Delivery(id, org); });
  ASSERT_TRUE(delivery.ok());
  ASSERT_TRUE(delivery->has_value());
  EXPECT_EQ((*delivery)->state, state);  // the write committed
}

// gateway/store/kind_repository.h
TEST(StoreExamples, KindRepository) {
  Db d;
  Database& db = d.db;
  ASSERT_TRUE(MessageRepository(db).Insert(Message("m-1", "referral"), {}, "gw").ok());
  NoticeRecord notice{.message_id = "m-1",
                      .key = "escalation:wende-denhaag",
                      .type = "escalation",
                      .to_org = "shop-denhaag",
                      .about_org = "wende-denhaag",
                      .mail_org = "wende-denhaag",
                      .due_ms = kNow,
                      .created_ms = kNow,
                      .reason = "no answer",
                      .mail_state = "pending"};
  auto run = [&]() -> Status {
    KindRepository kinds(db);
    KP_RETURN_IF_ERROR(kinds.SetCodeLists("m-1", R"({"exploitation":2})"));
    KP_ASSIGN_OR_RETURN(bool inserted, kinds.InsertNotice(notice));  // false: recorded before
    EXPECT_TRUE(inserted);
    KP_ASSIGN_OR_RETURN(bool again, kinds.InsertNotice(notice));
    EXPECT_FALSE(again);
    KP_ASSIGN_OR_RETURN(auto mine, kinds.NoticesTo("shop-denhaag", 0, 100));
    EXPECT_EQ(mine.size(), 1u);
    return Ok();
  };
  Status s = run();
  EXPECT_TRUE(s.ok()) << s.error().ToString();
}

// gateway/store/message_repository.h
TEST(StoreExamples, MessageRepository) {
  Db d;
  Database& db = d.db;
  audit::AuditLog audit;
  const MessageRecord message = Message("m-1");
  const audit::AuditEntry entry = Entry("m-1");
  auto run = [&]() -> Status {
    MessageRepository messages(db);
    KP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    KP_RETURN_IF_ERROR(messages.Insert(message, {{"comensha", "delivered"}}, "gateway"));
    KP_RETURN_IF_ERROR(audit.Append(db, entry));  // the action and its entry commit
    KP_RETURN_IF_ERROR(tx.Commit());              // together
    KP_ASSIGN_OR_RETURN(auto page, messages.Inbox("comensha", /*after=*/0, /*limit=*/100));
    EXPECT_EQ(page.size(), 1u);
    return Ok();
  };
  Status s = run();
  EXPECT_TRUE(s.ok()) << s.error().ToString();
}

// gateway/store/migrations.h
TEST(StoreExamples, Migrations) {
  TempDir dir;
  const std::string path = dir.File("kp.db");
  const DbKey key = DbKey::Generate();
  ASSERT_TRUE(Database::Open(path, key, OpenMode::kCreate).ok());
  auto run = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(Database db, Database::Open(path, key, OpenMode::kExisting));
    KP_RETURN_IF_ERROR(Migrate(db));  // no-op when already up to date
    KP_ASSIGN_OR_RETURN(int version, SchemaVersion(db));
    EXPECT_EQ(version, LatestSchemaVersion());
    return Ok();
  };
  ASSERT_TRUE(run().ok());
  ASSERT_TRUE(run().ok());
}

// gateway/store/operational_gauges.h
TEST(StoreExamples, OperationalGauges) {
  Db d;
  Database& db = d.db;
  ASSERT_TRUE(MessageRepository(db).Insert(Message("m-1"), {}, "gateway").ok());
  ASSERT_TRUE(MessageRepository(db)
                  .EnqueueOutbox("m-1", "https://peer.example.org", {"comensha"}, kNow)
                  .ok());
  auto run = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(OperationalGauges g, ReadOperationalGauges(db));
    EXPECT_EQ(g.outbox.pending, 1);
    EXPECT_EQ(g.outbox.oldest_first_attempt_ms, kNow);
    EXPECT_EQ(g.status_reports.pending, 0);
    EXPECT_FALSE(g.status_reports.oldest_first_attempt_ms);
    EXPECT_EQ(g.audit_entries, 0);
    EXPECT_FALSE(g.signed_head_size);
    EXPECT_TRUE(g.witnesses.empty());
    return Ok();
  };
  Status s = run();
  EXPECT_TRUE(s.ok()) << s.error().ToString();
}

// gateway/store/periodic_queries.h
TEST(StoreExamples, PeriodicQueries) {
  Db d;
  Database& db = d.db;
  const std::int64_t now_ms = kNow;
  auto run = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(Statement s, db.Prepare(sql::kSecureMailExpiriesDue));
    s.Bind(1, now_ms);
    KP_ASSIGN_OR_RETURN(bool row, s.Step());
    EXPECT_FALSE(row);
    for (const sql::PeriodicQuery& q : sql::kPeriodicQueries)  // periodic_queries_test.cpp
      KP_RETURN_IF_ERROR(db.Prepare(q.sql));                   // checks their plans
    return Ok();
  };
  Status s = run();
  EXPECT_TRUE(s.ok()) << s.error().ToString();
}

// gateway/store/posix_file.h
TEST(StoreExamples, PosixFile) {
  TempDir dir;
  const std::string path = dir.File("new.bin");
  bool ok = false;
  {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    ASSERT_TRUE(fd.ok());
    ok = ::fsync(fd.get()) == 0 && fd.Close() && SyncFolderOf(path);
  }
  EXPECT_TRUE(ok);
  UniqueFd again(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  EXPECT_FALSE(again.ok());  // errno still tells why
  EXPECT_EQ(errno, EEXIST);
}

// gateway/store/test_support.h
TEST(StoreExamples, TestSupport) {
  std::string kept;
  {
    TempDir dir;  // /tmp/kp_store_XXXXXX
    kept = dir.path();
    Result<Database> db = MigratedDatabase(dir.File("kp.db"));  // random key, every migration
    ASSERT_TRUE(db.ok());
    auto before = test::Snapshot(dir.path());  // every file's bytes
    EXPECT_FALSE(Database::Open(dir.File("kp.db"), DbKey::Generate(), OpenMode::kCreate).ok());
    EXPECT_EQ(test::Snapshot(dir.path()), before);  // the refusal changed nothing
  }
  EXPECT_FALSE(test::Exists(kept));
}

// gateway/store/token_repository.h
TEST(StoreExamples, TokenRepository) {
  Db d;
  Database& db = d.db;
  const std::string token = "kpt_synthetic-token";
  const std::string presented = token;
  const std::int64_t now = kNow;
  auto run = [&]() -> Status {
    TokenRepository tokens(db);
    KP_ASSIGN_OR_RETURN(std::int64_t id, tokens.Insert(Sha256(AsBytes(token)), "shop-denhaag",
                                                       "sender", "j.jansen", now));
    KP_ASSIGN_OR_RETURN(auto record, tokens.FindActiveByHash(Sha256(AsBytes(presented))));
    if (!record)
      return Unauthenticated("the API token is not valid");
    EXPECT_EQ(record->id, id);
    EXPECT_EQ(record->org, "shop-denhaag");
    KP_ASSIGN_OR_RETURN(
        std::int64_t peer_id,
        tokens.Insert(Sha256(AsBytes("kpt_peer")), "gw-b", "peer", "", now,
                      {.gateway_url = "https://gw-b.example.org:8443", .cert_sha256 = "3F:A1:09"}));
    EXPECT_GT(peer_id, id);
    return Ok();
  };
  Status s = run();
  EXPECT_TRUE(s.ok()) << s.error().ToString();
}

}  // namespace
}  // namespace ketenpoort::store
