#include "gateway/cli/backup_archive.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

namespace ketenpoort::cli {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

class BackupArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/kp_backup_archive_XXXXXX";
    ASSERT_NE(::mkdtemp(name), nullptr);
    dir_ = name;
    Write(dir_ + "/db", std::string(100000, 'd'));
    Write(dir_ + "/" + kBlob, "synthetic ciphertext");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Result<BackupManifest> WriteArchive(const std::string& path) {
    BackupManifest m{.gateway_id = "gw-test", .schema_version = 3, .created_ms = 1'795'326'001'000};
    return WriteBackupArchive(
        path, std::move(m),
        {{"database", dir_ + "/db"}, {std::string("blobs/") + kBlob, dir_ + "/" + kBlob}});
  }

  static constexpr char kBlob[] = "b-00112233445566778899aabbccddeeff";
  std::string dir_;
};

TEST_F(BackupArchiveTest, RoundTripsEveryFileWithItsManifest) {
  const std::string path = dir_ + "/kp.backup";
  auto written = WriteArchive(path);
  ASSERT_TRUE(written.ok()) << written.error().ToString();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(Read(path).rfind("ketenpoort-backup v1\n", 0), 0u);

  auto reader = BackupArchiveReader::OpenVerified(path);
  ASSERT_TRUE(reader.ok()) << reader.error().ToString();
  const BackupManifest& m = reader->manifest();
  EXPECT_EQ(m.gateway_id, "gw-test");
  EXPECT_EQ(m.schema_version, 3);
  EXPECT_EQ(m.created_ms, 1'795'326'001'000);
  ASSERT_EQ(m.files.size(), 2u);
  EXPECT_EQ(m.files[0].size, 100000u);
  EXPECT_EQ(m.files[0].sha256, written->files[0].sha256);
  {
    auto out = io::StagedFile::Create(dir_ + "/blob.out", 0600);
    ASSERT_TRUE(out.ok());
    ASSERT_TRUE(reader->CopyTo(1, *out).ok());
    ASSERT_TRUE(out->Commit().ok());
  }
  EXPECT_EQ(Read(dir_ + "/blob.out"), "synthetic ciphertext");
}

TEST_F(BackupArchiveTest, NeverOverwritesAFile) {
  Write(dir_ + "/kp.backup", "the operator's file");
  auto written = WriteArchive(dir_ + "/kp.backup");
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, "file_exists");
  EXPECT_EQ(Read(dir_ + "/kp.backup"), "the operator's file");
}

TEST_F(BackupArchiveTest, RefusesATruncatedArchiveAtAnyLength) {
  const std::string path = dir_ + "/kp.backup";
  ASSERT_TRUE(WriteArchive(path).ok());
  const std::string whole = Read(path);
  for (std::size_t keep : {std::size_t{0}, std::size_t{10}, std::size_t{40}, whole.size() / 2,
                           whole.size() - 33, whole.size() - 1}) {
    Write(dir_ + "/cut.backup", whole.substr(0, keep));
    auto reader = BackupArchiveReader::OpenVerified(dir_ + "/cut.backup");
    ASSERT_FALSE(reader.ok()) << keep;
    EXPECT_EQ(reader.error().code, "backup_damaged") << keep;
    EXPECT_NE(reader.error().message.find("cut.backup"), std::string::npos);
  }
}

TEST_F(BackupArchiveTest, RefusesAFlippedByteAnywhere) {
  const std::string path = dir_ + "/kp.backup";
  ASSERT_TRUE(WriteArchive(path).ok());
  const std::string whole = Read(path);
  // In the tag, the length, the manifest, the database, the blob and the closing digest.
  for (std::size_t at : {std::size_t{3}, std::size_t{25}, std::size_t{40}, std::size_t{300},
                         whole.size() / 2, whole.size() - 40, whole.size() - 1}) {
    std::string flipped = whole;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x01);
    Write(dir_ + "/flipped.backup", flipped);
    auto reader = BackupArchiveReader::OpenVerified(dir_ + "/flipped.backup");
    ASSERT_FALSE(reader.ok()) << at;
    EXPECT_TRUE(reader.error().code == "backup_damaged" ||
                reader.error().code == "backup_unsupported")
        << at << ": " << reader.error().ToString();
  }
}

}  // namespace
}  // namespace ketenpoort::cli
