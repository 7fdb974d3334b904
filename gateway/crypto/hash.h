// Hashing, MACs and constant-time comparison, all through OpenSSL's EVP interface.
//
//   // (compiled in examples_test.cpp)
//   Digest d = Sha256(AsBytes("abc"));          // 32 bytes
//   Digest m = HmacSha256(org_secret, AsBytes(local_client_number));
//   if (ConstantTimeEqual(stored, presented)) ...
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>

#include "gateway/core/bytes.h"
#include "gateway/crypto/openssl_handles.h"

namespace ketenpoort::crypto {

using Digest = std::array<std::uint8_t, 32>;

// SHA-256 of `data`.
Digest Sha256(ByteView data);

// SHA-256 of the concatenation of `parts`, without copying them together.
Digest Sha256(std::initializer_list<ByteView> parts);

// SHA-256 of data that arrives in pieces (a file read a piece at a time).
//   Sha256Stream h;  h.Update(piece1);  h.Update(piece2);  Digest d = h.Finish();
class Sha256Stream {
 public:
  Sha256Stream();
  void Update(ByteView data);
  // The digest of everything given; the object cannot be updated afterwards.
  Digest Finish();

 private:
  ossl::MdCtx ctx_;
};

// HMAC-SHA-256 of `data` under `key`.
Digest HmacSha256(ByteView key, ByteView data);

// True when a and b have equal length and content. Time depends only on the lengths.
bool ConstantTimeEqual(ByteView a, ByteView b);

}  // namespace ketenpoort::crypto
