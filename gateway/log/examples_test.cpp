// The examples at the top of gateway/log's headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "gateway/log/log.h"

namespace ketenpoort {
namespace {

// gateway/log/log.h
TEST(LogExamples, Log) {
  const std::string id = "01HX";
  const std::string org = "shop-denhaag";
  ::testing::internal::CaptureStderr();
  log::Info("message_accepted", {{"id", id}, {"org", org}, {"recipients", "3"}});
  log::Info("spaced", {{"reason", "two words"}, {"line", "a\nb"}});
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(std::regex_search(
      out, std::regex("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z info message_accepted "
                      "id=01HX org=shop-denhaag recipients=3\n")))
      << out;
  // Quoted when spaced, control characters escaped: one event, one line.
  const std::string second = out.substr(out.find('\n') + 1);
  EXPECT_EQ(second.find('\n'), second.size() - 1) << second;
  EXPECT_NE(second.find("reason=\"two words\""), std::string::npos) << second;

  log::SetFormat(log::Format::kJson);
  ::testing::internal::CaptureStderr();
  log::Info("message_accepted", {{"id", id}, {"org", org}, {"recipients", "3"}});
  const std::string json = ::testing::internal::GetCapturedStderr();
  log::SetFormat(log::Format::kText);
  EXPECT_TRUE(std::regex_search(
      json, std::regex("^\\{\"time\":\"\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z\",\"level\":\"info\","
                       "\"event\":\"message_accepted\",\"id\":\"01HX\",\"org\":\"shop-denhaag\","
                       "\"recipients\":\"3\"\\}\n$")))
      << json;
}

}  // namespace
}  // namespace ketenpoort
