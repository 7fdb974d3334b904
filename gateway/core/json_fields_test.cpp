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
