#include "gateway/crypto/envelope.h"

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <limits>

#include "gateway/crypto/cms_util.h"
#include "gateway/crypto/openssl_error.h"
#include "gateway/crypto/openssl_handles.h"

namespace ketenpoort::crypto {

namespace {

Bytes NameDer(const X509_NAME* name) {
  int len = i2d_X509_NAME(name, nullptr);
  if (len <= 0)
    return {};
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_X509_NAME(name, &p);
  return out;
}

Bytes IntegerDer(const ASN1_INTEGER* n) {
  int len = i2d_ASN1_INTEGER(n, nullptr);
  if (len <= 0)
    return {};
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_ASN1_INTEGER(n, &p);
  return out;
}

Bytes OctetBytes(const ASN1_OCTET_STRING* s) {
  const unsigned char* data = ASN1_STRING_get0_data(s);
  return Bytes(data, data + ASN1_STRING_length(s));
}

// Builds a RecipientId from what OpenSSL reports; exactly one of keyid or issuer+serial is set.
Result<RecipientId> MakeId(const ASN1_OCTET_STRING* keyid, const X509_NAME* issuer,
                           const ASN1_INTEGER* serial) {
  RecipientId id;
  if (keyid != nullptr) {
    id.kind = RecipientId::Kind::kSubjectKeyId;
    id.subject_key_id = OctetBytes(keyid);
    return id;
  }
  if (issuer != nullptr && serial != nullptr) {
    id.kind = RecipientId::Kind::kIssuerAndSerial;
    id.issuer = NameDer(issuer);
    id.serial = IntegerDer(serial);
    if (!id.issuer.empty() && !id.serial.empty())
      return id;
  }
  return DropOpenSslErrors(
      InvalidArgument("invalid_envelope", "a recipient has no usable identifier"));
}

}  // namespace

bool RecipientId::Matches(const Certificate& cert) const {
  X509* x = cert.native();
  if (x == nullptr)
    return false;
  switch (kind) {
    case Kind::kSubjectKeyId: {
      const ASN1_OCTET_STRING* skid = X509_get0_subject_key_id(x);
      ClearOpenSslErrors();
      return skid != nullptr && !subject_key_id.empty() && OctetBytes(skid) == subject_key_id;
    }
    case Kind::kIssuerAndSerial: {
      if (IntegerDer(X509_get0_serialNumber(x)) != serial)
        return false;
      const unsigned char* p = issuer.data();
      ossl::X509Name name(d2i_X509_NAME(nullptr, &p, static_cast<long>(issuer.size())));
      bool same = name && X509_NAME_cmp(name.get(), X509_get_issuer_name(x)) == 0;
      ClearOpenSslErrors();
      return same;
    }
  }
  return false;
}

bool EnvelopeInfo::IsFor(const Certificate& cert) const {
  return std::any_of(recipients.begin(), recipients.end(),
                     [&](const RecipientId& r) { return r.Matches(cert); });
}

bool EnvelopeInfo::IsExactlyFor(const std::vector<Certificate>& certs) const {
  if (recipients.empty())
    return false;
  for (const RecipientId& r : recipients) {
    if (std::none_of(certs.begin(), certs.end(),
                     [&](const Certificate& c) { return r.Matches(c); })) {
      return false;
    }
  }
  for (const Certificate& c : certs) {
    if (!IsFor(c))
      return false;
  }
  return true;
}

Result<Bytes> SealCms(ByteView content, const std::vector<Certificate>& recipients) {
  if (content.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return TooLarge("content_too_large", "content is too large to seal");
  }
  ossl::Bio in = ReadOnlyMemBio(content);
  if (!in)
    return LastOpenSslError("cms_encrypt_failed", "cannot set up encryption");
  // AES-GCM makes CMS_encrypt build AuthEnvelopedData (RFC 5083).
  ossl::Cms cms(CMS_encrypt(nullptr, in.get(), EVP_aes_256_gcm(), CMS_BINARY | CMS_PARTIAL));
  if (!cms)
    return LastOpenSslError("cms_encrypt_failed", "cannot create an envelope");
  KP_RETURN_IF_ERROR(AddRecipients(cms.get(), recipients));
  if (CMS_final(cms.get(), in.get(), nullptr, CMS_BINARY) != 1) {
    return LastOpenSslError("cms_encrypt_failed", "cannot encrypt content");
  }
  return CmsToDer(cms.get());
}

Result<EnvelopeInfo> InspectEnvelope(ByteView der) {
  KP_ASSIGN_OR_RETURN(ossl::Cms cms, ParseCms(der, "invalid_envelope"));
  return InspectParsedEnvelope(cms.get());
}

Result<EnvelopeInfo> InspectParsedEnvelope(CMS_ContentInfo* cms) {
  int type = OBJ_obj2nid(CMS_get0_type(cms));
  EnvelopeInfo info;
  if (type == NID_id_smime_ct_authEnvelopedData) {
    info.authenticated = true;
  } else if (type != NID_pkcs7_enveloped) {
    return InvalidArgument("not_an_envelope", "CMS content is not (Auth)EnvelopedData");
  }
  STACK_OF(CMS_RecipientInfo)* ris = CMS_get0_RecipientInfos(cms);
  if (ris == nullptr || sk_CMS_RecipientInfo_num(ris) <= 0) {
    return DropOpenSslErrors(InvalidArgument("invalid_envelope", "envelope has no recipients"));
  }
  for (int i = 0; i < sk_CMS_RecipientInfo_num(ris); ++i) {
    CMS_RecipientInfo* ri = sk_CMS_RecipientInfo_value(ris, i);
    switch (CMS_RecipientInfo_type(ri)) {
      case CMS_RECIPINFO_TRANS: {
        ASN1_OCTET_STRING* keyid = nullptr;
        X509_NAME* issuer = nullptr;
        ASN1_INTEGER* serial = nullptr;
        if (CMS_RecipientInfo_ktri_get0_signer_id(ri, &keyid, &issuer, &serial) != 1) {
          return DropOpenSslErrors(
              InvalidArgument("invalid_envelope", "unreadable key transport recipient"));
        }
        KP_ASSIGN_OR_RETURN(RecipientId id, MakeId(keyid, issuer, serial));
        info.recipients.push_back(std::move(id));
        break;
      }
      case CMS_RECIPINFO_AGREE: {
        STACK_OF(CMS_RecipientEncryptedKey)* reks = CMS_RecipientInfo_kari_get0_reks(ri);
        if (reks == nullptr || sk_CMS_RecipientEncryptedKey_num(reks) <= 0) {
          return DropOpenSslErrors(
              InvalidArgument("invalid_envelope", "key agreement recipient without keys"));
        }
        for (int j = 0; j < sk_CMS_RecipientEncryptedKey_num(reks); ++j) {
          CMS_RecipientEncryptedKey* rek = sk_CMS_RecipientEncryptedKey_value(reks, j);
          ASN1_OCTET_STRING* keyid = nullptr;
          ASN1_GENERALIZEDTIME* date = nullptr;
          X509_NAME* issuer = nullptr;
          ASN1_INTEGER* serial = nullptr;
          if (CMS_RecipientEncryptedKey_get0_id(rek, &keyid, &date, nullptr, &issuer, &serial) !=
              1) {
            return DropOpenSslErrors(
                InvalidArgument("invalid_envelope", "unreadable key agreement recipient"));
          }
          KP_ASSIGN_OR_RETURN(RecipientId id, MakeId(keyid, issuer, serial));
          info.recipients.push_back(std::move(id));
        }
        break;
      }
      default:
        return DropOpenSslErrors(
            Refused("unsupported_recipient",
                    "envelope has a recipient type other than key transport or key agreement"));
    }
  }
  ClearOpenSslErrors();
  return info;
}

Result<SignedContent> VerifySignedData(ByteView signed_der,
                                       const std::vector<Certificate>& trust_anchors) {
  KP_ASSIGN_OR_RETURN(ossl::Cms cms, ParseCms(signed_der, "invalid_signed_data"));
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    return InvalidArgument("not_signed_data", "CMS content is not SignedData");
  }
  STACK_OF(CMS_SignerInfo)* signer_infos = CMS_get0_SignerInfos(cms.get());
  if (signer_infos == nullptr || sk_CMS_SignerInfo_num(signer_infos) != 1) {
    return DropOpenSslErrors(
        Refused("unsupported_signed_data", "SignedData must have exactly one signer"));
  }
  const ASN1_OCTET_STRING* const* content = CMS_get0_content(cms.get());
  if (content == nullptr || *content == nullptr) {
    return DropOpenSslErrors(
        InvalidArgument("invalid_signed_data", "SignedData does not contain its content"));
  }
  KP_ASSIGN_OR_RETURN(ossl::X509Store store, MakeTrustStore(trust_anchors));
  ossl::Bio out(BIO_new(BIO_s_mem()));
  if (!out)
    return LastOpenSslError("cms_verify_failed", "cannot set up verification");
  ClearOpenSslErrors();
  if (CMS_verify(cms.get(), nullptr, store.get(), nullptr, out.get(), CMS_BINARY) != 1) {
    // A certificate problem and a signature problem both fail CMS_verify; the reason tells which.
    bool untrusted = false;
    for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
      if (ERR_GET_LIB(e) != ERR_LIB_CMS)
        continue;
      int reason = ERR_GET_REASON(e);
      if (reason == CMS_R_CERTIFICATE_VERIFY_ERROR ||
          reason == CMS_R_SIGNER_CERTIFICATE_NOT_FOUND) {
        untrusted = true;
      }
    }
    if (untrusted) {
      return Refused("signer_untrusted",
                     "signer certificate is unknown, untrusted or not for signing");
    }
    return Refused("signature_invalid", "signature does not verify");
  }
  ossl::X509StackRefs signers(CMS_get0_signers(cms.get()));
  if (!signers || sk_X509_num(signers.get()) != 1) {
    return LastOpenSslError("cms_verify_failed", "cannot find the signer after verification");
  }
  X509* signer = sk_X509_value(signers.get(), 0);
  if (X509_up_ref(signer) != 1) {
    return LastOpenSslError("cms_verify_failed", "cannot reference the signer");
  }
  ClearOpenSslErrors();
  return SignedContent{MemBioBytes(out.get()), Certificate::Adopt(ossl::X509Ptr(signer))};
}

}  // namespace ketenpoort::crypto
