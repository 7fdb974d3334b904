#include "gateway/cli/payload_check.h"

#include <gtest/gtest.h>

namespace ketenpoort::cli {
namespace {

TEST(PayloadCheckTest, TextIsCheckedAgainstTheKindAndBinaryIsOpaque) {
  EXPECT_TRUE(IsTextPayload("{\"a\": \"é\"}"));
  EXPECT_FALSE(IsTextPayload(std::string("a\0b", 3)));
  EXPECT_FALSE(IsTextPayload("\xff\xfe"));
  EXPECT_FALSE(IsTextPayload("\xc3"));  // truncated sequence
  EXPECT_TRUE(CheckPayload("referral", std::string("%PDF\0\xff", 6), {}, false, "f").ok());
  EXPECT_TRUE(CheckPayload("status", "anything at all", {}, false, "f").ok());
  Status bad = CheckPayload("signal", R"({"indicators": ["isolation"], "minor": "no"})", {}, false,
                            "s.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "s.json: minor");
  Status v1 = CheckPayload("signal",
                           R"({"indicators": ["isolation"], "minor": false,
                               "exploitation": "criminal"})",
                           {{"exploitation", 1}}, false, "s.json");
  ASSERT_FALSE(v1.ok());
  EXPECT_EQ(v1.error().field, "s.json: exploitation");
  EXPECT_EQ(CheckPayload("signal", "{}", {{"exploitation", 7}}, false, "s.json").error().field,
            "s.json: codelists.exploitation");
}

// `send` checks the file and `open` checks what it decrypted: a sender's 1e400 used to escape as
// nlohmann's out_of_range and abort the recipient's `ketenpoort open`.
TEST(PayloadCheckTest, ANumberBeyondDoubleIsAnInvalidPayloadNotACrash) {
  for (const char* kind : {"signal", "referral", "b8"}) {
    Status s =
        CheckPayload(kind, R"({"indicators": ["isolation"], "minor": 1e400})", {}, false, "s.json");
    ASSERT_FALSE(s.ok()) << kind;
    EXPECT_EQ(s.error().code, "invalid_payload") << kind;
    EXPECT_EQ(s.error().field, "s.json") << kind;
  }
}

TEST(PayloadCheckTest, CodeListFlag) {
  EXPECT_EQ(ParseCodeListFlag("exploitation=1,age_band=1").value(),
            (CodeListVersions{{"age_band", 1}, {"exploitation", 1}}));
  EXPECT_EQ(ParseCodeListFlag("exploitation=one").error().field, "--codelists");
  EXPECT_FALSE(ParseCodeListFlag("exploitation=0").ok());
}

// A b8's deadline is the end of the reflection period counted from the payload's
// reflection_start, with the deployment's kinds.b8 settings.
TEST(PayloadCheckTest, AB8sDeadlineCountsFromItsReflectionStart) {
  const std::string b8 =
      R"({"client_ref":"c-1","step":"reflection_offered","reflection_start":"2026-12-01"})";
  EXPECT_EQ(DeadlineFromPayload("b8", b8, {}).value(), "2027-03-01T00:00:00.000Z");
  EXPECT_EQ(DeadlineFromPayload("b8", b8, {{"b8", {{"reflection_months", 6}}}}).value(),
            "2027-06-01T00:00:00.000Z");
  EXPECT_EQ(DeadlineFromPayload("b8", R"({"client_ref":"c-1","step":"report"})", {}).value(), "");
  EXPECT_EQ(DeadlineFromPayload("referral", R"({"reflection_start":"2026-12-01"})", {}).value(),
            "");
  EXPECT_EQ(DeadlineFromPayload("b8", b8, {{"b8", {{"reflection_months", 99}}}}).error().field,
            "kinds.b8.reflection_months");
}

}  // namespace
}  // namespace ketenpoort::cli
