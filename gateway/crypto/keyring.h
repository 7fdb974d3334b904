// The keyring: the only code that reads a private key file or holds a private key.
//
// Keys are loaded from PEM files (unencrypted PKCS#8, mode 0600) under string ids ("gateway",
// "org:zorg-a", "portal") and never leave the keyring: callers get the few operations that need
// a private key, by id. Organisation and gateway keys are EC P-256; one key signs (ECDSA) and
// decrypts (ECDH in CMS). Everything public (certificates, envelopes to others, verification)
// is in certificate.h and envelope.h.
//
//   // (compiled in examples_test.cpp)
//   auto pub = Keyring::GenerateKeyFile("/etc/ketenpoort/keys/gateway.key");   // new file, 0600
//   Keyring keys;
//   KP_RETURN_IF_ERROR(keys.LoadKeyFile("gateway", "/etc/ketenpoort/keys/gateway.key"));
//   CertificateRequest req{.common_name = "Ketenpoort dev CA", .public_key_pem = *pub,
//                          .is_ca = true};
//   auto ca = keys.IssueCertificate("gateway", nullptr, req);        // self-signed
//   auto signed_der = keys.SignCms("org:zorg-a", org_cert, AsBytes(payload));
//   auto envelope = SealCms(*signed_der, {recipient_cert, org_cert});  // envelope.h
//
// Besides private keys, the keyring holds each organisation's pseudonym secret (32 random
// bytes as 64 hex digits in a file of mode 0600, like a key): the pseudonym of a client is
// HMAC-SHA-256 of the organisation's own client number under that secret, in lower-case hex
// (docs/DESIGN.md, data minimisation). The same number always gives the same pseudonym; without
// the secret nobody can go from a pseudonym back to the number, or test a guess.
//
//   // (compiled in examples_test.cpp)
//   KP_RETURN_IF_ERROR(Keyring::GeneratePseudonymSecretFile(dir + "/certs/shop.pseudonym.key"));
//   KP_RETURN_IF_ERROR(keys.LoadPseudonymSecretFile("org:shop", dir +
//   "/certs/shop.pseudonym.key")); auto ref = keys.Pseudonym("org:shop", "2026-0042");   // 64 hex
//   digits, IsPseudonym(*ref)
//
// Errors never carry key material or file contents: they name the key id in the message, or
// the file in `field`.
//   unknown id                      -> kNotFound "key_not_found"
//   key file mode allows group/other -> kPermissionDenied "key_file_permissions"
//   key file already exists          -> kConflict "file_exists"
//   not a PEM private key           -> kInvalidArgument "invalid_key_file"
//   certificate not for this key     -> kInvalidArgument "key_certificate_mismatch"
//   envelope not for this key        -> kRefused "not_a_recipient"
//   envelope unreadable / tampered   -> kInvalidArgument "invalid_envelope" / "not_an_envelope"
//   AuthEnvelopedData not AES-GCM    -> kRefused "unauthenticated_envelope"
//   pseudonym secret not 64 hex digits -> kInvalidArgument "invalid_key_file"
//   client number empty or unprintable -> kInvalidArgument "invalid_client_number" (pseudonym.h)
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/detached_envelope.h"
#include "gateway/crypto/openssl_handles.h"

namespace ketenpoort::crypto {

// What IssueCertificate puts into a certificate besides the key and the issuer.
struct CertificateRequest {
  std::string common_name;     // required
  std::string organization;    // optional subject O
  std::string public_key_pem;  // SubjectPublicKeyInfo PEM of the subject's key
  int validity_days = 825;     // 1 .. 36500
  bool is_ca = false;  // CA:TRUE, keyCertSign + cRLSign; else digitalSignature + keyAgreement
  std::vector<std::string> dns_names;     // subjectAltName DNS
  std::vector<std::string> ip_addresses;  // subjectAltName IP, IPv4 or IPv6 text
  std::vector<std::string> emails;        // subjectAltName email
  // extendedKeyUsage. A leaf certificate needs at least one; a CA certificate normally none.
  bool tls_server = false;  // serverAuth
  bool tls_client = false;  // clientAuth
  bool smime = false;       // emailProtection
};

// Loading keys is not thread-safe; once loaded, the const operations may run concurrently.
class Keyring {
 public:
  Keyring();
  ~Keyring();
  Keyring(Keyring&&) noexcept;
  Keyring& operator=(Keyring&&) noexcept;
  Keyring(const Keyring&) = delete;
  Keyring& operator=(const Keyring&) = delete;

  // Loads the PEM private key at `pem_path` as `id`. Refuses a file that group or others may
  // access (mode & 077), a file that is not a regular file, an encrypted key, and an id that is
  // already loaded (kConflict "key_id_exists").
  Status LoadKeyFile(const std::string& id, const std::string& pem_path);

  // Creates a new EC P-256 key in a NEW file at `pem_path` (unencrypted PKCS#8 PEM, mode 0600,
  // fsynced) and returns its public key as SubjectPublicKeyInfo PEM. Never overwrites a file.
  static Result<std::string> GenerateKeyFile(const std::string& pem_path);

  bool Has(const std::string& id) const;

  // The public half of key `id`, SubjectPublicKeyInfo PEM.
  Result<std::string> PublicKeyPem(const std::string& id) const;

  // Issues an X.509 v3 certificate for `req.public_key_pem`, signed (ECDSA/SHA-256) by key
  // `issuer_key_id`. `issuer_cert` is that key's CA certificate; nullptr makes a self-signed
  // certificate, in which case the request's public key must be the issuer key's own.
  // Random positive 128-bit serial; validity starts five minutes in the past (clock skew).
  Result<Certificate> IssueCertificate(const std::string& issuer_key_id,
                                       const Certificate* issuer_cert,
                                       const CertificateRequest& req) const;

  // Sets key `id` as the private key of `ctx`. Set the certificate first, then check with
  // SSL_CTX_check_private_key; or use the overload below, which does all three.
  Status InstallInTlsContext(const std::string& id, SSL_CTX* ctx) const;
  // Sets `chain` (leaf first, then intermediates) and key `id` on `ctx` and checks that the key
  // belongs to the leaf.
  Status InstallInTlsContext(const std::string& id, const std::vector<Certificate>& chain,
                             SSL_CTX* ctx) const;

  // CMS SignedData (DER) over `content`: attached, binary, SHA-256, `signer_cert` included.
  // Same as `openssl cms -sign -binary -nodetach -md sha256 -outform DER`.
  Result<Bytes> SignCms(const std::string& id, const Certificate& signer_cert,
                        ByteView content) const;

  // Opens a CMS EnvelopedData or AuthEnvelopedData (DER) addressed to `recipient_cert`, whose
  // key is `id`, and returns the inner bytes. AuthEnvelopedData is authenticated: a changed
  // byte fails with "invalid_envelope", and one whose content cipher is not AES-GCM with a 12 to
  // 16 byte tag (RFC 5084), which OpenSSL 3.0 would decrypt without checking anything, is
  // refused before anything is decrypted: kRefused "unauthenticated_envelope", as
  // DetachedReader::Open. EnvelopedData (AES-CBC, `openssl cms -encrypt -aes256`) has no
  // integrity of its own and opens as it is; the signed content inside must provide it.
  Result<Bytes> DecryptCms(const std::string& id, const Certificate& recipient_cert,
                           ByteView envelope_der) const;

  // Unwraps the content key of a detached AuthEnvelopedData (detached_envelope.h) addressed to
  // `recipient_cert`, whose key is `id`, for DetachedReader. Errors as DecryptCms; besides, an
  // envelope that carries its content, or that is not AuthEnvelopedData (content without
  // integrity), is kInvalidArgument "not_detached" / kRefused "unauthenticated_envelope".
  Result<UnlockedEnvelope> UnlockEnvelope(const std::string& id, const Certificate& recipient_cert,
                                          ByteView envelope_der) const;

  // Signature (DER ECDSA for EC keys) with SHA-256 over `message`; checked by VerifySignature
  // (certificate.h). Used for audit tree heads.
  Result<Bytes> SignDigest(const std::string& id, ByteView message) const;

  // Creates a new pseudonym secret in a NEW file at `path` (mode 0600, fsynced). Never
  // overwrites a file (kConflict "file_exists").
  static Status GeneratePseudonymSecretFile(const std::string& path);

  // Loads the pseudonym secret at `path` as `id` (the organisation's key id, "org:ORG"). The
  // file checks are those of LoadKeyFile.
  Status LoadPseudonymSecretFile(const std::string& id, const std::string& path);
  bool HasPseudonymSecret(const std::string& id) const;

  // The pseudonym of `client_number` under secret `id`: 64 lower-case hex digits. The number
  // is taken as given (CheckClientNumber), byte for byte.
  Result<std::string> Pseudonym(const std::string& id, std::string_view client_number) const;

 private:
  static constexpr std::size_t kPseudonymSecretBytes = 32;

  Result<EVP_PKEY*> Find(const std::string& id) const;
  // Key `id`, refused (key_certificate_mismatch, naming `what`) unless `cert` is its certificate.
  Result<EVP_PKEY*> FindFor(const std::string& id, const Certificate& cert, const char* what) const;

  std::map<std::string, ossl::Pkey> keys_;
  // Wiped when the keyring is destroyed.
  std::map<std::string, std::array<std::uint8_t, kPseudonymSecretBytes>> pseudonym_secrets_;
};

}  // namespace ketenpoort::crypto
