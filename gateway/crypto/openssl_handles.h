// RAII owners for OpenSSL objects: every handle the project holds is one of these.
//
//   // (compiled in examples_test.cpp)
//   ossl::Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
//   if (!key) return crypto::LastOpenSslError("key_generation_failed", "...");
//
// No other file calls an OpenSSL *_free function directly.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace ketenpoort::ossl {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};

// BIO_free returns int; wrap it so it fits the deleter shape.
inline void BioFreeAll(BIO* b) {
  BIO_free_all(b);
}
inline void X509StackFree(STACK_OF(X509) * s) {
  sk_X509_pop_free(s, X509_free);
}
// A stack whose certificates are owned elsewhere (e.g. CMS_get0_signers): free the stack only.
inline void X509StackShallowFree(STACK_OF(X509) * s) {
  sk_X509_free(s);
}

using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using Mac = std::unique_ptr<EVP_MAC, Deleter<EVP_MAC, EVP_MAC_free>>;
using MacCtx = std::unique_ptr<EVP_MAC_CTX, Deleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BioFreeAll>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using X509Stack = std::unique_ptr<STACK_OF(X509), Deleter<STACK_OF(X509), X509StackFree>>;
using X509Name = std::unique_ptr<X509_NAME, Deleter<X509_NAME, X509_NAME_free>>;
using X509Store = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using X509StoreCtx = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using Cms = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo, CMS_ContentInfo_free>>;
using Asn1Integer = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER, ASN1_INTEGER_free>>;
using Asn1Time = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME, ASN1_TIME_free>>;
using SslCtx = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX, SSL_CTX_free>>;
using Ssl = std::unique_ptr<SSL, Deleter<SSL, SSL_free>>;
using X509StackRefs =
    std::unique_ptr<STACK_OF(X509), Deleter<STACK_OF(X509), X509StackShallowFree>>;
using X509Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using GeneralName = std::unique_ptr<GENERAL_NAME, Deleter<GENERAL_NAME, GENERAL_NAME_free>>;
using GeneralNames = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using Asn1OctetString =
    std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>>;
using Asn1Ia5String = std::unique_ptr<ASN1_IA5STRING, Deleter<ASN1_IA5STRING, ASN1_IA5STRING_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

}  // namespace ketenpoort::ossl
