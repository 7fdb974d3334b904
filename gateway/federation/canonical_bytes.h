// The byte form that federation signatures cover (receipt.h, status_report.h): fixed-width
// big-endian integers and length-prefixed strings appended in a fixed order, so that two
// different statements never give the same bytes.
//
//   // (compiled in examples_test.cpp)
//   Bytes out;
//   PutRaw(out, AsBytes("tag\n"));  // a version tag: 4 bytes
//   PutStr(out, "m-5f0c");           // uint32 length 6, then the 6 bytes
//   PutU64(out, 1795392000000);      // 8 bytes, big-endian
//   // out.size() == 4 + 4 + 6 + 8
#pragma once

#include <cstdint>
#include <string_view>

#include "gateway/core/bytes.h"

namespace ketenpoort::delivery {

inline void PutU32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(v >> shift));
}

inline void PutU64(Bytes& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(v >> shift));
}

inline void PutRaw(Bytes& out, ByteView bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// A string as uint32 byte length followed by its bytes.
inline void PutStr(Bytes& out, std::string_view s) {
  PutU32(out, static_cast<std::uint32_t>(s.size()));
  PutRaw(out, AsBytes(s));
}

}  // namespace ketenpoort::delivery
