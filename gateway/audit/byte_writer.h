// Appends the fixed, big-endian layouts the audit trail hashes and signs (canonical entries,
// tree heads, compact ranges). Internal to gateway/audit.
//
//   // (compiled in examples_test.cpp)
//   ByteWriter w(72);
//   w.Raw("ketenpoort-tree-head-v1\n");
//   w.U64(head.size);
//   Bytes out = std::move(w).Take();
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include "gateway/core/bytes.h"

namespace ketenpoort::audit {

class ByteWriter {
 public:
  explicit ByteWriter(std::size_t expected_size) { out_.reserve(expected_size); }

  void Raw(ByteView bytes) {
    const std::size_t at = out_.size();
    out_.resize(at + bytes.size());
    if (!bytes.empty())
      std::memcpy(out_.data() + at, bytes.data(), bytes.size());
  }
  void Raw(std::string_view text) { Raw(AsBytes(text)); }
  void U8(std::uint8_t v) { out_.push_back(v); }
  void U32(std::uint32_t v) { BigEndian(v, 4); }
  void U64(std::uint64_t v) { BigEndian(v, 8); }

  Bytes Take() && { return std::move(out_); }

 private:
  void BigEndian(std::uint64_t v, int bytes) {
    for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
      out_.push_back(static_cast<std::uint8_t>(v >> shift));
    }
  }

  Bytes out_;
};

}  // namespace ketenpoort::audit
