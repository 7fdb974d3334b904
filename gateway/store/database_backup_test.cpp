#include "gateway/store/database_backup.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "gateway/store/test_support.h"

namespace ketenpoort::store {
namespace {

using test::Exists;
using test::FileMode;
using test::Names;
using test::Snapshot;
using test::TempDir;

constexpr char kHexA[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
constexpr char kHexB[] = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

DbKey Key(const char* hex) {
  return std::move(DbKey::FromHex(hex)).value();
}

// A database whose every transaction inserts a pair of rows: a copy with an odd count holds
// half a transaction.
Database PairDatabase(const std::string& path) {
  auto db = Database::Open(path, Key(kHexA), OpenMode::kCreate);
  EXPECT_TRUE(db.ok()) << db.error().ToString();
  EXPECT_TRUE(db->Exec("CREATE TABLE pairs(id INTEGER PRIMARY KEY, filler BLOB)").ok());
  return std::move(db).value();
}

std::int64_t Count(Database& db) {
  auto stmt = db.Prepare("SELECT count(*) FROM pairs");
  EXPECT_TRUE(stmt.ok());
  auto row = stmt->Step();
  EXPECT_TRUE(row.ok() && *row);
  return stmt->ColumnInt64(0);
}

Status InsertPair(Database& db) {
  KP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
  for (int i = 0; i < 2; ++i) {
    KP_ASSIGN_OR_RETURN(Statement insert, db.Prepare("INSERT INTO pairs(filler) VALUES(?)"));
    insert.BindBlob(1, Bytes(700, static_cast<std::uint8_t>(i)));
    KP_RETURN_IF_ERROR(insert.Step());
  }
  return tx.Commit();
}

TEST(DatabaseBackupTest, CopiesALiveDatabaseAsOneSnapshotUnderConcurrentWrites) {
  TempDir dir;
  const std::string path = dir.File("live.db");
  Database setup = PairDatabase(path);
  for (int i = 0; i < 200; ++i)
    ASSERT_TRUE(InsertPair(setup).ok());

  // Another connection writes pairs without pause while snapshots are taken.
  std::atomic<std::int64_t> committed{400};
  std::atomic<bool> stop{false};
  std::atomic<bool> writer_failed{false};
  std::thread writer([&] {
    auto db = Database::Open(path, Key(kHexA), OpenMode::kExisting);
    if (!db) {
      writer_failed = true;
      return;
    }
    while (!stop) {
      if (!InsertPair(*db)) {
        writer_failed = true;
        return;
      }
      committed += 2;
    }
  });

  auto source = Database::Open(path, Key(kHexA), OpenMode::kExisting);
  ASSERT_TRUE(source.ok());
  std::int64_t last = 0;
  for (int round = 0; round < 5; ++round) {
    const std::int64_t before = committed.load();
    const std::string copy_path = dir.File("copy" + std::to_string(round) + ".db");
    Status s = WriteSnapshot(*source, Key(kHexA), copy_path);
    const std::int64_t after = committed.load();
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    EXPECT_EQ(FileMode(copy_path), 0600u);
    EXPECT_FALSE(Exists(copy_path + "-wal"));  // one self-contained file
    auto copy = Database::Open(copy_path, Key(kHexA), OpenMode::kExisting);
    ASSERT_TRUE(copy.ok()) << copy.error().ToString();
    const std::int64_t rows = Count(*copy);
    EXPECT_EQ(rows % 2, 0) << "the copy holds half a transaction";
    EXPECT_GE(rows, before) << "the copy lacks a transaction committed before it began";
    EXPECT_LE(rows, after + 2);
    EXPECT_GE(rows, last);
    last = rows;
  }
  stop = true;
  writer.join();
  EXPECT_FALSE(writer_failed) << "the backup blocked or broke the writer";
  EXPECT_GT(committed.load(), 400) << "no write ran beside the backups";
}

TEST(DatabaseBackupTest, RefusesAnotherKeyAndLeavesNothing) {
  TempDir dir;
  Database source = PairDatabase(dir.File("live.db"));
  ASSERT_TRUE(InsertPair(source).ok());
  auto before = Snapshot(dir.path());
  Status s = WriteSnapshot(source, Key(kHexB), dir.File("copy.db"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "backup_key_mismatch");
  EXPECT_EQ(s.error().message.find(kHexB), std::string::npos);
  EXPECT_EQ(Names(Snapshot(dir.path())), Names(before));
  EXPECT_EQ(Count(source), 2);
}

TEST(DatabaseBackupTest, NeverOverwritesAFile) {
  TempDir dir;
  Database source = PairDatabase(dir.File("live.db"));
  test::WriteFileBytes(dir.File("copy.db"), "operator's file", 0600);
  Status s = WriteSnapshot(source, Key(kHexA), dir.File("copy.db"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "file_exists");
  EXPECT_EQ(test::ReadFileBytes(dir.File("copy.db")), "operator's file");
}

TEST(DatabaseBackupTest, RefusesInsideATransaction) {
  TempDir dir;
  Database source = PairDatabase(dir.File("live.db"));
  auto tx = Transaction::Begin(source);
  ASSERT_TRUE(tx.ok());
  EXPECT_FALSE(WriteSnapshot(source, Key(kHexA), dir.File("copy.db")).ok());
  EXPECT_FALSE(Exists(dir.File("copy.db")));
}

}  // namespace
}  // namespace ketenpoort::store
