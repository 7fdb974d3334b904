// X.509 certificates: parse, inspect, verify. Public material only; private keys live in the
// keyring (keyring.h), which also issues certificates.
//
// A `Certificate` is a value: copies share the same immutable OpenSSL object (reference counted),
// so passing them around is cheap. A Certificate always holds a certificate, except after it has
// been moved from.
//
//   // (compiled in examples_test.cpp)
//   auto cert = Certificate::LoadPemFile("certs/org-a.pem");
//   if (!cert) return cert.error();          // field names the file, message the problem
//   cert->SubjectCommonName();                // "Zorgorganisatie A"
//   cert->Sha256Fingerprint();                // "3F:A1:...:09", as `openssl x509 -fingerprint`
//   KP_RETURN_IF_ERROR(VerifyIssuedBy(*cert, trust_anchors));
//
// Errors: unreadable file -> kNotFound "file_not_found" / kInternal "file_unreadable";
// bad PEM or DER -> kInvalidArgument "invalid_certificate"; a certificate that does not chain to
// an anchor -> kRefused "certificate_untrusted". Messages name the file, never its contents.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/crypto/openssl_handles.h"

namespace ketenpoort::crypto {

class Certificate {
 public:
  // The first certificate in `pem` ("-----BEGIN CERTIFICATE-----").
  static Result<Certificate> FromPem(std::string_view pem);
  // One DER-encoded certificate; trailing bytes are an error.
  static Result<Certificate> FromDer(ByteView der);
  // The first certificate in the PEM file at `path`.
  static Result<Certificate> LoadPemFile(const std::string& path);
  // Takes ownership of one reference to `x509` (must not be null).
  static Certificate Adopt(ossl::X509Ptr x509);

  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(Certificate&&) noexcept = default;
  ~Certificate() = default;

  std::string ToPem() const;
  Bytes ToDer() const;

  // SHA-256 over the DER, upper-case hex pairs joined by ':' ("AB:01:...").
  std::string Sha256Fingerprint() const;
  // The first commonName of the subject / issuer, UTF-8; "" when there is none.
  std::string SubjectCommonName() const;
  std::string IssuerCommonName() const;
  // Serial number in upper-case hex, as `openssl x509 -serial` prints it ("0A1B...").
  std::string SerialHex() const;
  // Validity bounds in seconds since the Unix epoch.
  std::int64_t NotBeforeUnix() const;
  std::int64_t NotAfterUnix() const;
  // The subject public key as SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----").
  std::string PublicKeyPem() const;

  // Same certificate (same DER).
  bool operator==(const Certificate& other) const;

  // Borrowed; valid as long as this Certificate. Null only after a move.
  X509* native() const { return x509_.get(); }

 private:
  explicit Certificate(ossl::X509Ptr x509) : x509_(std::move(x509)) {}

  ossl::X509Ptr x509_;
};

// Every certificate in `pem`, in order (leaf first, by convention). At least one is required.
Result<std::vector<Certificate>> ParsePemChain(std::string_view pem);
// Every certificate in the PEM file at `path`.
Result<std::vector<Certificate>> LoadPemChainFile(const std::string& path);

// An X509_STORE holding `trust_anchors`, for OpenSSL calls that want one (TLS peer
// verification, CMS_verify).
Result<ossl::X509Store> MakeTrustStore(const std::vector<Certificate>& trust_anchors);

// True when `signature` (DER ECDSA, or any algorithm the key supports, with SHA-256) is a valid
// signature by `signer`'s public key over `message`. See Keyring::SignDigest.
bool VerifySignature(const Certificate& signer, ByteView message, ByteView signature);

// OK when `leaf` chains to one of `trust_anchors`, through `intermediates` if needed, and every
// certificate on the way is currently valid. No purpose is checked.
Status VerifyIssuedBy(const Certificate& leaf, const std::vector<Certificate>& trust_anchors,
                      const std::vector<Certificate>& intermediates = {});

}  // namespace ketenpoort::crypto
