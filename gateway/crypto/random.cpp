#include "gateway/crypto/random.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "gateway/crypto/encoding.h"

namespace ketenpoort::crypto {

Bytes RandomBytes(std::size_t n) {
  Bytes out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1)
    std::abort();
  return out;
}

std::string RandomToken(std::size_t n) {
  return Base64UrlEncode(RandomBytes(n));
}

}  // namespace ketenpoort::crypto
