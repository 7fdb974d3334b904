// A signed tree head ("checkpoint"): the RFC 6962 Merkle root of the first `size` audit
// entries, the time it was taken, and the gateway's signature over exactly SignedBytes().
// Partners keep these as witnesses; `audit verify` checks the trail against them.
//
//   // (compiled in examples_test.cpp)
//   TreeHead head{range.size(), range.Root(), now_ms, {}};
//   head.signature = <keyring signs SignedBytes(head) with the gateway key, ECDSA-SHA256 DER>;
//   nlohmann::json json = ToJson(head);
//   // {"size":42,"root":"q1x...=","signature":"MEUCIQ...","time":"2026-11-22T05:40:01.123Z"}
//   auto back = TreeHeadFromJson(json);   // verify back->signature over SignedBytes(*back)
//
// Contract:
// - SignedBytes, version 1, always 72 bytes (integers big-endian, time two's complement):
//
//     "ketenpoort-tree-head-v1\n"    24 bytes of ASCII (the version tag)
//     size                           8 bytes, uint64: number of entries covered
//     time_ms                        8 bytes, int64: ms since the Unix epoch, UTC
//     root                           32 bytes: RootHash of leaf hashes 0 .. size-1
//
//   The signature is not part of it. A later version changes the tag.
// - JSON is the shape of `GET /v1/audit/checkpoint` in docs/API.md: exactly the keys
//   "size" (integer), "root" (standard base64 of 32 bytes), "signature" (standard base64 of
//   the DER signature, not empty) and "time" (RFC 3339 UTC with milliseconds, time_format.h).
//   TreeHeadFromJson rejects anything else with InvalidArgument "invalid_tree_head" naming the
//   key. It does not check the signature: that needs the gateway's certificate
//   (crypto::VerifySignature).
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/crypto/hash.h"

namespace ketenpoort::audit {

struct TreeHead {
  std::uint64_t size = 0;
  crypto::Digest root{};
  std::int64_t time_ms = 0;
  Bytes signature;  // DER ECDSA-SHA256 over SignedBytes(*this); empty until signed

  bool operator==(const TreeHead&) const = default;
};

inline constexpr std::size_t kSignedTreeHeadBytes = 72;

Bytes SignedBytes(const TreeHead& head);

nlohmann::json ToJson(const TreeHead& head);
Result<TreeHead> TreeHeadFromJson(const nlohmann::json& value);

}  // namespace ketenpoort::audit
