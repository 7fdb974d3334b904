// Cryptographically secure randomness from OpenSSL's DRBG.
//
//   // (compiled in examples_test.cpp)
//   Bytes key = RandomBytes(32);                 // a database key
//   std::string token = RandomToken(32);        // 256-bit token, base64url, for URLs and headers
#pragma once

#include <cstddef>
#include <string>

#include "gateway/core/bytes.h"

namespace ketenpoort::crypto {

// `n` random bytes. Aborts if the DRBG fails: continuing without randomness is never safe.
Bytes RandomBytes(std::size_t n);

// `n` random bytes, base64url without padding (URL- and header-safe).
std::string RandomToken(std::size_t n);

}  // namespace ketenpoort::crypto
