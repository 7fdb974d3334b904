// Byte strings. `Bytes` owns; `ByteView` borrows. Text that is really binary (a SHA-256, a DER
// blob) travels as Bytes, never as std::string, so it is never printed or logged by mistake.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ketenpoort {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView AsBytes(std::string_view s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}
inline std::string_view AsString(ByteView b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}
inline Bytes ToBytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

}  // namespace ketenpoort
