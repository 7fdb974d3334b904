#include "gateway/log/log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace ketenpoort::log {
namespace {

constexpr std::string_view kTime = "2026-11-22T05:40:01.123Z";

TEST(LogFormatTest, TextAndJsonCarryTheSameFieldsInTheSameOrder) {
  const std::string text = FormatLine(Format::kText, kTime, Level::kWarn, "smtp_failed",
                                      {{"id", "m-1"}, {"reason", "two words"}, {"code", "421"}});
  EXPECT_EQ(text,
            "2026-11-22T05:40:01.123Z warn smtp_failed id=m-1 reason=\"two words\" code=421\n");
  const std::string line = FormatLine(Format::kJson, kTime, Level::kWarn, "smtp_failed",
                                      {{"id", "m-1"}, {"reason", "two words"}, {"code", "421"}});
  EXPECT_EQ(line,
            "{\"time\":\"2026-11-22T05:40:01.123Z\",\"level\":\"warn\",\"event\":\"smtp_failed\","
            "\"id\":\"m-1\",\"reason\":\"two words\",\"code\":\"421\"}\n");
}

TEST(LogFormatTest, AJsonLineIsAlwaysOneValidObject) {
  const std::string line = FormatLine(
      Format::kJson, kTime, Level::kError, "odd",
      {{"line", "a\nb\"c\\"}, {"bytes", std::string("\xff\xfe", 2)}, {"event", "shadowed"}});
  ASSERT_EQ(line.find('\n'), line.size() - 1) << line;
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(j.is_object()) << line;
  EXPECT_EQ(j["event"], "odd");
  EXPECT_EQ(j["field_event"], "shadowed");
  EXPECT_EQ(j["line"], "a\nb\"c\\");
  EXPECT_EQ(j["bytes"], "\xef\xbf\xbd\xef\xbf\xbd");  // each invalid byte replaced
}

}  // namespace
}  // namespace ketenpoort::log
