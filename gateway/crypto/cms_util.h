// CMS helpers shared by envelope.cpp and keyring.cpp; not for use outside gateway/crypto.
//
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

// InspectEnvelope on an already parsed CMS structure (implemented in envelope.cpp).
Result<EnvelopeInfo> InspectParsedEnvelope(CMS_ContentInfo* cms);

// A read-only memory BIO over `data` (which must outlive it); works for empty input too, which
// BIO_new_mem_buf refuses when the pointer is null. Null when `data` is too large for a BIO.
ossl::Bio ReadOnlyMemBio(ByteView data);

// Everything written to the memory BIO `bio`.
Bytes MemBioBytes(BIO* bio);

}  // namespace ketenpoort::crypto
