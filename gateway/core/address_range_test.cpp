#include "gateway/core/address_range.h"

#include <gtest/gtest.h>

#include <string_view>

namespace ketenpoort {
namespace {

TEST(AddressRangeTest, MatchesSingleAddressesAndBlocksOfBothFamilies) {
  auto one = AddressRange::Parse("127.0.0.1");
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_TRUE(one->Contains("127.0.0.1"));
  EXPECT_FALSE(one->Contains("127.0.0.2"));
  EXPECT_TRUE(one->Contains("::ffff:127.0.0.1"));
  auto block = AddressRange::Parse("192.168.16.0/20");
  ASSERT_TRUE(block.ok());
  EXPECT_TRUE(block->Contains("192.168.31.255"));
  EXPECT_FALSE(block->Contains("192.168.32.0"));
  auto v6 = AddressRange::Parse("fd00::/8");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->Contains("fdab::1"));
  EXPECT_FALSE(v6->Contains("fe80::1"));
  EXPECT_FALSE(v6->Contains("10.0.0.1"));
  auto all = AddressRange::Parse("0.0.0.0/0");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->Contains("8.8.8.8"));
  EXPECT_FALSE(all->Contains("::1"));
  auto loopback6 = AddressRange::Parse("::1");
  ASSERT_TRUE(loopback6.ok());
  EXPECT_TRUE(loopback6->Contains("::1"));
  EXPECT_FALSE(loopback6->Contains("127.0.0.1"));
  EXPECT_FALSE(one->Contains(""));
  EXPECT_FALSE(one->Contains("localhost"));
}

TEST(AddressRangeTest, RefusesANulInsideAnAddress) {
  using namespace std::string_view_literals;
  EXPECT_FALSE(AddressRange::Parse("10.0.0.1\0junk"sv).ok());
  auto one = AddressRange::Parse("10.0.0.1");
  ASSERT_TRUE(one.ok());
  EXPECT_FALSE(one->Contains("10.0.0.1\0junk"sv));
}

TEST(AddressRangeTest, RefusesWhatIsNotAnAddressOrABlock) {
  for (const char* bad :
       {"", "localhost", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "10.0.0.1/8", "::/129", "1.2.3",
        "10.0.0.0/8 ", " 10.0.0.0/8", "10.0.0.0/-1", "fd00::1/8"}) {
    auto r = AddressRange::Parse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "invalid_address_range") << bad;
  }
}

}  // namespace
}  // namespace ketenpoort
