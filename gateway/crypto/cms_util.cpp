#include "gateway/crypto/cms_util.h"

#include <openssl/evp.h>

#include <limits>

#include "gateway/crypto/openssl_error.h"

namespace ketenpoort::crypto {

namespace {

// RFC 5084: an AES-GCM tag (aes-ICVlen) is 12 to 16 bytes.
constexpr int kMinTagLength = 12;
constexpr int kMaxTagLength = 16;

bool IsAesGcm(int nid) {
  return nid == NID_aes_128_gcm || nid == NID_aes_192_gcm || nid == NID_aes_256_gcm;
}

}  // namespace

Result<ossl::Cms> ParseCms(ByteView der, const char* error_code) {
  if (der.empty() || der.size() > static_cast<std::size_t>(std::numeric_limits<long>::max())) {
    return InvalidArgument(error_code, "not a CMS structure");
  }
  const unsigned char* p = der.data();
  ossl::Cms cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (!cms)
    return DropOpenSslErrors(InvalidArgument(error_code, "not a CMS structure"));
  if (p != der.data() + der.size()) {
    return DropOpenSslErrors(InvalidArgument(error_code, "trailing bytes after CMS structure"));
  }
  return cms;
}

Status AddRecipients(CMS_ContentInfo* cms, const std::vector<Certificate>& recipients) {
  if (recipients.empty()) {
    return InvalidArgument("no_recipients", "an envelope needs at least one recipient");
  }
  for (const Certificate& cert : recipients) {
    CMS_RecipientInfo* ri = CMS_add1_recipient_cert(cms, cert.native(), CMS_KEY_PARAM);
    if (ri == nullptr) {
      return DropOpenSslErrors(InvalidArgument(
          "invalid_recipient", "cannot encrypt to a recipient certificate (unsupported key type)"));
    }
    if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_AGREE) {
      // ECDH: derive the wrapping key with the X9.63 KDF over SHA-256 instead of OpenSSL 3.0's
      // SHA-1 default (dhSinglePass-stdDH-sha256kdf-scheme, RFC 5753).
      EVP_PKEY_CTX* pctx = CMS_RecipientInfo_get0_pkey_ctx(ri);
      if (pctx == nullptr || EVP_PKEY_CTX_set_ecdh_kdf_md(pctx, EVP_sha256()) <= 0) {
        return LastOpenSslError("cms_encrypt_failed", "cannot configure key agreement");
      }
    }
  }
  return Ok();
}

Status CheckAuthenticatedCipher(BIO* chain) {
  // CMS_dataInit puts the cipher BIO first; its context is set up with the content cipher, the
  // unwrapped key and the tag to expect.
  BIO* cipher = chain != nullptr ? BIO_find_type(chain, BIO_TYPE_CIPHER) : nullptr;
  EVP_CIPHER_CTX* ctx = nullptr;
  if (cipher == nullptr || BIO_get_cipher_ctx(cipher, &ctx) != 1 || ctx == nullptr)
    return LastOpenSslError("cms_decrypt_failed", "cannot set up decryption");
  int tag_length = EVP_CIPHER_CTX_get_tag_length(ctx);
  if (!IsAesGcm(EVP_CIPHER_CTX_get_nid(ctx)) || EVP_CIPHER_CTX_get_mode(ctx) != EVP_CIPH_GCM_MODE ||
      tag_length < kMinTagLength || tag_length > kMaxTagLength) {
    return DropOpenSslErrors(
        Refused("unauthenticated_envelope",
                "envelope content cipher is not AES-GCM with a 12 to 16 byte tag: no integrity"));
  }
  return Ok();
}

Result<Bytes> CmsToDer(CMS_ContentInfo* cms) {
  int len = i2d_CMS_ContentInfo(cms, nullptr);
  if (len <= 0)
    return LastOpenSslError("cms_encoding_failed", "cannot encode CMS structure");
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  if (i2d_CMS_ContentInfo(cms, &p) != len) {
    return LastOpenSslError("cms_encoding_failed", "cannot encode CMS structure");
  }
  return out;
}

ossl::Bio ReadOnlyMemBio(ByteView data) {
  static const std::uint8_t kEmpty = 0;
  if (data.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    return nullptr;
  const void* p = data.empty() ? &kEmpty : data.data();
  return ossl::Bio(BIO_new_mem_buf(p, static_cast<int>(data.size())));
}

Bytes MemBioBytes(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr)
    return {};
  return Bytes(data, data + len);
}

}  // namespace ketenpoort::crypto
