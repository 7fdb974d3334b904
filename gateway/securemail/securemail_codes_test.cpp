#include "gateway/securemail/securemail_codes.h"

#include <gtest/gtest.h>

#include <set>

namespace ketenpoort::server {
namespace {

TEST(SecureMailCodesTest, CodesAreSaltedHashesComparedExactly) {
  Bytes a = HashCode("123456");
  Bytes b = HashCode("123456");
  EXPECT_EQ(a.size(), 48u);  // 16 bytes salt, 32 bytes PBKDF2-HMAC-SHA256
  EXPECT_NE(a, b) << "each hash has its own salt";
  EXPECT_TRUE(CodeMatches(a, "123456"));
  EXPECT_TRUE(CodeMatches(b, "123456"));
  EXPECT_FALSE(CodeMatches(a, "123457"));
  EXPECT_FALSE(CodeMatches(a, "1234560"));
  EXPECT_FALSE(CodeMatches(a, ""));
  EXPECT_FALSE(CodeMatches(Bytes(a.begin(), a.end() - 1), "123456"));
  EXPECT_FALSE(CodeMatches(Bytes{}, ""));
}

TEST(SecureMailCodesTest, TokensAreLongRandomAndHashed) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string t = NewLinkToken();
    EXPECT_EQ(t.size(), 43u);  // 256 bits, base64url without padding
    EXPECT_EQ(
        t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos);
    EXPECT_TRUE(seen.insert(t).second);
    EXPECT_EQ(SecretHash(t).size(), 32u);
  }
  EXPECT_EQ(SecretHash("x"), SecretHash("x"));
}

TEST(SecureMailCodesTest, NumericCodesUseEveryDigit) {
  std::set<char> digits;
  for (int i = 0; i < 200; ++i) {
    std::string c = NewNumericCode(6);
    ASSERT_EQ(c.size(), 6u);
    ASSERT_EQ(c.find_first_not_of("0123456789"), std::string::npos);
    digits.insert(c.begin(), c.end());
  }
  EXPECT_EQ(digits.size(), 10u);
}

TEST(SecureMailCodesTest, VerificationLevelsOrderTheMethods) {
  EXPECT_EQ(VerificationLevel("email_code"), 1);
  EXPECT_EQ(VerificationLevel("access_code"), 2);
  EXPECT_EQ(VerificationLevel("sms"), 3);
  EXPECT_EQ(VerificationLevel("account"), 3);
  EXPECT_EQ(VerificationLevel("password"), 0);
  EXPECT_EQ(VerificationLevel(""), 0);
}

}  // namespace
}  // namespace ketenpoort::server
