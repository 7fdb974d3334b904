#include "gateway/core/payload_schema.h"

#include <gtest/gtest.h>

namespace ketenpoort {
namespace {

using nlohmann::json;

TEST(PayloadSchemaTest, EachTypeNamesTheFieldItRefuses) {
  auto lists = CodeLists::FromDocuments(
      {json::parse(R"({"list": "need", "versions": [{"version": 1, "codes": ["shelter"]}]})")});
  ASSERT_TRUE(lists.ok());
  PayloadSchema schema{{
      {.name = "s", .type = FieldType::kString, .required = true, .max_length = 5},
      {.name = "b", .type = FieldType::kBool},
      {.name = "i", .type = FieldType::kInteger, .min = 1, .max = 3},
      {.name = "d", .type = FieldType::kDate},
      {.name = "t", .type = FieldType::kTime},
      {.name = "e", .type = FieldType::kEnum, .values = {"x", "y"}},
      {.name = "c", .type = FieldType::kCode, .list = "need"},
      {.name = "cs", .type = FieldType::kCodes, .list = "need"},
      {.name = "ss", .type = FieldType::kStrings},
  }};
  json good = {{"s", "abc"},
               {"b", true},
               {"i", 2},
               {"d", "2026-02-28"},
               {"t", "2026-02-28T10:00:00.5Z"},
               {"e", "y"},
               {"c", "shelter"},
               {"cs", {"shelter"}},
               {"ss", {"a.pdf"}}};
  EXPECT_TRUE(schema.Validate(good, *lists, {}).ok());
  const std::pair<json, std::string> bad[] = {
      {{{"s", "toolong"}}, "s"},
      {{{"s", ""}}, "s"},
      {{{"b", "yes"}}, "b"},
      {{{"i", 4}}, "i"},
      {{{"i", 1.5}}, "i"},
      {{{"d", "2026-13-01"}}, "d"},
      {{{"t", "2026-02-28 10:00"}}, "t"},
      {{{"e", "z"}}, "e"},
      {{{"c", "care"}}, "c"},
      {{{"cs", {"shelter", 3}}}, "cs[1]"},
      {{{"ss", {"a", 1}}}, "ss[1]"},
      {{{"zz", 1}}, "zz"},
  };
  for (const auto& [patch, field] : bad) {
    json p = good;
    p.update(patch);
    Status s = schema.Validate(p, *lists, {});
    ASSERT_FALSE(s.ok()) << patch.dump();
    EXPECT_EQ(s.error().field, field) << patch.dump();
    EXPECT_EQ(s.error().message.find("toolong"), std::string::npos) << "no content in errors";
  }
  json missing = good;
  missing.erase("s");
  EXPECT_EQ(schema.Validate(missing, *lists, {}).error().code, "missing_field");
  EXPECT_EQ(schema.Validate(json::array(), *lists, {}).error().code, "invalid_payload");
  EXPECT_EQ(ValidatePayloadText(schema, "{\"s\":", *lists, {}).error().code, "invalid_payload");
}

}  // namespace
}  // namespace ketenpoort
