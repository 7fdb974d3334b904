// An IP address or a CIDR block of them, as an operator writes it in gateway.json
// (`metrics.allow_from`), and whether a connection's address is in it.
//
//   // (compiled in examples_test.cpp)
//   auto range = AddressRange::Parse("10.0.0.0/8");    // or "127.0.0.1", "::1", "fd00::/8"
//   range->Contains("10.1.2.3")                        // true
//   range->Contains("::ffff:10.1.2.3")                 // true: an IPv4-mapped IPv6 address
//   range->Contains("192.168.1.1")                     // false
//
// Parse refuses (kInvalidArgument "invalid_address_range") anything but a numeric IPv4 or IPv6
// address with an optional "/N" (0..32, 0..128), and a block with bits set past its prefix
// ("10.0.0.1/8": a typo for a host or a block, so refused rather than guessed). Names are not
// resolved. Contains takes an address as the server reports it (Request::remote_address) and is
// false for anything that does not parse.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/error.h"

namespace ketenpoort {

class AddressRange {
 public:
  static Result<AddressRange> Parse(std::string_view text);

  bool Contains(std::string_view address) const;

  // As parsed ("10.0.0.0/8"), for messages.
  const std::string& text() const { return text_; }

 private:
  AddressRange() = default;

  std::string text_;
  bool v6_ = false;
  std::array<std::uint8_t, 16> bytes_{};  // IPv4 in the first 4
  int prefix_ = 0;
};

}  // namespace ketenpoort
