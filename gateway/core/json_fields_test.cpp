#include "gateway/core/json_fields.h"

#include <gtest/gtest.h>

#include <string>

namespace ketenpoort {
namespace {

TEST(ParseJsonTextTest, ParsesADocument) {
  auto doc = ParseJsonText(R"({"a": [1, 2.5, "x"], "b": null})", "invalid_payload");
  ASSERT_TRUE(doc.ok()) << doc.error().ToString();
  EXPECT_EQ((*doc)["a"][1], 2.5);
}

// nlohmann reports a number beyond double's range as out_of_range, not parse_error; before the
// fix it escaped ParseJsonText, and a payload with 1e400 aborted `ketenpoort open`.
TEST(ParseJsonTextTest, ANumberBeyondDoubleIsAnErrorNotAnException) {
  for (const char* text :
       {R"({"amount": 1e400})", "[-1e400]", "1e400", R"({"a": {"b": [1E+999]}})"}) {
    auto doc = ParseJsonText(text, "invalid_payload");
    ASSERT_FALSE(doc.ok()) << text;
    EXPECT_EQ(doc.error().kind, ErrorKind::kInvalidArgument) << text;
    EXPECT_EQ(doc.error().code, "invalid_payload") << text;
    EXPECT_NE(doc.error().message.find("too large"), std::string::npos) << doc.error().message;
  }
}

TEST(ParseJsonTextTest, TinyNumbersUnderflowToZeroAndAreAccepted) {
  auto doc = ParseJsonText(R"({"a": 1e-400})", "invalid_payload");
  ASSERT_TRUE(doc.ok()) << doc.error().ToString();
  EXPECT_EQ((*doc)["a"], 0.0);
}

TEST(ParseJsonTextTest, SyntaxErrorsNameTheByteAndUseTheCode) {
  auto doc = ParseJsonText(R"({"a": tru})", "invalid_routes");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().code, "invalid_routes");
  EXPECT_NE(doc.error().message.find("near byte"), std::string::npos) << doc.error().message;
}

TEST(ParseJsonTextTest, RefusesARepeatedKey) {
  auto doc = ParseJsonText(R"({"a": 1, "a": 2})", "invalid_directory");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().code, "invalid_directory");
  EXPECT_NE(doc.error().message.find("'a'"), std::string::npos);
}

}  // namespace
}  // namespace ketenpoort

namespace ketenpoort {
namespace {

TEST(JsonFieldsIntegerTest, ReadsWholeNumbersInRangeAndNamesTheFieldOtherwise) {
  const nlohmann::json doc = nlohmann::json::parse(
      R"({"a": 7, "big": 18446744073709551615, "f": 1.5, "s": "7", "list": [1, -2, 99]})");
  JsonFields f(doc, "kinds.test", "invalid_config");
  EXPECT_EQ(*f.OptionalInteger("a", 0, 0, 10), 7);
  EXPECT_EQ(*f.OptionalInteger("absent", 5, 0, 10), 5);
  for (const char* key : {"big", "f", "s"}) {
    auto bad = f.OptionalInteger(key, 0, 0, 10);
    ASSERT_FALSE(bad.ok()) << key;
    EXPECT_EQ(bad.error().field, std::string("kinds.test.") + key);
    EXPECT_EQ(bad.error().code, "invalid_config");
  }
  EXPECT_FALSE(f.OptionalInteger("a", 0, 8, 10).ok());
  auto list = f.IntegerArray("list", {}, -5, 99);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, (std::vector<std::int64_t>{1, -2, 99}));
  auto out = f.IntegerArray("list", {}, 0, 99);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().field, "kinds.test.list[1]");
  EXPECT_EQ(*f.IntegerArray("absent", {3}, 0, 9), (std::vector<std::int64_t>{3}));
  EXPECT_FALSE(f.IntegerArray("a", {}, 0, 9).ok());
}

}  // namespace
}  // namespace ketenpoort
