#include "gateway/store/db_key.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cctype>
#include <string>

#include "gateway/store/test_support.h"

namespace ketenpoort::store {
namespace {

using test::FileMode;
using test::ReadFileBytes;
using test::TempDir;
using test::WriteFileBytes;

constexpr char kHexA[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
constexpr char kHexB[] = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

// The hex text that a key writes to a new file: the only way to see a DbKey's bytes.
std::string HexOf(const DbKey& key, const TempDir& dir, const std::string& name) {
  std::string path = dir.File(name);
  EXPECT_TRUE(key.WriteNewFile(path).ok());
  return ReadFileBytes(path);
}

// Unsets KETENPOORT_DB_KEY for a test and restores the outside value afterwards.
class DbKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    if (const char* v = std::getenv("KETENPOORT_DB_KEY")) {
      saved_ = v;
    }
    ::unsetenv("KETENPOORT_DB_KEY");
  }
  void TearDown() override {
    if (saved_.empty()) {
      ::unsetenv("KETENPOORT_DB_KEY");
    } else {
      ::setenv("KETENPOORT_DB_KEY", saved_.c_str(), 1);
    }
  }

  TempDir dir_;
  std::string saved_;
};

TEST_F(DbKeyTest, GeneratedKeysDiffer) {
  EXPECT_NE(HexOf(DbKey::Generate(), dir_, "a"), HexOf(DbKey::Generate(), dir_, "b"));
}

TEST_F(DbKeyTest, WriteNewFileWrites64HexDigitsWithMode0600) {
  std::string path = dir_.File("db.key");
  ::umask(0);  // even a permissive umask must not widen the mode
  auto key = DbKey::FromHex(kHexA);
  ASSERT_TRUE(key.ok());
  Status written = key->WriteNewFile(path);
  ::umask(022);
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(ReadFileBytes(path), std::string(kHexA) + "\n");
  EXPECT_EQ(FileMode(path), 0600u);
}

TEST_F(DbKeyTest, WriteNewFileRefusesAnExistingFile) {
  std::string path = dir_.File("db.key");
  WriteFileBytes(path, "precious", 0600);
  Status s = DbKey::Generate().WriteNewFile(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "file_exists");
  EXPECT_EQ(s.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(ReadFileBytes(path), "precious");
}

TEST_F(DbKeyTest, LoadFileRoundTrip) {
  std::string path = dir_.File("db.key");
  DbKey original = DbKey::Generate();
  ASSERT_TRUE(original.WriteNewFile(path).ok());
  auto loaded = DbKey::LoadFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(HexOf(*loaded, dir_, "copy"), ReadFileBytes(path));
}

TEST_F(DbKeyTest, LoadFileAcceptsUpperCaseAndNoNewline) {
  std::string path = dir_.File("db.key");
  std::string upper = kHexA;
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  WriteFileBytes(path, upper, 0600);
  auto loaded = DbKey::LoadFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(HexOf(*loaded, dir_, "copy"), std::string(kHexA) + "\n");
}

TEST_F(DbKeyTest, LoadFileAcceptsReadOnlyOwnerMode) {
  std::string path = dir_.File("db.key");
  WriteFileBytes(path, std::string(kHexA) + "\n", 0400);
  EXPECT_TRUE(DbKey::LoadFile(path).ok());
}

TEST_F(DbKeyTest, LoadFileRejectsGroupOrOtherPermissions) {
  for (mode_t mode : {0640, 0604, 0620, 0602, 0610, 0601, 0644}) {
    std::string path = dir_.File("db.key." + std::to_string(mode));
    WriteFileBytes(path, std::string(kHexA) + "\n", mode);
    auto loaded = DbKey::LoadFile(path);
    ASSERT_FALSE(loaded.ok()) << std::oct << mode;
    EXPECT_EQ(loaded.error().code, "key_file_permissions");
    EXPECT_NE(loaded.error().message.find(path), std::string::npos);
    EXPECT_NE(loaded.error().message.find("must be mode 0600"), std::string::npos);
    EXPECT_EQ(loaded.error().message.find(kHexA), std::string::npos);
  }
}

TEST_F(DbKeyTest, LoadFileRejectsMalformedContent) {
  const std::string cases[] = {
      "",
      std::string(kHexA).substr(0, 62),             // short
      std::string(kHexA).substr(0, 63),             // odd
      std::string(kHexA) + "00",                    // long
      std::string(kHexA) + "\n\n",                  // two newlines
      std::string(kHexA) + "\r\n",                  // CRLF
      " " + std::string(kHexA),                     // leading space
      std::string(kHexA).substr(0, 63) + "g",       // not hex
      std::string(kHexA) + std::string(1000, 'a'),  // far too long
      std::string(kHexA).substr(0, 32) + "\n" + std::string(kHexA).substr(0, 32),
  };
  int i = 0;
  for (const std::string& content : cases) {
    std::string path = dir_.File("bad" + std::to_string(i++));
    WriteFileBytes(path, content, 0600);
    auto loaded = DbKey::LoadFile(path);
    ASSERT_FALSE(loaded.ok()) << "case " << i;
    EXPECT_EQ(loaded.error().code, "key_file_invalid") << "case " << i;
    EXPECT_EQ(loaded.error().kind, ErrorKind::kInvalidArgument);
    EXPECT_NE(loaded.error().message.find(path), std::string::npos);
    if (!content.empty()) {
      EXPECT_EQ(loaded.error().message.find(content.substr(0, 16)), std::string::npos);
    }
  }
}

TEST_F(DbKeyTest, LoadFileMissingOrNotAFile) {
  std::string missing = dir_.File("nope.key");
  auto loaded = DbKey::LoadFile(missing);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, "key_file_unreadable");
  EXPECT_NE(loaded.error().message.find(missing), std::string::npos);

  auto folder = DbKey::LoadFile(dir_.path());
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.error().code, "key_file_unreadable");
}

TEST_F(DbKeyTest, FromHex) {
  EXPECT_TRUE(DbKey::FromHex(kHexA).ok());
  EXPECT_FALSE(DbKey::FromHex("").ok());
  EXPECT_FALSE(DbKey::FromHex(std::string(kHexA).substr(1)).ok());
  EXPECT_FALSE(DbKey::FromHex(std::string(kHexA) + "0").ok());
  auto bad = DbKey::FromHex(std::string(kHexA).substr(0, 63) + "z");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "db_key_invalid");
}

TEST_F(DbKeyTest, FromEnvironment) {
  auto unset = DbKey::FromEnvironment();
  ASSERT_FALSE(unset.ok());
  EXPECT_EQ(unset.error().kind, ErrorKind::kNotFound);

  ::setenv("KETENPOORT_DB_KEY", kHexB, 1);
  auto key = DbKey::FromEnvironment();
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(HexOf(*key, dir_, "env"), std::string(kHexB) + "\n");

  ::setenv("KETENPOORT_DB_KEY", "not-a-key", 1);
  auto bad = DbKey::FromEnvironment();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "db_key_env_invalid");
  EXPECT_EQ(bad.error().message.find("not-a-key"), std::string::npos);
}

TEST_F(DbKeyTest, ResolveKeyPrefersTheEnvironment) {
  std::string path = dir_.File("db.key");
  WriteFileBytes(path, std::string(kHexA) + "\n", 0600);

  auto from_file = ResolveKey(path);
  ASSERT_TRUE(from_file.ok());
  EXPECT_EQ(HexOf(*from_file, dir_, "1"), std::string(kHexA) + "\n");

  ::setenv("KETENPOORT_DB_KEY", kHexB, 1);
  auto from_env = ResolveKey(path);
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(HexOf(*from_env, dir_, "2"), std::string(kHexB) + "\n");

  // The environment wins even when the file is missing.
  EXPECT_TRUE(ResolveKey(dir_.File("missing.key")).ok());

  // A malformed variable is an error, never a silent fall back to the file.
  ::setenv("KETENPOORT_DB_KEY", "00", 1);
  auto bad = ResolveKey(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "db_key_env_invalid");

  // An empty variable counts as unset.
  ::setenv("KETENPOORT_DB_KEY", "", 1);
  auto empty = ResolveKey(path);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(HexOf(*empty, dir_, "3"), std::string(kHexA) + "\n");
}

TEST_F(DbKeyTest, MoveKeepsTheKey) {
  auto key = DbKey::FromHex(kHexA);
  ASSERT_TRUE(key.ok());
  DbKey moved = std::move(*key);
  EXPECT_EQ(HexOf(moved, dir_, "moved"), std::string(kHexA) + "\n");
  DbKey assigned = DbKey::Generate();
  assigned = std::move(moved);
  EXPECT_EQ(HexOf(assigned, dir_, "assigned"), std::string(kHexA) + "\n");
}

}  // namespace
}  // namespace ketenpoort::store
