#include "gateway/store/migrations.h"

#include <gtest/gtest.h>

#include <string>

#include "gateway/store/test_support.h"

namespace ketenpoort::store {
namespace {

using test::TempDir;

constexpr char kHex[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto key = DbKey::FromHex(kHex);
    ASSERT_TRUE(key.ok());
    auto db = Database::Open(dir_.File("k.db"), *key, OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_.emplace(std::move(*db));
  }

  std::int64_t QueryInt(const std::string& sql) {
    auto stmt = db_->Prepare(sql);
    EXPECT_TRUE(stmt.ok()) << sql;
    if (!stmt.ok()) {
      return -1;
    }
    auto row = stmt->Step();
    EXPECT_TRUE(row.ok() && *row) << sql;
    return row.ok() && *row ? stmt->ColumnInt64(0) : -1;
  }

  bool TableExists(const std::string& name) {
    return QueryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + name +
                    "'") == 1;
  }

  TempDir dir_;
  std::optional<Database> db_;
};

TEST_F(MigrationsTest, TheListIsConsecutiveFromOne) {
  auto list = Migrations();
  ASSERT_FALSE(list.empty());
  for (std::size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(list[i].version, static_cast<int>(i) + 1);
    EXPECT_FALSE(list[i].name.empty());
  }
  EXPECT_EQ(LatestSchemaVersion(), list.back().version);
  EXPECT_EQ(list[0].name, "tokens");
}

TEST_F(MigrationsTest, MigrateCreatesTheSchema) {
  EXPECT_EQ(*SchemaVersion(*db_), 0);
  Status s = Migrate(*db_);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(*SchemaVersion(*db_), LatestSchemaVersion());
  EXPECT_TRUE(TableExists("api_tokens"));
  EXPECT_TRUE(TableExists("meta"));
  EXPECT_TRUE(TableExists("schema_migrations"));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM schema_migrations"), LatestSchemaVersion());
  EXPECT_GT(QueryInt("SELECT applied_at FROM schema_migrations WHERE version = 1"), 1700000000);
}

TEST_F(MigrationsTest, MigrateIsIdempotent) {
  ASSERT_TRUE(Migrate(*db_).ok());
  ASSERT_TRUE(Migrate(*db_).ok());
  ASSERT_TRUE(Migrate(*db_).ok());
  EXPECT_EQ(*SchemaVersion(*db_), LatestSchemaVersion());
  EXPECT_EQ(QueryInt("SELECT count(*) FROM schema_migrations"), LatestSchemaVersion());
}

TEST_F(MigrationsTest, NewerSchemaIsRefusedAndUntouched) {
  ASSERT_TRUE(Migrate(*db_).ok());
  const int newer = LatestSchemaVersion() + 1;
  ASSERT_TRUE(db_->Exec("PRAGMA user_version = " + std::to_string(newer)).ok());
  Status s = Migrate(*db_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "schema_too_new");
  EXPECT_NE(s.error().message.find(std::to_string(newer)), std::string::npos);
  EXPECT_EQ(*SchemaVersion(*db_), newer);
}

TEST_F(MigrationsTest, AppliesOnlyPendingMigrations) {
  const Migration first[] = {{1, "one", "CREATE TABLE one(x);"}};
  const Migration both[] = {{1, "one", "CREATE TABLE one(x);"},
                            {2, "two", "CREATE TABLE two(x); INSERT INTO two VALUES(1);"}};
  ASSERT_TRUE(Migrate(*db_, first).ok());
  EXPECT_EQ(*SchemaVersion(*db_), 1);
  Status s = Migrate(*db_, both);  // would fail if "one" ran again: the table exists
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(*SchemaVersion(*db_), 2);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM two"), 1);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM schema_migrations"), 2);
}

TEST_F(MigrationsTest, FailedMigrationLeavesThePreviousVersion) {
  const Migration list[] = {{1, "one", "CREATE TABLE one(x);"},
                            {2, "broken", "CREATE TABLE two(x); INSERT INTO nowhere VALUES(1);"}};
  Status s = Migrate(*db_, list);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("broken"), std::string::npos);
  EXPECT_EQ(*SchemaVersion(*db_), 1);
  EXPECT_TRUE(TableExists("one"));
  EXPECT_FALSE(TableExists("two"));  // rolled back with the rest of migration 2
  EXPECT_EQ(QueryInt("SELECT count(*) FROM schema_migrations"), 1);
  EXPECT_FALSE(db_->InTransaction());
}

TEST_F(MigrationsTest, MisnumberedListIsRejected) {
  const Migration gap[] = {{1, "one", "SELECT 1;"}, {3, "three", "SELECT 1;"}};
  Status s = Migrate(*db_, gap);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "migrations_invalid");
  EXPECT_EQ(*SchemaVersion(*db_), 0);
}

TEST_F(MigrationsTest, SchemaSurvivesReopening) {
  ASSERT_TRUE(Migrate(*db_).ok());
  db_.reset();
  auto key = DbKey::FromHex(kHex);
  auto db = Database::Open(dir_.File("k.db"), *key, OpenMode::kExisting);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*SchemaVersion(*db), LatestSchemaVersion());
  EXPECT_TRUE(Migrate(*db).ok());
}

TEST_F(MigrationsTest, PeriodicIndexesCopyDeadlinesAndFlagUploadsOfExistingRows) {
  ASSERT_TRUE(Migrate(*db_, Migrations().first(10)).ok());
  ASSERT_TRUE(db_->Exec(R"sql(
INSERT INTO messages(id, kind, sender_org, routing, deadline_ms, expires_ms, created_ms, payload,
                     payload_sha256)
  VALUES('m-mail', 'securemail', 'shop-denhaag', '{}', 7000, 9000, 1, x'01', zeroblob(32)),
        ('m-gone', 'securemail', 'shop-denhaag', '{}', NULL, NULL, 1, NULL, zeroblob(32));
INSERT INTO securemail_messages(message_id, lang) VALUES('m-mail', 'nl'), ('m-gone', 'en');
INSERT INTO blobs(id, org, size, created_ms, message_id)
  VALUES('b-live', 'shop-denhaag', 1, 1, 'm-mail'), ('b-gone', 'shop-denhaag', 1, 1, 'm-gone');
)sql")
                  .ok());
  ASSERT_TRUE(Migrate(*db_).ok());
  EXPECT_EQ(QueryInt("SELECT deadline_ms FROM securemail_messages WHERE message_id = 'm-mail'"),
            7000);
  EXPECT_EQ(QueryInt("SELECT expires_ms FROM securemail_messages WHERE message_id = 'm-mail'"),
            9000);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM securemail_messages WHERE message_id = 'm-gone' AND "
                     "deadline_ms IS NULL AND expires_ms IS NULL"),
            1);
  EXPECT_EQ(QueryInt("SELECT content_gone FROM blobs WHERE id = 'b-live'"), 0);
  EXPECT_EQ(QueryInt("SELECT content_gone FROM blobs WHERE id = 'b-gone'"), 1);
}

}  // namespace
}  // namespace ketenpoort::store
