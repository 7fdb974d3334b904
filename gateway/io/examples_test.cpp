// The examples at the top of gateway/io's headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "gateway/io/file.h"
#include "gateway/io/staged_file.h"

namespace ketenpoort::io {
namespace {

// gateway/io/file.h
TEST(IoExamples, File) {
  char name[] = "/tmp/kp_io_XXXXXX";
  ASSERT_NE(::mkdtemp(name), nullptr);
  const std::string dir = name;
  std::filesystem::create_directory(dir + "/deploy");
  std::filesystem::current_path(dir);  // the example names relative files
  const std::string hex = "00112233445566778899aabbccddeeff";
  { std::ofstream(dir + "/deploy/routes.json") << R"({"version": 1})"; }
  auto run = [&]() -> Status {
    auto text = ReadFile("deploy/routes.json");  // Result<std::string>
    EXPECT_TRUE(text.ok());
    EXPECT_EQ(*text, R"({"version": 1})");
    KP_RETURN_IF_ERROR(WriteNewFile("deploy/db.key", hex, 0600));  // refuses to overwrite
    EXPECT_FALSE(WriteNewFile("deploy/db.key", hex, 0600).ok());
    KP_RETURN_IF_ERROR(ReplaceFile("deploy/db.key", hex + "00", 0600));  // atomic: temp + rename
    return Ok();
  };
  Status s = run();
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(*ReadFile("deploy/db.key"), hex + "00");
  struct stat st {};
  ASSERT_EQ(::stat("deploy/db.key", &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto missing = ReadFile("deploy/absent.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().ToString().find("deploy/absent.json"), std::string::npos);
  std::filesystem::current_path("/");
  std::filesystem::remove_all(dir);
}

// gateway/io/staged_file.h
TEST(IoExamples, StagedFile) {
  char name[] = "/tmp/kp_io_XXXXXX";
  ASSERT_NE(::mkdtemp(name), nullptr);
  const std::string dir = name;
  const std::string final_path = dir + "/kp.backup";
  const std::string piece = "synthetic bytes";
  auto run = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(StagedFile out, StagedFile::Create(final_path, 0600));
    KP_RETURN_IF_ERROR(out.Append(piece));
    EXPECT_FALSE(std::filesystem::exists(final_path));  // nothing under the final name yet
    KP_RETURN_IF_ERROR(out.Commit());                   // fsync, rename, fsync the folder
    return Ok();
  };
  Status s = run();
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(*ReadFile(final_path), piece);
  struct stat st {};
  ASSERT_EQ(::stat(final_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // An existing final name is refused; an abandoned file leaves no trace.
  EXPECT_EQ(StagedFile::Create(final_path, 0600).error().code, "file_exists");
  {
    auto other = StagedFile::Create(dir + "/other", 0600);
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(other->Append(piece).ok());
  }
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++count;
  }
  EXPECT_EQ(count, 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ketenpoort::io
