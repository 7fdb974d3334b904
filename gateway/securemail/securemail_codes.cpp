#include "gateway/securemail/securemail_codes.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>

#include "gateway/crypto/encoding.h"
#include "gateway/crypto/hash.h"
#include "gateway/crypto/random.h"

namespace ketenpoort::server {

namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kKeyBytes = 32;

Bytes Pbkdf2(std::string_view code, ByteView salt) {
  Bytes out(kKeyBytes);
  if (PKCS5_PBKDF2_HMAC(code.data(), static_cast<int>(code.size()), salt.data(),
                        static_cast<int>(salt.size()), kCodeIterations, EVP_sha256(),
                        static_cast<int>(out.size()), out.data()) != 1) {
    std::abort();  // only on allocation failure inside OpenSSL
  }
  return out;
}

}  // namespace

std::string NewLinkToken() {
  return crypto::Base64UrlEncode(crypto::RandomBytes(32));
}

Bytes SecretHash(std::string_view secret) {
  crypto::Digest d = crypto::Sha256(AsBytes(secret));
  return Bytes(d.begin(), d.end());
}

std::string NewNumericCode(int digits) {
  std::string out;
  while (static_cast<int>(out.size()) < digits) {
    for (std::uint8_t b : crypto::RandomBytes(16)) {
      if (b < 250 && static_cast<int>(out.size()) < digits)  // 250 = 25 * 10: no modulo bias
        out.push_back(static_cast<char>('0' + b % 10));
    }
  }
  return out;
}

Bytes HashCode(std::string_view code) {
  Bytes salt = crypto::RandomBytes(kSaltBytes);
  Bytes key = Pbkdf2(code, salt);
  salt.insert(salt.end(), key.begin(), key.end());
  return salt;
}

bool CodeMatches(ByteView stored, std::string_view code) {
  if (stored.size() != kSaltBytes + kKeyBytes)
    return false;
  Bytes key = Pbkdf2(code, stored.subspan(0, kSaltBytes));
  return CRYPTO_memcmp(key.data(), stored.data() + kSaltBytes, kKeyBytes) == 0;
}

int VerificationLevel(std::string_view method) {
  if (method == "email_code")
    return 1;
  if (method == "access_code")
    return 2;
  if (method == "sms" || method == "account")
    return 3;
  return 0;
}

}  // namespace ketenpoort::server
