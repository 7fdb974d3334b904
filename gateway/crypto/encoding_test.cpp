#include "gateway/crypto/encoding.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "gateway/crypto/random.h"

namespace ketenpoort::crypto {
namespace {

// RFC 4648 section 10.
const std::vector<std::pair<std::string, std::string>> kBase64Vectors = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(HexTest, Rfc4648Vectors) {
  EXPECT_EQ(HexEncode(AsBytes("")), "");
  EXPECT_EQ(HexEncode(AsBytes("foobar")), "666f6f626172");
  auto upper = HexDecode("666F6F626172");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(AsString(*upper), "foobar");
  EXPECT_EQ(HexEncode(Bytes{0xab, 0x01}), "ab01");
  EXPECT_EQ(*HexDecode("AB01"), (Bytes{0xab, 0x01}));
  EXPECT_EQ(*HexDecode("ab01"), (Bytes{0xab, 0x01}));
}

TEST(HexTest, RoundTripsEveryByte) {
  Bytes all(256);
  for (int i = 0; i < 256; ++i)
    all[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(*HexDecode(HexEncode(all)), all);
}

TEST(HexTest, RejectsBadInput) {
  for (std::string bad : {"abc", "zz", "0g", " 0a", "0a ", "0x0a", "-1"}) {
    auto r = HexDecode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "invalid_hex");
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  }
}

TEST(Base64Test, Rfc4648Vectors) {
  for (const auto& [plain, encoded] : kBase64Vectors) {
    EXPECT_EQ(Base64Encode(AsBytes(plain)), encoded) << plain;
    auto decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(AsString(*decoded), plain);
  }
}

TEST(Base64Test, RoundTripsRandomData) {
  for (std::size_t n = 0; n < 70; ++n) {
    Bytes data = RandomBytes(n);
    std::string text = Base64Encode(data);
    EXPECT_EQ(text.find('\n'), std::string::npos);
    auto back = Base64Decode(text);
    ASSERT_TRUE(back.ok()) << n;
    EXPECT_EQ(*back, data);
  }
}

TEST(Base64Test, RejectsBadInput) {
  for (std::string bad : {"Zm9", "Zg=", "Zg", "Z===", "====", "Zm9v YmFy", "Zm9v\nYmFy", "Zm9v\n",
                          "Zg==Zg==", "Zm9-", "Zm9_", "Zm9v!", "=Zm9"}) {
    auto r = Base64Decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "invalid_base64");
  }
}

TEST(Base64UrlTest, Rfc4648VectorsUnpadded) {
  for (const auto& [plain, encoded] : kBase64Vectors) {
    std::string unpadded = encoded.substr(0, encoded.find('='));
    EXPECT_EQ(Base64UrlEncode(AsBytes(plain)), unpadded);
    auto decoded = Base64UrlDecode(unpadded);
    ASSERT_TRUE(decoded.ok()) << unpadded;
    EXPECT_EQ(AsString(*decoded), plain);
  }
}

TEST(Base64UrlTest, UsesUrlAlphabet) {
  Bytes data{0xfb, 0xff, 0xbf};
  EXPECT_EQ(Base64Encode(data), "+/+/");
  EXPECT_EQ(Base64UrlEncode(data), "-_-_");
  EXPECT_EQ(*Base64UrlDecode("-_-_"), data);
  EXPECT_EQ(Base64UrlEncode(Bytes{0xfb, 0xff}), "-_8");
  EXPECT_EQ(*Base64UrlDecode("-_8"), (Bytes{0xfb, 0xff}));
}

TEST(Base64UrlTest, RoundTripsRandomData) {
  for (std::size_t n = 0; n < 70; ++n) {
    Bytes data = RandomBytes(n);
    auto back = Base64UrlDecode(Base64UrlEncode(data));
    ASSERT_TRUE(back.ok()) << n;
    EXPECT_EQ(*back, data);
  }
}

TEST(Base64UrlTest, RejectsBadInput) {
  // Standard alphabet, padding, a length no encoder produces, whitespace.
  for (std::string bad : {"+/8", "Zg==", "Zm8=", "Z", "Zm9vY", "Zm9v Ym", "Zm9v\n"}) {
    auto r = Base64UrlDecode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "invalid_base64");
  }
}

}  // namespace
}  // namespace ketenpoort::crypto
