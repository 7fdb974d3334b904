// CMS helpers shared by envelope.cpp, detached_envelope.cpp and keyring.cpp; not for use outside
// gateway/crypto.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(ossl::Cms cms, ParseCms(der, "invalid_envelope"));
//   KP_ASSIGN_OR_RETURN(Bytes out, CmsToDer(cms.get()));
#pragma once

#include <openssl/bio.h>
#include <openssl/cms.h>

#include <vector>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/crypto/envelope.h"
#include "gateway/crypto/openssl_handles.h"

namespace ketenpoort::crypto {

// One CMS ContentInfo in DER (or BER) occupying all of `der`. Anything else, truncated input and
// trailing bytes included, is kInvalidArgument `error_code`.
Result<ossl::Cms> ParseCms(ByteView der, const char* error_code);

// The DER encoding of `cms`.
Result<Bytes> CmsToDer(CMS_ContentInfo* cms);

// Adds one recipient per certificate to `cms`, an (Auth)EnvelopedData from CMS_encrypt with
// CMS_PARTIAL: key agreement (EC; ECDH with the X9.63 KDF over SHA-256, RFC 5753) or key
// transport (RSA), named by issuer and serial. What SealCms and DetachedSealer both do. No
// certificates -> kInvalidArgument "no_recipients"; one we cannot encrypt to ->
// kInvalidArgument "invalid_recipient".
Status AddRecipients(CMS_ContentInfo* cms, const std::vector<Certificate>& recipients);

// Checks `chain`, the decrypting BIO chain CMS_dataInit returned for an AuthEnvelopedData, before
// any plaintext is read from it: its content cipher must be AES-GCM (128, 192 or 256) with a
// 12 to 16 byte tag (RFC 5084). OpenSSL 3.0 decrypts an AuthEnvelopedData whose content cipher
// is not AEAD (AES-OFB, say) without any integrity check, and compares a tag of any length down
// to one byte; either lets a genuine envelope be paired with changed content. Anything else is
// kRefused "unauthenticated_envelope"; no cipher BIO in `chain` is kInternal
// "cms_decrypt_failed". What DetachedReader::Open and Keyring::DecryptCms both do.
Status CheckAuthenticatedCipher(BIO* chain);

// InspectEnvelope on an already parsed CMS structure (implemented in envelope.cpp).
Result<EnvelopeInfo> InspectParsedEnvelope(CMS_ContentInfo* cms);

// A read-only memory BIO over `data` (which must outlive it); works for empty input too, which
// BIO_new_mem_buf refuses when the pointer is null. Null when `data` is too large for a BIO.
ossl::Bio ReadOnlyMemBio(ByteView data);

// Everything written to the memory BIO `bio`.
Bytes MemBioBytes(BIO* bio);

}  // namespace ketenpoort::crypto
