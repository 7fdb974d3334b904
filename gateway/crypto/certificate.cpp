#include "gateway/crypto/certificate.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <limits>

#include "gateway/crypto/openssl_error.h"

namespace ketenpoort::crypto {

namespace {

// Certificate files are small; anything larger is not one.
constexpr std::size_t kMaxCertificateFile = 1 << 20;

// An error about the file at `path`: the field names the file, the message the problem.
Error FileError(ErrorKind kind, std::string code, std::string message, const std::string& path) {
  return Error{kind, std::move(code), std::move(message), path};
}

// Reads a public file (certificates). Errors name `path` and the errno text, nothing else.
Result<std::string> ReadPublicFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT)
      return NotFound("file_not_found", "file does not exist", path);
    return FileError(ErrorKind::kInternal, "file_unreadable",
                     std::string("cannot open file: ") + std::strerror(err), path);
  }
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return FileError(ErrorKind::kInternal, "file_unreadable",
                       std::string("cannot read file: ") + std::strerror(err), path);
    }
    if (n == 0)
      break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > kMaxCertificateFile) {
      ::close(fd);
      return InvalidArgument("invalid_certificate", "file is too large for a certificate", path);
    }
  }
  ::close(fd);
  return out;
}

ossl::Bio MemBio(std::string_view data) {
  return ossl::Bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr)
    return {};
  return std::string(data, static_cast<std::size_t>(len));
}

std::string CommonName(const X509_NAME* name) {
  if (name == nullptr)
    return {};
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0)
    return {};
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, value);
  if (len < 0) {
    ClearOpenSslErrors();
    return {};
  }
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

std::int64_t UnixTime(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    ClearOpenSslErrors();
    return 0;
  }
  return static_cast<std::int64_t>(timegm(&tm));
}

Error BadCertificate(std::string field = {}) {
  return DropOpenSslErrors(
      InvalidArgument("invalid_certificate", "not a valid X.509 certificate", std::move(field)));
}

}  // namespace

Result<Certificate> Certificate::FromPem(std::string_view pem) {
  if (pem.empty() || pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return BadCertificate();
  }
  ossl::Bio bio = MemBio(pem);
  if (!bio)
    return LastOpenSslError("certificate_parse_failed", "cannot set up parsing");
  ossl::X509Ptr x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!x)
    return BadCertificate();
  return Certificate(std::move(x));
}

Result<Certificate> Certificate::FromDer(ByteView der) {
  if (der.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return BadCertificate();
  }
  const unsigned char* p = der.data();
  ossl::X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x || p != der.data() + der.size())
    return BadCertificate();
  return Certificate(std::move(x));
}

Result<Certificate> Certificate::LoadPemFile(const std::string& path) {
  KP_ASSIGN_OR_RETURN(std::string pem, ReadPublicFile(path));
  auto cert = FromPem(pem);
  if (!cert) {
    return InvalidArgument("invalid_certificate", "file holds no valid PEM certificate", path);
  }
  return cert;
}

Certificate Certificate::Adopt(ossl::X509Ptr x509) {
  return Certificate(std::move(x509));
}

Certificate::Certificate(const Certificate& other) {
  if (other.x509_ && X509_up_ref(other.x509_.get()) == 1)
    x509_.reset(other.x509_.get());
}

Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other)
    *this = Certificate(other);
  return *this;
}

std::string Certificate::ToPem() const {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), x509_.get()) != 1) {
    ClearOpenSslErrors();
    return {};
  }
  return BioToString(bio.get());
}

Bytes Certificate::ToDer() const {
  int len = i2d_X509(x509_.get(), nullptr);
  if (len <= 0) {
    ClearOpenSslErrors();
    return {};
  }
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_X509(x509_.get(), &p);
  return out;
}

std::string Certificate::Sha256Fingerprint() const {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(x509_.get(), EVP_sha256(), md, &len) != 1) {
    ClearOpenSslErrors();
    return {};
  }
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    if (i > 0)
      out.push_back(':');
    out.push_back(kDigits[md[i] >> 4]);
    out.push_back(kDigits[md[i] & 0x0f]);
  }
  return out;
}

std::string Certificate::SubjectCommonName() const {
  return CommonName(X509_get_subject_name(x509_.get()));
}

std::string Certificate::IssuerCommonName() const {
  return CommonName(X509_get_issuer_name(x509_.get()));
}

std::string Certificate::SerialHex() const {
  ossl::Bignum bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509_.get()), nullptr));
  if (!bn) {
    ClearOpenSslErrors();
    return {};
  }
  char* hex = BN_bn2hex(bn.get());
  if (hex == nullptr) {
    ClearOpenSslErrors();
    return {};
  }
  std::string out(hex);
  OPENSSL_free(hex);
  if (out == "0")
    out = "00";  // as `openssl x509 -serial`
  return out;
}

std::int64_t Certificate::NotBeforeUnix() const {
  return UnixTime(X509_get0_notBefore(x509_.get()));
}

std::int64_t Certificate::NotAfterUnix() const {
  return UnixTime(X509_get0_notAfter(x509_.get()));
}

std::string Certificate::PublicKeyPem() const {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  EVP_PKEY* key = X509_get0_pubkey(x509_.get());
  if (!bio || key == nullptr || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
    ClearOpenSslErrors();
    return {};
  }
  return BioToString(bio.get());
}

bool Certificate::operator==(const Certificate& other) const {
  if (!x509_ || !other.x509_)
    return x509_ == other.x509_;
  return X509_cmp(x509_.get(), other.x509_.get()) == 0;
}

Result<std::vector<Certificate>> ParsePemChain(std::string_view pem) {
  if (pem.empty() || pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return BadCertificate();
  }
  ossl::Bio bio = MemBio(pem);
  if (!bio)
    return LastOpenSslError("certificate_parse_failed", "cannot set up parsing");
  std::vector<Certificate> chain;
  ClearOpenSslErrors();
  for (;;) {
    ossl::X509Ptr x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!x)
      break;
    chain.push_back(Certificate::Adopt(std::move(x)));
  }
  // The loop ends with "no start line" at the end of the input; any other reason is a broken
  // certificate in the middle.
  unsigned long e = ERR_peek_last_error();
  bool clean_end = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
  if (chain.empty() || !clean_end)
    return BadCertificate();
  ClearOpenSslErrors();
  return chain;
}

Result<std::vector<Certificate>> LoadPemChainFile(const std::string& path) {
  KP_ASSIGN_OR_RETURN(std::string pem, ReadPublicFile(path));
  auto chain = ParsePemChain(pem);
  if (!chain) {
    return InvalidArgument("invalid_certificate", "file is not a list of PEM certificates", path);
  }
  return chain;
}

Result<ossl::X509Store> MakeTrustStore(const std::vector<Certificate>& trust_anchors) {
  ossl::X509Store store(X509_STORE_new());
  // Every anchor is trusted as given, self-signed root or not, so that a deployment can pin an
  // intermediate CA (one PKIoverheid domain) instead of the whole national root.
  if (!store || X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN) != 1) {
    return LastOpenSslError("certificate_store_failed", "cannot create a store");
  }
  for (const Certificate& anchor : trust_anchors) {
    if (X509_STORE_add_cert(store.get(), anchor.native()) != 1) {
      // Adding the same anchor twice is harmless.
      unsigned long e = ERR_peek_last_error();
      if (ERR_GET_REASON(e) != X509_R_CERT_ALREADY_IN_HASH_TABLE) {
        return LastOpenSslError("certificate_store_failed", "cannot add a trust anchor");
      }
      ClearOpenSslErrors();
    }
  }
  return store;
}

bool VerifySignature(const Certificate& signer, ByteView message, ByteView signature) {
  EVP_PKEY* key = signer.native() != nullptr ? X509_get0_pubkey(signer.native()) : nullptr;
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  bool ok = key != nullptr && ctx &&
            EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                             message.size()) == 1;
  ClearOpenSslErrors();
  return ok;
}

Status VerifyIssuedBy(const Certificate& leaf, const std::vector<Certificate>& trust_anchors,
                      const std::vector<Certificate>& intermediates) {
  KP_ASSIGN_OR_RETURN(ossl::X509Store store, MakeTrustStore(trust_anchors));
  ossl::X509Stack untrusted(sk_X509_new_null());
  if (!untrusted)
    return LastOpenSslError("certificate_store_failed", "cannot create a stack");
  for (const Certificate& c : intermediates) {
    if (X509_add_cert(untrusted.get(), c.native(), X509_ADD_FLAG_UP_REF) != 1) {
      return LastOpenSslError("certificate_store_failed", "cannot add an intermediate");
    }
  }
  ossl::X509StoreCtx ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf.native(), untrusted.get()) != 1) {
    return LastOpenSslError("certificate_store_failed", "cannot set up verification");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    return DropOpenSslErrors(Refused("certificate_untrusted",
                                     std::string("certificate does not chain to a trust anchor: ") +
                                         X509_verify_cert_error_string(err)));
  }
  ClearOpenSslErrors();
  return Ok();
}

}  // namespace ketenpoort::crypto
