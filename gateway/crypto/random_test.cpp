#include "gateway/crypto/random.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "gateway/crypto/encoding.h"

namespace ketenpoort::crypto {
namespace {

TEST(RandomBytesTest, HasRequestedLength) {
  EXPECT_TRUE(RandomBytes(0).empty());
  EXPECT_EQ(RandomBytes(1).size(), 1u);
  EXPECT_EQ(RandomBytes(32).size(), 32u);
  EXPECT_EQ(RandomBytes(4096).size(), 4096u);
}

TEST(RandomBytesTest, TwoCallsDiffer) {
  EXPECT_NE(RandomBytes(32), RandomBytes(32));
  std::set<Bytes> seen;
  for (int i = 0; i < 100; ++i)
    seen.insert(RandomBytes(16));
  EXPECT_EQ(seen.size(), 100u);
}

TEST(RandomTokenTest, IsUnpaddedBase64UrlOfRequestedEntropy) {
  std::string token = RandomToken(32);
  EXPECT_EQ(token.size(), 43u);  // ceil(32 * 4 / 3), no padding
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  auto bytes = Base64UrlDecode(token);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), 32u);
  EXPECT_NE(RandomToken(32), token);
}

}  // namespace
}  // namespace ketenpoort::crypto
