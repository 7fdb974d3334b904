#include "gateway/crypto/totp.h"

#include <gtest/gtest.h>
#include <liboath/oath.h>

#include <cstdint>
#include <optional>
#include <string>

namespace ketenpoort::crypto {
namespace {

// RFC 6238 appendix B: the SHA-1 secret, and its 8-digit codes truncated to 6 digits (a code
// of d digits is the HOTP value modulo 10^d, so the last 6 digits of the 8-digit code).
const Bytes kRfcSecret = ToBytes("12345678901234567890");

struct Vector {
  std::int64_t time;
  const char* code;
};
constexpr Vector kRfcVectors[] = {
    {59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
    {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"},
};

// The code liboath generates for `secret` at `unix_seconds` (not our code under test).
std::string GeneratedCode(ByteView secret, std::int64_t unix_seconds) {
  EXPECT_EQ(oath_init(), OATH_OK);
  char otp[kTotpDigits + 1] = {};
  EXPECT_EQ(oath_totp_generate(reinterpret_cast<const char*>(secret.data()), secret.size(),
                               static_cast<time_t>(unix_seconds), 30, 0, kTotpDigits, otp),
            OATH_OK);
  return otp;
}

TEST(TotpTest, NewSecretsAreTwentyRandomBytes) {
  Bytes a = NewTotpSecret();
  Bytes b = NewTotpSecret();
  EXPECT_EQ(a.size(), 20u);
  EXPECT_EQ(b.size(), 20u);
  EXPECT_NE(a, b);
}

TEST(TotpTest, AcceptsTheRfc6238Sha1Vectors) {
  for (const Vector& v : kRfcVectors) {
    SCOPED_TRACE(v.time);
    std::optional<std::int64_t> step = MatchTotp(kRfcSecret, v.code, v.time, 0);
    ASSERT_TRUE(step.has_value());
    EXPECT_EQ(*step, v.time / 30);
  }
}

TEST(TotpTest, LiboathGeneratorAgreesWithTheRfc) {
  for (const Vector& v : kRfcVectors)
    EXPECT_EQ(GeneratedCode(kRfcSecret, v.time), v.code) << v.time;
}

TEST(TotpTest, AcceptsOneStepOfDriftEitherWayAndNoMore) {
  // "005924" is the code of step 41152263 (T = 1234567890).
  const std::int64_t step = 1234567890 / 30;
  EXPECT_EQ(MatchTotp(kRfcSecret, "005924", step * 30, 0), step);                     // now
  EXPECT_EQ(MatchTotp(kRfcSecret, "005924", step * 30 + 29, 0), step);                // end of now
  EXPECT_EQ(MatchTotp(kRfcSecret, "005924", (step + 1) * 30 + 29, 0), step);          // now-1
  EXPECT_EQ(MatchTotp(kRfcSecret, "005924", (step - 1) * 30, 0), step);               // now+1
  EXPECT_EQ(MatchTotp(kRfcSecret, "005924", (step + 2) * 30, 0), std::nullopt);       // now-2
  EXPECT_EQ(MatchTotp(kRfcSecret, "005924", (step - 2) * 30 + 29, 0), std::nullopt);  // now+2
}

TEST(TotpTest, RefusesAWrongCode) {
  EXPECT_EQ(MatchTotp(kRfcSecret, "005925", 1234567890, 0), std::nullopt);
  EXPECT_EQ(MatchTotp(ToBytes("another secret 12345"), "005924", 1234567890, 0), std::nullopt);
}

TEST(TotpTest, RefusesAReplayOfTheSameOrAnOlderStep) {
  const std::int64_t now = 1234567890;
  std::optional<std::int64_t> first = MatchTotp(kRfcSecret, "005924", now, 0);
  ASSERT_EQ(first, now / 30);
  EXPECT_EQ(MatchTotp(kRfcSecret, "005924", now, *first), std::nullopt);       // same step
  EXPECT_EQ(MatchTotp(kRfcSecret, "005924", now + 30, *first), std::nullopt);  // still in window
  EXPECT_EQ(MatchTotp(kRfcSecret, "005924", now, *first + 1), std::nullopt);   // older than used
  // The previous step's code, after the current one was used: older, so refused.
  const std::string previous = GeneratedCode(kRfcSecret, now - 30);
  EXPECT_EQ(MatchTotp(kRfcSecret, previous, now, 0), now / 30 - 1);
  EXPECT_EQ(MatchTotp(kRfcSecret, previous, now, *first), std::nullopt);
  // The next step's code is still accepted after the current one.
  const std::string next = GeneratedCode(kRfcSecret, now + 30);
  EXPECT_EQ(MatchTotp(kRfcSecret, next, now, *first), now / 30 + 1);
}

TEST(TotpTest, RoundTripsWithAFreshSecret) {
  const Bytes secret = NewTotpSecret();
  const std::int64_t now = 1767225600;  // 2026-01-01T00:00:00Z
  EXPECT_EQ(MatchTotp(secret, GeneratedCode(secret, now), now, 0), now / 30);
  EXPECT_EQ(MatchTotp(secret, GeneratedCode(secret, now - 30), now, 0), now / 30 - 1);
  EXPECT_EQ(MatchTotp(secret, GeneratedCode(secret, now + 30), now, 0), now / 30 + 1);
}

TEST(TotpTest, RefusesMalformedCodes) {
  const std::int64_t now = 1234567890;
  for (std::string_view bad :
       {"", "00592", "0059240", " 005924", "005924 ", "00 5924", "+05924", "-05924", "00592a",
        "0x5924", "\xef\xbc\x90\xef\xbc\x90\xef\xbc\x95\xef\xbc\x99\xef\xbc\x92\xef\xbc\x94"}) {
    EXPECT_EQ(MatchTotp(kRfcSecret, bad, now, 0), std::nullopt) << bad;
  }
  EXPECT_EQ(MatchTotp(kRfcSecret, std::string_view("00592\0", 6), now, 0), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSecret, std::string_view("005924\0", 7), now, 0), std::nullopt);
}

TEST(TotpTest, RefusesAnEmptySecretAndNegativeTime) {
  EXPECT_EQ(MatchTotp(Bytes{}, "005924", 1234567890, 0), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSecret, "287082", -1, 0), std::nullopt);
}

TEST(TotpTest, Base32OfKnownSecrets) {
  EXPECT_EQ(TotpSecretBase32(kRfcSecret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  EXPECT_EQ(TotpSecretBase32(ToBytes("foobar")), "MZXW6YTBOI");  // RFC 4648 section 10, no '='
  EXPECT_EQ(TotpSecretBase32(ToBytes("f")), "MY");
  EXPECT_EQ(TotpSecretBase32(Bytes{}), "");
  EXPECT_EQ(TotpSecretBase32(NewTotpSecret()).size(), 32u);
}

TEST(TotpTest, OtpAuthUriHasTheKeyUriShape) {
  EXPECT_EQ(OtpAuthUri("Ketenpoort", "a@example.org", kRfcSecret),
            "otpauth://totp/Ketenpoort:a@example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=Ketenpoort&algorithm=SHA1&digits=6&period=30");
}

TEST(TotpTest, OtpAuthUriPercentEncodesIssuerAndAccount) {
  const std::string uri = OtpAuthUri("SHOP Den Haag: zorg&co", "a+b/c?d#e@example.org", kRfcSecret);
  EXPECT_EQ(uri,
            "otpauth://totp/SHOP%20Den%20Haag%3A%20zorg%26co:a%2Bb%2Fc%3Fd%23e@example.org"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=SHOP%20Den%20Haag%3A%20zorg%26co"
            "&algorithm=SHA1&digits=6&period=30");
  // Non-ASCII is encoded byte by byte (UTF-8).
  EXPECT_EQ(OtpAuthUri("Zorg\xc3\xa9", "x@example.org", kRfcSecret).substr(0, 28),
            "otpauth://totp/Zorg%C3%A9:x@");
}

}  // namespace
}  // namespace ketenpoort::crypto
