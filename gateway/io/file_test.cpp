#include "gateway/io/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

namespace ketenpoort::io {
namespace {

class FileTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kp-io-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  static mode_t Mode(const std::string& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 0777;
  }
  std::string dir_;
};

TEST_F(FileTest, WriteNewFileCreatesWithExactModeAndContent) {
  ASSERT_TRUE(WriteNewFile(Path("secret"), "abc", 0600));
  EXPECT_EQ(Mode(Path("secret")), 0600u);
  auto read = ReadFile(Path("secret"));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, "abc");
}

TEST_F(FileTest, WriteNewFileRefusesToOverwriteAndKeepsContent) {
  ASSERT_TRUE(WriteNewFile(Path("f"), "first", 0644));
  Status again = WriteNewFile(Path("f"), "second", 0644);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "file_exists");
  EXPECT_EQ(*ReadFile(Path("f")), "first");
}

TEST_F(FileTest, ReplaceFileSwapsContentAndLeavesNoTemporaryFiles) {
  ASSERT_TRUE(WriteNewFile(Path("k"), "old", 0600));
  ASSERT_TRUE(ReplaceFile(Path("k"), "new", 0600));
  EXPECT_EQ(*ReadFile(Path("k")), "new");
  EXPECT_EQ(Mode(Path("k")), 0600u);
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST_F(FileTest, ReadFileNamesMissingFile) {
  auto read = ReadFile(Path("missing"));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, "file_unreadable");
  EXPECT_EQ(read.error().field, Path("missing"));
}

TEST_F(FileTest, ReadFileRefusesOversizedFile) {
  ASSERT_TRUE(WriteNewFile(Path("big"), std::string(100, 'x'), 0644));
  auto read = ReadFile(Path("big"), 10);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, "file_too_large");
}

TEST_F(FileTest, MakeDirectoryRefusesExisting) {
  ASSERT_TRUE(MakeDirectory(Path("d"), 0700));
  Status again = MakeDirectory(Path("d"), 0700);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "file_exists");
}

}  // namespace
}  // namespace ketenpoort::io
