#include "gateway/crypto/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>

#include "gateway/crypto/openssl_handles.h"

namespace ketenpoort::crypto {

namespace {
// A digest failure here means a broken OpenSSL installation, not bad input: fail loudly.
[[noreturn]] void DigestFailure() {
  std::abort();
}
}  // namespace

Digest Sha256(ByteView data) {
  return Sha256({data});
}

Digest Sha256(std::initializer_list<ByteView> parts) {
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    DigestFailure();
  for (ByteView p : parts) {
    if (EVP_DigestUpdate(ctx.get(), p.data(), p.size()) != 1)
      DigestFailure();
  }
  Digest out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != out.size())
    DigestFailure();
  return out;
}

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
    DigestFailure();
}

void Sha256Stream::Update(ByteView data) {
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1)
    DigestFailure();
}

Digest Sha256Stream::Finish() {
  Digest out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) != 1 || len != out.size())
    DigestFailure();
  return out;
}

Digest HmacSha256(ByteView key, ByteView data) {
  // OpenSSL 3.0's HMAC() fails when both key and data pointers are null (empty spans), so empty
  // inputs point at a dummy byte instead.
  static const std::uint8_t kEmpty = 0;
  const std::uint8_t* key_ptr = key.empty() ? &kEmpty : key.data();
  const std::uint8_t* data_ptr = data.empty() ? &kEmpty : data.data();
  Digest out{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key_ptr, static_cast<int>(key.size()), data_ptr, data.size(), out.data(),
           &len) == nullptr ||
      len != out.size()) {
    DigestFailure();
  }
  return out;
}

bool ConstantTimeEqual(ByteView a, ByteView b) {
  if (a.size() != b.size())
    return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace ketenpoort::crypto
