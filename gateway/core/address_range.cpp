#include "gateway/core/address_range.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace ketenpoort {

namespace {

struct Address {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};
};

// inet_pton of the text (a copy: it wants a NUL-terminated string), IPv4 first.
std::optional<Address> ParseAddress(std::string_view text) {
  // inet_pton reads up to a NUL: "10.0.0.1\0junk" must not pass as "10.0.0.1".
  if (text.empty() || text.size() > 64 || text.find('\0') != std::string_view::npos)
    return std::nullopt;
  const std::string copy(text);
  Address a;
  if (inet_pton(AF_INET, copy.c_str(), a.bytes.data()) == 1)
    return a;
  if (inet_pton(AF_INET6, copy.c_str(), a.bytes.data()) == 1) {
    a.v6 = true;
    return a;
  }
  return std::nullopt;
}

// The IPv4 address inside "::ffff:a.b.c.d", so that a dual-stack listener's view of an IPv4
// client matches an IPv4 range.
std::optional<Address> UnmapV4(const Address& a) {
  static constexpr std::array<std::uint8_t, 12> kPrefix = {0, 0, 0, 0, 0,    0,
                                                           0, 0, 0, 0, 0xff, 0xff};
  if (!a.v6 || !std::equal(kPrefix.begin(), kPrefix.end(), a.bytes.begin()))
    return std::nullopt;
  Address v4;
  std::copy(a.bytes.begin() + 12, a.bytes.end(), v4.bytes.begin());
  return v4;
}

bool PrefixEqual(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                 int prefix) {
  for (int bit = 0; bit < prefix; bit += 8) {
    const int take = std::min(8, prefix - bit);
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - take));
    if ((a[bit / 8] & mask) != (b[bit / 8] & mask))
      return false;
  }
  return true;
}

}  // namespace

Result<AddressRange> AddressRange::Parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("invalid_address_range",
                           "'" + std::string(text.substr(0, 64)) + "' " + why);
  };
  const std::size_t slash = text.find('/');
  auto address = ParseAddress(text.substr(0, slash));
  if (!address)
    return bad("is not an IPv4 or IPv6 address, nor one with /PREFIX");
  const int max = address->v6 ? 128 : 32;
  int prefix = max;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || digits.size() > 3 || r.ec != std::errc() ||
        r.ptr != digits.data() + digits.size() || prefix < 0 || prefix > max) {
      return bad("has a prefix length that is not 0.." + std::to_string(max));
    }
  }
  // Bits past the prefix must be zero: the address masked to its prefix is the address.
  std::array<std::uint8_t, 16> masked{};
  for (int bit = 0; bit < prefix; ++bit) {
    const auto m = static_cast<std::uint8_t>(0x80 >> (bit % 8));
    masked[bit / 8] |= static_cast<std::uint8_t>(address->bytes[bit / 8] & m);
  }
  if (masked != address->bytes)
    return bad("has bits set past its prefix length");
  AddressRange range;
  range.text_ = std::string(text);
  range.v6_ = address->v6;
  range.bytes_ = address->bytes;
  range.prefix_ = prefix;
  return range;
}

bool AddressRange::Contains(std::string_view address) const {
  auto a = ParseAddress(address);
  if (!a)
    return false;
  if (a->v6 && !v6_) {
    a = UnmapV4(*a);
    if (!a)
      return false;
  }
  if (a->v6 != v6_)
    return false;
  return PrefixEqual(a->bytes, bytes_, prefix_);
}

}  // namespace ketenpoort
