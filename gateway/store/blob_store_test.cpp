#include "gateway/store/blob_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "gateway/store/blob_repository.h"
#include "gateway/store/message_repository.h"
#include "gateway/store/migrations.h"
#include "gateway/store/test_support.h"

namespace ketenpoort::store {
namespace {

using test::Exists;
using test::ReadFileBytes;
using test::TempDir;

int FilesIn(const std::string& folder) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(folder))
    ++n;
  return n;
}

TEST(BlobStoreTest, CommitKeepsTheBytesUnderANewIdWithPrivateModes) {
  TempDir dir;
  auto blobs = BlobStore::Open(dir.File("blobs"));
  ASSERT_TRUE(blobs.ok()) << blobs.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(dir.File("blobs").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  auto w = blobs->Create();
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w->Append(AsBytes("first piece, ")).ok());
  ASSERT_TRUE(w->Append(AsBytes("second piece")).ok());
  EXPECT_EQ(w->size(), 25u);
  auto id = w->Commit();
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_TRUE(BlobStore::IsValidId(*id));
  auto path = blobs->PathOf(*id);
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(ReadFileBytes(*path), "first piece, second piece");
  ASSERT_EQ(::stat(path->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(*blobs->SizeOf(*id), 25u);
  EXPECT_EQ(FilesIn(blobs->folder()), 1);         // no temporary file left
  EXPECT_FALSE(w->Append(AsBytes("more")).ok());  // spent

  ASSERT_TRUE(blobs->Remove(*id).ok());
  EXPECT_FALSE(Exists(*path));
  EXPECT_TRUE(blobs->Remove(*id).ok());  // gone already: fine
  EXPECT_EQ(blobs->SizeOf(*id).error().code, "blob_not_found");
}

TEST(BlobStoreTest, AWriterDroppedWithoutCommitLeavesNothing) {
  TempDir dir;
  auto blobs = BlobStore::Open(dir.File("blobs"));
  ASSERT_TRUE(blobs.ok());
  {
    auto w = blobs->Create();
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(w->Append(AsBytes("half an upload")).ok());
    EXPECT_EQ(FilesIn(blobs->folder()), 1);
  }
  EXPECT_EQ(FilesIn(blobs->folder()), 0);
}

TEST(BlobStoreTest, IdsThatCouldNameAnotherFileAreRefused) {
  TempDir dir;
  auto blobs = BlobStore::Open(dir.File("blobs"));
  ASSERT_TRUE(blobs.ok());
  for (const char* bad :
       {"", "b-", "../ketenpoort.db", "b-0123456789abcdef0123456789abcdeg",
        "b-0123456789ABCDEF0123456789ABCDEF", "b-0123456789abcdef0123456789abcdef/",
        "tmp-b-0123456789abcdef0123456789abcdef"}) {
    EXPECT_EQ(blobs->PathOf(bad).error().code, "invalid_blob_id") << bad;
    EXPECT_FALSE(blobs->Remove(bad).ok()) << bad;
  }
  EXPECT_TRUE(blobs->PathOf("b-0123456789abcdef0123456789abcdef").ok());
}

TEST(BlobStoreTest, SweepDeletesUnrecordedBlobsAndTemporaryFilesOnly) {
  TempDir dir;
  auto blobs = BlobStore::Open(dir.File("blobs"));
  ASSERT_TRUE(blobs.ok());
  auto commit = [&](std::string_view text) {
    auto w = blobs->Create();
    EXPECT_TRUE(w->Append(AsBytes(text)).ok());
    return *w->Commit();
  };
  const std::string kept = commit("kept");
  const std::string orphan = commit("orphan");
  auto pending = blobs->Create();  // as if a crash left a temporary file behind
  ASSERT_TRUE(pending->Append(AsBytes("partial")).ok());
  test::WriteFileBytes(blobs->folder() + "/README", "not ours", 0600);

  auto removed = blobs->Sweep({kept});
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 2);
  EXPECT_TRUE(Exists(*blobs->PathOf(kept)));
  EXPECT_FALSE(Exists(*blobs->PathOf(orphan)));
  EXPECT_TRUE(Exists(blobs->folder() + "/README"));
}

TEST(BlobStoreTest, OpenRefusesAFileWhereTheFolderShouldBe) {
  TempDir dir;
  test::WriteFileBytes(dir.File("blobs"), "x", 0600);
  auto blobs = BlobStore::Open(dir.File("blobs"));
  ASSERT_FALSE(blobs.ok());
  EXPECT_EQ(blobs.error().code, "invalid_blob_dir");
}

class BlobRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = test::MigratedDatabase(dir_.File("kp.db"));
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_.emplace(std::move(*db));
  }
  Status AddMessage(const std::string& id) {
    MessageRecord m;
    m.id = id;
    m.kind = "securemail";
    m.sender_org = "shop-denhaag";
    m.created_ms = 1000;
    m.payload = Bytes{1, 2, 3};
    m.payload_sha256 = Bytes(32, 0xab);
    KP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
    KP_RETURN_IF_ERROR(MessageRepository(*db_).Insert(m, {}, "gateway"));
    return tx.Commit();
  }
  TempDir dir_;
  std::optional<Database> db_;
};

TEST_F(BlobRepositoryTest, ABlobIsClaimedOnceAndOnlyByItsOrganisation) {
  BlobRepository blobs(*db_);
  ASSERT_TRUE(blobs.Insert({"b-1", "shop-denhaag", 10, 1000, std::nullopt}).ok());
  ASSERT_TRUE(AddMessage("m-1").ok());
  ASSERT_TRUE(AddMessage("m-2").ok());
  EXPECT_FALSE(*blobs.Claim("b-1", "zorg-a", "m-1"));
  EXPECT_FALSE(*blobs.Claim("b-unknown", "shop-denhaag", "m-1"));
  EXPECT_TRUE(*blobs.Claim("b-1", "shop-denhaag", "m-1"));
  EXPECT_FALSE(*blobs.Claim("b-1", "shop-denhaag", "m-2"));
  auto found = blobs.Find("b-1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->message_id, "m-1");
  EXPECT_EQ((*found)->size, 10);
  EXPECT_EQ(*blobs.OfMessage("m-1"), std::vector<std::string>{"b-1"});
  EXPECT_TRUE(blobs.OfMessage("m-2")->empty());
}

TEST_F(BlobRepositoryTest, DisposableAreStaleUnclaimedBlobsAndThoseOfMessagesWithoutPayload) {
  BlobRepository blobs(*db_);
  ASSERT_TRUE(AddMessage("m-live").ok());
  ASSERT_TRUE(AddMessage("m-recalled").ok());
  ASSERT_TRUE(blobs.Insert({"b-fresh", "o", 1, 5000, std::nullopt}).ok());
  ASSERT_TRUE(blobs.Insert({"b-stale", "o", 1, 1000, std::nullopt}).ok());
  ASSERT_TRUE(blobs.Insert({"b-live", "o", 1, 1000, std::string("m-live")}).ok());
  ASSERT_TRUE(blobs.Insert({"b-recalled", "o", 1, 1000, std::string("m-recalled")}).ok());
  ASSERT_TRUE(MessageRepository(*db_).Recall("m-recalled", 2000).ok());

  auto gone = blobs.Disposable(/*unclaimed_before_ms=*/3000, 10);
  ASSERT_TRUE(gone.ok()) << gone.error().message;
  std::set<std::string> got(gone->begin(), gone->end());
  EXPECT_EQ(got, (std::set<std::string>{"b-stale", "b-recalled"}));
  ASSERT_TRUE(blobs.Delete("b-stale").ok());
  EXPECT_EQ(*blobs.AllIds(), (std::set<std::string>{"b-fresh", "b-live", "b-recalled"}));
}

TEST_F(BlobRepositoryTest, AnUploadClaimedOrRecordedAfterItsMessageLostThePayloadIsDisposable) {
  BlobRepository blobs(*db_);
  MessageRepository messages(*db_);
  ASSERT_TRUE(AddMessage("m-expired").ok());
  ASSERT_TRUE(AddMessage("m-purged").ok());
  ASSERT_TRUE(blobs.Insert({"b-claimed-late", "o", 1, 5000, std::nullopt}).ok());
  ASSERT_TRUE(blobs.Insert({"b-before", "o", 1, 5000, std::string("m-purged")}).ok());
  ASSERT_TRUE(messages.DropPayload("m-expired").ok());
  ASSERT_TRUE(messages.DropPayload("m-purged").ok());
  EXPECT_TRUE(*blobs.Claim("b-claimed-late", "o", "m-expired"));
  ASSERT_TRUE(blobs.Insert({"b-recorded-late", "o", 1, 5000, std::string("m-expired")}).ok());

  auto gone = blobs.Disposable(/*unclaimed_before_ms=*/0, 10);
  ASSERT_TRUE(gone.ok()) << gone.error().message;
  std::set<std::string> got(gone->begin(), gone->end());
  EXPECT_EQ(got, (std::set<std::string>{"b-claimed-late", "b-before", "b-recorded-late"}));
  EXPECT_EQ(blobs.Disposable(0, 2)->size(), 2u);
}

}  // namespace
}  // namespace ketenpoort::store
