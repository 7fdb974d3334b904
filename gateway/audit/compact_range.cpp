#include "gateway/audit/compact_range.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "gateway/audit/byte_writer.h"
#include "gateway/audit/merkle_tree.h"

namespace ketenpoort::audit {

namespace {
constexpr std::string_view kTag = "ketenpoort-compact-range-v1\n";

Error BadRange(std::string message) {
  return InvalidArgument("invalid_compact_range", std::move(message));
}
}  // namespace

void CompactRange::Append(const crypto::Digest& leaf_hash, const NodeSink& on_subtree) {
  assert(size_ < std::numeric_limits<std::uint64_t>::max());
  const std::uint64_t position = size_;
  crypto::Digest node = leaf_hash;
  // Each trailing one bit of the old size is a perfect subtree the new leaf completes.
  unsigned level = 0;
  for (std::uint64_t s = size_; (s & 1) != 0; s >>= 1) {
    node = HashChildren(hashes_.back(), node);
    hashes_.pop_back();
    ++level;
    if (on_subtree)
      on_subtree(level, position >> level, node);
  }
  hashes_.push_back(node);
  ++size_;
}

crypto::Digest CompactRange::Root() const {
  if (hashes_.empty())
    return EmptyRoot();
  crypto::Digest root = hashes_.back();
  for (auto it = hashes_.rbegin() + 1; it != hashes_.rend(); ++it)
    root = HashChildren(*it, root);
  return root;
}

Bytes CompactRange::Serialize() const {
  ByteWriter out(kTag.size() + 8 + hashes_.size() * 32);
  out.Raw(kTag);
  out.U64(size_);
  for (const auto& h : hashes_)
    out.Raw(ByteView(h));
  return std::move(out).Take();
}

Result<CompactRange> CompactRange::Deserialize(ByteView bytes) {
  if (bytes.size() < kTag.size() + 8 || AsString(bytes.first(kTag.size())) != kTag) {
    return BadRange("not a version 1 compact range");
  }
  std::uint64_t size = 0;
  for (std::size_t i = 0; i < 8; ++i)
    size = (size << 8) | bytes[kTag.size() + i];
  const std::size_t count = static_cast<std::size_t>(std::popcount(size));
  ByteView rest = bytes.subspan(kTag.size() + 8);
  if (rest.size() != count * 32) {
    return BadRange("a compact range of size " + std::to_string(size) + " holds " +
                    std::to_string(count) + " hashes");
  }
  CompactRange range;
  range.size_ = size;
  range.hashes_.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::copy(rest.begin() + i * 32, rest.begin() + (i + 1) * 32, range.hashes_[i].begin());
  }
  return range;
}

}  // namespace ketenpoort::audit
