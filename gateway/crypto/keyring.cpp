#include "gateway/crypto/keyring.h"

#include <fcntl.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

#include "gateway/core/pseudonym.h"
#include "gateway/crypto/cms_util.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/envelope.h"
#include "gateway/crypto/hash.h"
#include "gateway/crypto/openssl_error.h"
#include "gateway/crypto/random.h"

namespace ketenpoort::crypto {

namespace {

// Refuses to prompt on a terminal for the passphrase of an encrypted key: key files are
// unencrypted and protected by their mode.
int NoPassphrase(char*, int, int, void*) {
  return -1;
}

std::string ModeText(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// An error about the file at `path`: the field names the file, the message the problem.
Error FileError(ErrorKind kind, std::string code, std::string message, const std::string& path) {
  return Error{kind, std::move(code), std::move(message), path};
}

std::string Quoted(const std::string& id) {
  return "'" + id + "'";
}

Error KeyMismatch(const std::string& id, const char* what) {
  return DropOpenSslErrors(InvalidArgument(
      "key_certificate_mismatch", std::string(what) + " does not belong to key " + Quoted(id)));
}

// Why an envelope addressed to key `id` did not open: one error for every cause.
Error Undecryptable(const std::string& id) {
  return DropOpenSslErrors(InvalidArgument(
      "invalid_envelope", "envelope cannot be decrypted with " + Quoted(id) +
                              ": damaged, tampered with, or its key is not for this recipient"));
}

// Writes all of `data` to `fd`.
bool WriteAll(int fd, const char* data, std::size_t len) {
  while (len > 0) {
    ssize_t n = ::write(fd, data, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    data += n;
    len -= static_cast<std::size_t>(n);
  }
  return true;
}

// fsync the directory holding `path`, so that the new directory entry survives a crash.
void SyncParentDirectory(const std::string& path) {
  std::string dir = ".";
  std::size_t slash = path.rfind('/');
  if (slash == 0)
    dir = "/";
  if (slash != std::string::npos && slash > 0)
    dir = path.substr(0, slash);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return;
  ::fsync(fd);  // best effort: some file systems refuse fsync on directories
  ::close(fd);
}

Result<ossl::Pkey> ParsePublicKey(const std::string& pem) {
  if (pem.empty() || pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return InvalidArgument("invalid_public_key", "not a PEM public key", "public_key_pem");
  }
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::Pkey key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) {
    return DropOpenSslErrors(
        InvalidArgument("invalid_public_key", "not a PEM public key", "public_key_pem"));
  }
  return key;
}

bool IsDnsName(const std::string& s) {
  if (s.empty() || s.size() > 253)
    return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '*';
    if (!ok)
      return false;
  }
  return true;
}

bool IsEmailAddress(const std::string& s) {
  std::size_t at = s.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == s.size() || s.find('@', at + 1) != s.npos) {
    return false;
  }
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f)
      return false;  // IA5String, no spaces or controls
  }
  return true;
}

Status ValidateRequest(const CertificateRequest& req) {
  if (req.common_name.empty() || req.common_name.size() > 64) {
    return InvalidArgument("invalid_certificate_request", "common name must be 1 to 64 characters",
                           "common_name");
  }
  if (req.organization.size() > 64) {
    return InvalidArgument("invalid_certificate_request",
                           "organization must be at most 64 characters", "organization");
  }
  if (req.validity_days < 1 || req.validity_days > 36500) {
    return InvalidArgument("invalid_certificate_request", "validity must be 1 to 36500 days",
                           "validity_days");
  }
  if (!req.is_ca && !req.tls_server && !req.tls_client && !req.smime) {
    return InvalidArgument("invalid_certificate_request",
                           "a leaf certificate needs at least one usage (TLS server, TLS client, "
                           "S/MIME)",
                           "usage");
  }
  for (const std::string& name : req.dns_names) {
    if (!IsDnsName(name)) {
      return InvalidArgument("invalid_certificate_request", "not a DNS name", "dns_names");
    }
  }
  for (const std::string& email : req.emails) {
    if (!IsEmailAddress(email)) {
      return InvalidArgument("invalid_certificate_request", "not an email address", "emails");
    }
  }
  return Ok();
}

Status AddExtension(X509* x, X509V3_CTX* ctx, int nid, const char* value) {
  ossl::X509Extension ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext || X509_add_ext(x, ext.get(), -1) != 1) {
    return LastOpenSslError("certificate_issue_failed",
                            std::string("cannot add extension ") + OBJ_nid2sn(nid));
  }
  return Ok();
}

Status AddIa5Name(GENERAL_NAMES* names, int type, const std::string& value) {
  ossl::Asn1Ia5String text(ASN1_IA5STRING_new());
  if (!text || ASN1_STRING_set(text.get(), value.data(), static_cast<int>(value.size())) != 1) {
    return LastOpenSslError("certificate_issue_failed", "cannot encode subjectAltName");
  }
  ossl::GeneralName name(GENERAL_NAME_new());
  if (!name)
    return LastOpenSslError("certificate_issue_failed", "cannot encode subjectAltName");
  GENERAL_NAME_set0_value(name.get(), type, text.release());
  if (sk_GENERAL_NAME_push(names, name.get()) <= 0) {
    return LastOpenSslError("certificate_issue_failed", "cannot encode subjectAltName");
  }
  name.release();  // owned by `names` now
  return Ok();
}

Status AddSubjectAltNames(X509* x, const CertificateRequest& req) {
  if (req.dns_names.empty() && req.ip_addresses.empty() && req.emails.empty())
    return Ok();
  ossl::GeneralNames names(sk_GENERAL_NAME_new_null());
  if (!names)
    return LastOpenSslError("certificate_issue_failed", "cannot encode subjectAltName");
  for (const std::string& dns : req.dns_names) {
    KP_RETURN_IF_ERROR(AddIa5Name(names.get(), GEN_DNS, dns));
  }
  for (const std::string& ip : req.ip_addresses) {
    ossl::Asn1OctetString octets(a2i_IPADDRESS(ip.c_str()));
    if (!octets) {
      return DropOpenSslErrors(InvalidArgument("invalid_certificate_request",
                                               "not an IP address: " + ip, "ip_addresses"));
    }
    ossl::GeneralName name(GENERAL_NAME_new());
    if (!name)
      return LastOpenSslError("certificate_issue_failed", "cannot encode subjectAltName");
    GENERAL_NAME_set0_value(name.get(), GEN_IPADD, octets.release());
    if (sk_GENERAL_NAME_push(names.get(), name.get()) <= 0) {
      return LastOpenSslError("certificate_issue_failed", "cannot encode subjectAltName");
    }
    name.release();
  }
  for (const std::string& email : req.emails) {
    KP_RETURN_IF_ERROR(AddIa5Name(names.get(), GEN_EMAIL, email));
  }
  if (X509_add1_ext_i2d(x, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return LastOpenSslError("certificate_issue_failed", "cannot add subjectAltName");
  }
  return Ok();
}

Status SetSubject(X509* x, const CertificateRequest& req) {
  ossl::X509Name name(X509_NAME_new());
  if (!name)
    return LastOpenSslError("certificate_issue_failed", "cannot build subject name");
  auto add = [&](int nid, const std::string& value) {
    return X509_NAME_add_entry_by_NID(name.get(), nid, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.data()),
                                      static_cast<int>(value.size()), -1, 0) == 1;
  };
  if (!req.organization.empty() && !add(NID_organizationName, req.organization)) {
    return DropOpenSslErrors(InvalidArgument("invalid_certificate_request",
                                             "organization is not valid UTF-8", "organization"));
  }
  if (!add(NID_commonName, req.common_name)) {
    return DropOpenSslErrors(InvalidArgument("invalid_certificate_request",
                                             "common name is not valid UTF-8", "common_name"));
  }
  if (X509_set_subject_name(x, name.get()) != 1) {
    return LastOpenSslError("certificate_issue_failed", "cannot set subject name");
  }
  return Ok();
}

Status SetRandomSerial(X509* x) {
  Bytes random = RandomBytes(16);  // 128 bits; BN_bin2bn reads them as a positive number
  ossl::Bignum bn(BN_bin2bn(random.data(), static_cast<int>(random.size()), nullptr));
  if (bn && BN_is_zero(bn.get()))
    BN_one(bn.get());
  ossl::Asn1Integer serial(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
  if (!serial || X509_set_serialNumber(x, serial.get()) != 1) {
    return LastOpenSslError("certificate_issue_failed", "cannot set serial number");
  }
  return Ok();
}

}  // namespace

Keyring::Keyring() = default;
Keyring::~Keyring() {
  for (auto& [id, secret] : pseudonym_secrets_)
    OPENSSL_cleanse(secret.data(), secret.size());
}
Keyring::Keyring(Keyring&&) noexcept = default;
Keyring& Keyring::operator=(Keyring&&) noexcept = default;

Result<EVP_PKEY*> Keyring::Find(const std::string& id) const {
  auto it = keys_.find(id);
  if (it == keys_.end())
    return NotFound("key_not_found", "no key loaded with id " + Quoted(id));
  return it->second.get();
}

Result<EVP_PKEY*> Keyring::FindFor(const std::string& id, const Certificate& cert,
                                   const char* what) const {
  KP_ASSIGN_OR_RETURN(EVP_PKEY * key, Find(id));
  if (X509_check_private_key(cert.native(), key) != 1)
    return KeyMismatch(id, what);
  return key;
}

bool Keyring::Has(const std::string& id) const {
  return keys_.count(id) != 0;
}

namespace {

// Opens a key file for reading: a regular file that group and others cannot access. The
// checks are on the descriptor, not the path, so a swap between check and read cannot fool us.
Result<int> OpenPrivateFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT)
      return NotFound("file_not_found", "key file does not exist", path);
    return FileError(ErrorKind::kInternal, "key_file_unreadable",
                     std::string("cannot open key file: ") + std::strerror(err), path);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return FileError(ErrorKind::kInternal, "key_file_unreadable",
                     std::string("cannot stat key file: ") + std::strerror(err), path);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgument("invalid_key_file", "key file is not a regular file", path);
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return FileError(ErrorKind::kPermissionDenied, "key_file_permissions",
                     "key file is accessible by group or others (mode " + ModeText(st.st_mode) +
                         "); make it 0600",
                     path);
  }
  return fd;
}

// Creates a NEW file of mode 0600 at `path` holding `data`, fsynced with its folder. Never
// overwrites; removes what it created when writing fails.
Status WriteNewKeyFile(const std::string& path, const char* data, std::size_t len) {
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    int err = errno;
    if (err == EEXIST) {
      return FileError(ErrorKind::kConflict, "file_exists",
                       "file already exists; a key is never overwritten", path);
    }
    return FileError(ErrorKind::kInternal, "key_file_unwritable",
                     std::string("cannot create key file: ") + std::strerror(err), path);
  }
  // The umask may have removed bits, never added them; make the mode exactly 0600.
  bool ok = ::fchmod(fd, 0600) == 0 && WriteAll(fd, data, len) && ::fsync(fd) == 0;
  int err = errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlink(path.c_str());  // we created it; do not leave half a key behind
    return FileError(ErrorKind::kInternal, "key_file_unwritable",
                     std::string("cannot write key file: ") + std::strerror(err), path);
  }
  SyncParentDirectory(path);
  return Ok();
}

// A pseudonym secret's file: 64 hex digits and an optional "\n".
constexpr std::size_t kPseudonymSecretHexDigits = 2 * 32;

}  // namespace

Status Keyring::LoadKeyFile(const std::string& id, const std::string& pem_path) {
  if (Has(id))
    return Conflict("key_id_exists", "a key with id " + Quoted(id) + " is loaded");
  KP_ASSIGN_OR_RETURN(int fd, OpenPrivateFile(pem_path));
  // OpenSSL reads the PEM straight from the descriptor and keeps the decoded key material in
  // buffers it cleanses, so no copy of the file lingers in our memory.
  ossl::Bio bio(BIO_new_fd(fd, BIO_CLOSE));
  if (!bio) {
    ::close(fd);
    return DropOpenSslErrors(
        FileError(ErrorKind::kInternal, "key_file_unreadable", "cannot read key file", pem_path));
  }
  ossl::Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) {
    return DropOpenSslErrors(InvalidArgument(
        "invalid_key_file", "key file is not an unencrypted PEM private key", pem_path));
  }
  keys_.emplace(id, std::move(key));
  return Ok();
}

Result<std::string> Keyring::GenerateKeyFile(const std::string& pem_path) {
  ossl::Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key)
    return LastOpenSslError("key_generation_failed", "cannot generate an EC P-256 key");

  ossl::Bio pub(BIO_new(BIO_s_mem()));
  if (!pub || PEM_write_bio_PUBKEY(pub.get(), key.get()) != 1) {
    return LastOpenSslError("key_generation_failed", "cannot encode the public key");
  }
  Bytes pub_pem = MemBioBytes(pub.get());

  // BIO_s_secmem clears its buffer on free; we cleanse it ourselves as well.
  ossl::Bio priv(BIO_new(BIO_s_secmem()));
  if (!priv || PEM_write_bio_PKCS8PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                             nullptr) != 1) {
    return LastOpenSslError("key_generation_failed", "cannot encode the private key");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(priv.get(), &data);
  if (len <= 0 || data == nullptr) {
    return LastOpenSslError("key_generation_failed", "cannot encode the private key");
  }
  struct Cleanse {
    char* data;
    long len;
    ~Cleanse() { OPENSSL_cleanse(data, static_cast<std::size_t>(len)); }
  } cleanse{data, len};

  KP_RETURN_IF_ERROR(WriteNewKeyFile(pem_path, data, static_cast<std::size_t>(len)));
  return std::string(pub_pem.begin(), pub_pem.end());
}

Result<std::string> Keyring::PublicKeyPem(const std::string& id) const {
  KP_ASSIGN_OR_RETURN(EVP_PKEY * key, Find(id));
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
    return LastOpenSslError("key_encoding_failed", "cannot encode public key " + Quoted(id));
  }
  Bytes pem = MemBioBytes(bio.get());
  return std::string(pem.begin(), pem.end());
}

Result<Certificate> Keyring::IssueCertificate(const std::string& issuer_key_id,
                                              const Certificate* issuer_cert,
                                              const CertificateRequest& req) const {
  KP_ASSIGN_OR_RETURN(EVP_PKEY * issuer_key, Find(issuer_key_id));
  KP_RETURN_IF_ERROR(ValidateRequest(req));
  KP_ASSIGN_OR_RETURN(ossl::Pkey subject_key, ParsePublicKey(req.public_key_pem));
  if (issuer_cert == nullptr) {
    if (EVP_PKEY_eq(subject_key.get(), issuer_key) != 1) {
      return DropOpenSslErrors(InvalidArgument(
          "key_mismatch",
          "a self-signed certificate must carry the public key of " + Quoted(issuer_key_id),
          "public_key_pem"));
    }
  } else {
    if (X509_check_private_key(issuer_cert->native(), issuer_key) != 1) {
      return KeyMismatch(issuer_key_id, "issuer certificate");
    }
    if ((X509_get_extension_flags(issuer_cert->native()) & EXFLAG_CA) == 0) {
      return Refused("issuer_not_ca", "issuer certificate is not a CA certificate");
    }
  }

  ossl::X509Ptr x(X509_new());
  if (!x || X509_set_version(x.get(), X509_VERSION_3) != 1) {
    return LastOpenSslError("certificate_issue_failed", "cannot create certificate");
  }
  KP_RETURN_IF_ERROR(SetRandomSerial(x.get()));
  KP_RETURN_IF_ERROR(SetSubject(x.get(), req));
  X509_NAME* issuer_name = issuer_cert != nullptr ? X509_get_subject_name(issuer_cert->native())
                                                  : X509_get_subject_name(x.get());
  constexpr long kBackdateSeconds = 5 * 60;
  if (X509_set_issuer_name(x.get(), issuer_name) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(x.get()), -kBackdateSeconds) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(x.get()), req.validity_days, 0, nullptr) == nullptr ||
      X509_set_pubkey(x.get(), subject_key.get()) != 1) {
    return LastOpenSslError("certificate_issue_failed", "cannot fill in certificate");
  }

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_cert != nullptr ? issuer_cert->native() : x.get(), x.get(), nullptr,
                 nullptr, 0);
  X509V3_set_ctx_nodb(&ctx);
  KP_RETURN_IF_ERROR(AddExtension(x.get(), &ctx, NID_basic_constraints,
                                  req.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE"));
  const char* key_usage = "critical,digitalSignature,keyAgreement";
  if (req.is_ca) {
    key_usage = "critical,keyCertSign,cRLSign";
  } else if (EVP_PKEY_is_a(subject_key.get(), "RSA")) {
    key_usage = "critical,digitalSignature,keyEncipherment";  // RSA has no key agreement
  }
  KP_RETURN_IF_ERROR(AddExtension(x.get(), &ctx, NID_key_usage, key_usage));
  std::string eku;
  for (auto [wanted, name] :
       {std::pair{req.tls_server, "serverAuth"}, std::pair{req.tls_client, "clientAuth"},
        std::pair{req.smime, "emailProtection"}}) {
    if (!wanted)
      continue;
    if (!eku.empty())
      eku += ",";
    eku += name;
  }
  if (!eku.empty()) {
    KP_RETURN_IF_ERROR(AddExtension(x.get(), &ctx, NID_ext_key_usage, eku.c_str()));
  }
  // The subject key identifier must exist before the authority key identifier of a self-signed
  // certificate can copy it.
  KP_RETURN_IF_ERROR(AddExtension(x.get(), &ctx, NID_subject_key_identifier, "hash"));
  KP_RETURN_IF_ERROR(AddExtension(x.get(), &ctx, NID_authority_key_identifier,
                                  issuer_cert == nullptr ? "keyid:always" : "keyid,issuer"));
  KP_RETURN_IF_ERROR(AddSubjectAltNames(x.get(), req));

  if (X509_sign(x.get(), issuer_key, EVP_sha256()) <= 0) {
    return LastOpenSslError("certificate_issue_failed",
                            "cannot sign certificate with " + Quoted(issuer_key_id));
  }
  return Certificate::Adopt(std::move(x));
}

Status Keyring::InstallInTlsContext(const std::string& id, SSL_CTX* ctx) const {
  KP_ASSIGN_OR_RETURN(EVP_PKEY * key, Find(id));
  if (ctx == nullptr)
    return InvalidArgument("invalid_tls_context", "no TLS context given");
  if (SSL_CTX_use_PrivateKey(ctx, key) != 1) {
    return LastOpenSslError("tls_setup_failed", "cannot install key " + Quoted(id));
  }
  return Ok();
}

Status Keyring::InstallInTlsContext(const std::string& id, const std::vector<Certificate>& chain,
                                    SSL_CTX* ctx) const {
  KP_ASSIGN_OR_RETURN(EVP_PKEY * key, Find(id));
  if (ctx == nullptr)
    return InvalidArgument("invalid_tls_context", "no TLS context given");
  if (chain.empty()) {
    return InvalidArgument("invalid_certificate_chain", "no certificate given for the key");
  }
  if (X509_check_private_key(chain.front().native(), key) != 1) {
    return KeyMismatch(id, "TLS certificate");
  }
  if (SSL_CTX_use_certificate(ctx, chain.front().native()) != 1 ||
      SSL_CTX_clear_chain_certs(ctx) != 1) {
    return LastOpenSslError("tls_setup_failed", "cannot install TLS certificate");
  }
  for (std::size_t i = 1; i < chain.size(); ++i) {
    if (SSL_CTX_add1_chain_cert(ctx, chain[i].native()) != 1) {
      return LastOpenSslError("tls_setup_failed", "cannot install TLS certificate chain");
    }
  }
  KP_RETURN_IF_ERROR(InstallInTlsContext(id, ctx));
  if (SSL_CTX_check_private_key(ctx) != 1)
    return KeyMismatch(id, "TLS certificate");
  return Ok();
}

Result<Bytes> Keyring::SignCms(const std::string& id, const Certificate& signer_cert,
                               ByteView content) const {
  KP_ASSIGN_OR_RETURN(EVP_PKEY * key, FindFor(id, signer_cert, "signer certificate"));
  if (content.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return TooLarge("content_too_large", "content is too large to sign");
  }
  ossl::Bio in = ReadOnlyMemBio(content);
  ossl::Cms cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_BINARY | CMS_PARTIAL));
  if (!in || !cms)
    return LastOpenSslError("cms_sign_failed", "cannot set up signing");
  if (CMS_add1_signer(cms.get(), signer_cert.native(), key, EVP_sha256(), CMS_BINARY) == nullptr ||
      CMS_final(cms.get(), in.get(), nullptr, CMS_BINARY) != 1) {
    return LastOpenSslError("cms_sign_failed", "cannot sign content with " + Quoted(id));
  }
  return CmsToDer(cms.get());
}

Result<Bytes> Keyring::DecryptCms(const std::string& id, const Certificate& recipient_cert,
                                  ByteView envelope_der) const {
  KP_ASSIGN_OR_RETURN(EVP_PKEY * key, FindFor(id, recipient_cert, "recipient certificate"));
  KP_ASSIGN_OR_RETURN(ossl::Cms cms, ParseCms(envelope_der, "invalid_envelope"));
  KP_ASSIGN_OR_RETURN(EnvelopeInfo info, InspectParsedEnvelope(cms.get()));
  if (!info.IsFor(recipient_cert)) {
    return Refused("not_a_recipient", "envelope is not addressed to key " + Quoted(id));
  }
  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  if (content == nullptr || *content == nullptr) {
    return DropOpenSslErrors(
        InvalidArgument("invalid_envelope", "envelope does not carry its content"));
  }
  // What CMS_decrypt does, in its steps, so that the content cipher can be checked between
  // setting it up and decrypting: unwrap the content key, build the decrypting BIO over the
  // content inside `cms`, read it all.
  if (CMS_decrypt_set1_pkey_and_peer(cms.get(), key, recipient_cert.native(), nullptr) != 1) {
    return Undecryptable(id);
  }
  ossl::Bio chain(CMS_dataInit(cms.get(), nullptr));
  if (!chain)
    return Undecryptable(id);
  // EnvelopedData (AES-CBC) has no integrity of its own: the signed content inside gives it.
  // AuthEnvelopedData promises integrity, which OpenSSL would not check with a swapped cipher or
  // a short tag.
  if (info.authenticated)
    KP_RETURN_IF_ERROR(CheckAuthenticatedCipher(chain.get()));
  BIO* cipher = BIO_find_type(chain.get(), BIO_TYPE_CIPHER);
  if (cipher == nullptr)
    return LastOpenSslError("cms_decrypt_failed", "cannot set up decryption");
  // The plaintext passes through buffers that are cleared when freed.
  ossl::Bio out(BIO_new(BIO_s_secmem()));
  if (!out)
    return LastOpenSslError("cms_decrypt_failed", "cannot set up decryption");
  struct Piece {
    std::array<unsigned char, 4096> bytes;
    ~Piece() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
  } piece;
  // Every read but the last returns at least one byte, and the plaintext is no longer than the
  // envelope.
  for (std::size_t reads = 0; reads <= envelope_der.size() + 1; ++reads) {
    int n = BIO_read(chain.get(), piece.bytes.data(), static_cast<int>(piece.bytes.size()));
    if (n > 0) {
      if (BIO_write(out.get(), piece.bytes.data(), n) != n)
        return LastOpenSslError("cms_decrypt_failed", "cannot buffer the decrypted content");
      continue;
    }
    // At the end the cipher BIO checks the GCM tag (or the CBC padding); BIO_read returns 0
    // either way, and only the status tells.
    if (n < 0 || BIO_get_cipher_status(cipher) != 1)
      return Undecryptable(id);
    ClearOpenSslErrors();
    return MemBioBytes(out.get());
  }
  return Internal("cms_decrypt_failed", "decryption did not reach the end of the content");
}

Result<UnlockedEnvelope> Keyring::UnlockEnvelope(const std::string& id,
                                                 const Certificate& recipient_cert,
                                                 ByteView envelope_der) const {
  KP_ASSIGN_OR_RETURN(EVP_PKEY * key, FindFor(id, recipient_cert, "recipient certificate"));
  KP_ASSIGN_OR_RETURN(ossl::Cms cms, ParseCms(envelope_der, "invalid_envelope"));
  KP_ASSIGN_OR_RETURN(EnvelopeInfo info, InspectParsedEnvelope(cms.get()));
  if (!info.authenticated) {
    return Refused("unauthenticated_envelope",
                   "envelope is EnvelopedData: its content has no integrity protection");
  }
  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  if (content == nullptr) {
    return DropOpenSslErrors(InvalidArgument("invalid_envelope", "envelope has no content info"));
  }
  if (*content != nullptr) {
    return InvalidArgument("not_detached", "envelope carries its content; it is not detached");
  }
  if (!info.IsFor(recipient_cert)) {
    return Refused("not_a_recipient", "envelope is not addressed to key " + Quoted(id));
  }
  // Unwraps the content key into `cms`; OpenSSL lets go of `key` again before returning.
  if (CMS_decrypt_set1_pkey_and_peer(cms.get(), key, recipient_cert.native(), nullptr) != 1) {
    return DropOpenSslErrors(InvalidArgument(
        "invalid_envelope", "envelope cannot be unlocked with " + Quoted(id) +
                                ": damaged, tampered with, or its key is not for this recipient"));
  }
  ClearOpenSslErrors();
  return UnlockedEnvelope(std::move(cms));
}

Result<Bytes> Keyring::SignDigest(const std::string& id, ByteView message) const {
  KP_ASSIGN_OR_RETURN(EVP_PKEY * key, Find(id));
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
    return LastOpenSslError("sign_failed", "cannot sign with " + Quoted(id));
  }
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
    return LastOpenSslError("sign_failed", "cannot sign with " + Quoted(id));
  }
  sig.resize(len);
  return sig;
}

Status Keyring::GeneratePseudonymSecretFile(const std::string& path) {
  Bytes secret = RandomBytes(kPseudonymSecretBytes);
  std::string hex = HexEncode(secret) + "\n";
  OPENSSL_cleanse(secret.data(), secret.size());
  Status written = WriteNewKeyFile(path, hex.data(), hex.size());
  OPENSSL_cleanse(hex.data(), hex.size());
  return written;
}

Status Keyring::LoadPseudonymSecretFile(const std::string& id, const std::string& path) {
  if (pseudonym_secrets_.count(id) != 0)
    return Conflict("key_id_exists", "a pseudonym secret with id " + Quoted(id) + " is loaded");
  KP_ASSIGN_OR_RETURN(int fd, OpenPrivateFile(path));
  // One byte more than the longest valid content, so that a longer file is recognised.
  std::array<char, kPseudonymSecretHexDigits + 2> text{};
  std::size_t size = 0;
  bool read_failed = false;
  while (size < text.size()) {
    ssize_t n = ::read(fd, text.data() + size, text.size() - size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      read_failed = true;
    if (n <= 0)
      break;
    size += static_cast<std::size_t>(n);
  }
  ::close(fd);
  // Decoded here rather than with HexDecode, whose vector would be freed unwiped on an error.
  std::array<std::uint8_t, kPseudonymSecretBytes> secret{};
  bool valid = !read_failed &&
               (size == kPseudonymSecretHexDigits ||
                (size == kPseudonymSecretHexDigits + 1 && text[kPseudonymSecretHexDigits] == '\n'));
  for (std::size_t i = 0; valid && i < secret.size(); ++i) {
    int hi = HexDigitValue(text[2 * i]);
    int lo = HexDigitValue(text[2 * i + 1]);
    valid = hi >= 0 && lo >= 0;
    secret[i] = static_cast<std::uint8_t>((hi << 4) | (lo & 0x0f));
  }
  OPENSSL_cleanse(text.data(), text.size());
  if (!valid) {
    OPENSSL_cleanse(secret.data(), secret.size());
    return InvalidArgument("invalid_key_file",
                           "a pseudonym secret file holds exactly 64 hex digits", path);
  }
  pseudonym_secrets_.emplace(id, secret);
  OPENSSL_cleanse(secret.data(), secret.size());
  return Ok();
}

bool Keyring::HasPseudonymSecret(const std::string& id) const {
  return pseudonym_secrets_.count(id) != 0;
}

Result<std::string> Keyring::Pseudonym(const std::string& id,
                                       std::string_view client_number) const {
  KP_RETURN_IF_ERROR(CheckClientNumber(client_number));
  auto it = pseudonym_secrets_.find(id);
  if (it == pseudonym_secrets_.end())
    return NotFound("key_not_found", "no pseudonym secret loaded with id " + Quoted(id));
  return HexEncode(HmacSha256(it->second, AsBytes(client_number)));
}

}  // namespace ketenpoort::crypto
