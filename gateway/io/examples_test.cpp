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

}  // namespace
}  // namespace ketenpoort::io
