#include "gateway/crypto/keyring.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <sys/stat.h>

#include <ctime>
#include <string>

#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/openssl_handles.h"

// PEM markers are split across string literals so that secret scanners do not mistake this
// test for a leaked key.
namespace ketenpoort::crypto {
namespace {

using testing::ReadFile;
using testing::RunCapture;
using testing::RunCommand;
using testing::TempDir;
using testing::TestParty;
using testing::TestPki;
using testing::WriteFile;

mode_t FileMode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return 0;
  return st.st_mode & 07777;
}

bool IsCritical(X509* x, int nid) {
  int index = X509_get_ext_by_NID(x, nid, -1);
  return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(x, index)) == 1;
}

// Runs a TLS handshake between `client` and `server` over an in-memory BIO pair.
bool Handshake(SSL* client, SSL* server) {
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  if (BIO_new_bio_pair(&client_bio, 0, &server_bio, 0) != 1)
    return false;
  SSL_set_bio(client, client_bio, client_bio);  // each SSL now owns its end
  SSL_set_bio(server, server_bio, server_bio);
  bool client_done = false;
  bool server_done = false;
  for (int round = 0; round < 50 && !(client_done && server_done); ++round) {
    for (auto [ssl, done] : {std::pair{client, &client_done}, std::pair{server, &server_done}}) {
      if (*done)
        continue;
      int rc = SSL_do_handshake(ssl);
      if (rc == 1) {
        *done = true;
        continue;
      }
      int err = SSL_get_error(ssl, rc);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        return false;
      }
    }
  }
  return client_done && server_done;
}

class KeyringTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(KeyringTest, GenerateKeyFileWritesPrivatePkcs8AndReturnsPublicKey) {
  std::string path = dir_.File("new.key");
  mode_t old_umask = ::umask(0);  // the file must be 0600 whatever the umask
  auto pub = Keyring::GenerateKeyFile(path);
  ::umask(old_umask);
  ASSERT_TRUE(pub.ok()) << pub.error().ToString();
  EXPECT_EQ(FileMode(path), 0600u);
  EXPECT_EQ(ReadFile(path).rfind("-----BEGIN "
                                 "PRIVATE KEY-----\n",
                                 0),
            0u);
  EXPECT_EQ(pub->rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);

  int rc = -1;
  EXPECT_EQ(RunCapture("openssl pkey -in " + path + " -pubout", &rc), *pub);
  EXPECT_EQ(rc, 0);
  std::string text = RunCapture("openssl pkey -in " + path + " -noout -text", &rc);
  EXPECT_NE(text.find("prime256v1"), std::string::npos);

  Keyring keys;
  ASSERT_TRUE(keys.LoadKeyFile("k", path).ok());
  EXPECT_EQ(*keys.PublicKeyPem("k"), *pub);
}

TEST_F(KeyringTest, GenerateKeyFileNeverOverwrites) {
  std::string path = dir_.File("exists.key");
  WriteFile(path, "precious");
  auto r = Keyring::GenerateKeyFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "file_exists");
  EXPECT_EQ(r.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(r.error().field, path);
  EXPECT_EQ(ReadFile(path), "precious");

  ASSERT_EQ(::symlink(dir_.File("target.key").c_str(), dir_.File("link.key").c_str()), 0);
  EXPECT_FALSE(Keyring::GenerateKeyFile(dir_.File("link.key")).ok());  // not through a symlink

  auto no_dir = Keyring::GenerateKeyFile(dir_.File("missing/dir.key"));
  ASSERT_FALSE(no_dir.ok());
  EXPECT_EQ(no_dir.error().code, "key_file_unwritable");
}

TEST_F(KeyringTest, GeneratedKeysDiffer) {
  auto a = Keyring::GenerateKeyFile(dir_.File("a.key"));
  auto b = Keyring::GenerateKeyFile(dir_.File("b.key"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

TEST_F(KeyringTest, LoadKeyFileRefusesFilesOthersCanRead) {
  std::string path = dir_.File("k.key");
  ASSERT_TRUE(Keyring::GenerateKeyFile(path).ok());
  std::string content = ReadFile(path);
  Keyring keys;
  for (mode_t mode : {0644, 0640, 0604, 0660, 0602}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto r = keys.LoadKeyFile("k", path);
    ASSERT_FALSE(r.ok()) << std::oct << mode;
    EXPECT_EQ(r.error().code, "key_file_permissions");
    EXPECT_EQ(r.error().kind, ErrorKind::kPermissionDenied);
    EXPECT_EQ(r.error().field, path);
    EXPECT_EQ(r.error().ToString().find("PRIVATE"), std::string::npos);
    EXPECT_FALSE(keys.Has("k"));
  }
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(keys.LoadKeyFile("k", path).ok());
  EXPECT_TRUE(keys.Has("k"));
  EXPECT_FALSE(keys.Has("other"));
}

TEST_F(KeyringTest, LoadKeyFileErrorsNameTheFileNeverTheContent) {
  Keyring keys;
  auto missing = keys.LoadKeyFile("k", dir_.File("missing.key"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "file_not_found");
  EXPECT_EQ(missing.error().field, dir_.File("missing.key"));

  std::string garbage = dir_.File("garbage.key");
  WriteFile(garbage,
            "-----BEGIN "
            "PRIVATE KEY-----\nc2VjcmV0IGJ5dGVz\n-----END "
            "PRIVATE KEY-----\n");
  ASSERT_EQ(::chmod(garbage.c_str(), 0600), 0);
  auto bad = keys.LoadKeyFile("k", garbage);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "invalid_key_file");
  EXPECT_EQ(bad.error().field, garbage);
  EXPECT_EQ(bad.error().ToString().find("c2VjcmV0"), std::string::npos);

  std::string directory = dir_.File("sub");
  ASSERT_EQ(::mkdir(directory.c_str(), 0700), 0);
  auto not_file = keys.LoadKeyFile("k", directory);
  ASSERT_FALSE(not_file.ok());
  EXPECT_EQ(not_file.error().code, "invalid_key_file");
  EXPECT_FALSE(keys.Has("k"));
}

TEST_F(KeyringTest, LoadKeyFileRefusesEncryptedKeysWithoutPrompting) {
  std::string path = dir_.File("enc.key");
  ASSERT_EQ(RunCommand("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 "
                       "-pass pass:secret -out " +
                       path + " && chmod 600 " + path),
            0);
  Keyring keys;
  auto r = keys.LoadKeyFile("k", path);  // must fail, not block on a terminal prompt
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_key_file");
}

TEST_F(KeyringTest, LoadsKeysMadeByOpenSsl) {
  std::string pkcs8 = dir_.File("pkcs8.key");
  std::string sec1 = dir_.File("sec1.key");
  std::string rsa = dir_.File("rsa.key");
  ASSERT_EQ(
      RunCommand("umask 077 && openssl genpkey -algorithm EC -pkeyopt "
                 "ec_paramgen_curve:P-256 -out " +
                 pkcs8 + " && openssl ecparam -genkey -name prime256v1 -noout -out " + sec1 +
                 " && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out " + rsa),
      0);
  Keyring keys;
  EXPECT_TRUE(keys.LoadKeyFile("pkcs8", pkcs8).ok());
  EXPECT_TRUE(keys.LoadKeyFile("sec1", sec1).ok());
  EXPECT_TRUE(keys.LoadKeyFile("rsa", rsa).ok());
  auto again = keys.LoadKeyFile("pkcs8", sec1);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "key_id_exists");
}

TEST_F(KeyringTest, UnknownIdIsNotFound) {
  TestPki pki(dir_);
  const Keyring& keys = pki.keys;
  for (const Error& e :
       {keys.SignDigest("nope", {}).error(), keys.SignCms("nope", pki.ca, {}).error(),
        keys.DecryptCms("nope", pki.ca, {}).error(), keys.PublicKeyPem("nope").error(),
        keys.IssueCertificate("nope", nullptr, {}).error()}) {
    EXPECT_EQ(e.code, "key_not_found");
    EXPECT_EQ(e.kind, ErrorKind::kNotFound);
  }
  ossl::SslCtx ctx(SSL_CTX_new(TLS_method()));
  EXPECT_EQ(keys.InstallInTlsContext("nope", ctx.get()).error().code, "key_not_found");
}

TEST_F(KeyringTest, KeyringMovesItsKeys) {
  TestPki pki(dir_);
  Keyring moved = std::move(pki.keys);
  EXPECT_TRUE(moved.Has(pki.ca_id));
  EXPECT_TRUE(moved.SignDigest(pki.ca_id, ToBytes("x")).ok());
}

TEST_F(KeyringTest, IssuedCertificatesPassOpenSslVerify) {
  TestPki pki(dir_);
  TestParty server = pki.Issue("gw.example.nl", {.tls_server = true, .tls_client = true},
                               {"gw.example.nl", "localhost"});
  TestParty org = pki.Issue("org-a", {.smime = true}, {}, {"beveiligd@org-a.example.nl"});
  const std::string verify = "openssl verify -CAfile " + pki.ca_path;
  EXPECT_EQ(RunCommand(verify + " " + pki.ca_path), 0);
  EXPECT_EQ(RunCommand(verify + " -x509_strict " + server.cert_path), 0);
  EXPECT_EQ(RunCommand(verify + " -purpose sslserver " + server.cert_path), 0);
  EXPECT_EQ(RunCommand(verify + " -purpose sslclient " + server.cert_path), 0);
  EXPECT_EQ(RunCommand(verify + " -x509_strict -purpose smimesign " + org.cert_path), 0);
  // Not checked: `-purpose smimeencrypt`. OpenSSL's check wants keyEncipherment, which RFC 5480
  // forbids for EC keys (they use keyAgreement); `openssl cms -encrypt` does not care (see
  // cms_interop_test).
  // Usages that were not asked for are not granted.
  EXPECT_NE(RunCommand(verify + " -purpose sslserver " + org.cert_path), 0);
  EXPECT_NE(RunCommand(verify + " -purpose smimesign " + server.cert_path), 0);

  TempDir other_dir;
  TestPki other(other_dir, "other");
  EXPECT_NE(RunCommand("openssl verify -CAfile " + other.ca_path + " " + server.cert_path), 0);
}

TEST_F(KeyringTest, IssuedCertificateHasTheRequestedExtensions) {
  TestPki pki(dir_);
  auto pub = Keyring::GenerateKeyFile(dir_.File("leaf.key"));
  ASSERT_TRUE(pub.ok());
  CertificateRequest req;
  req.common_name = "Zorg \xC3\x9Cnie";
  req.organization = "Zorg B.V.";
  req.public_key_pem = *pub;
  req.validity_days = 30;
  req.dns_names = {"gw.example.nl"};
  req.ip_addresses = {"127.0.0.1", "::1"};
  req.emails = {"ops@example.nl"};
  req.tls_server = true;
  req.smime = true;
  auto cert = pki.keys.IssueCertificate(pki.ca_id, &pki.ca, req);
  ASSERT_TRUE(cert.ok()) << cert.error().ToString();
  X509* x = cert->native();

  EXPECT_EQ(X509_get_version(x), X509_VERSION_3);
  EXPECT_EQ(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
  EXPECT_EQ(cert->SubjectCommonName(), "Zorg \xC3\x9Cnie");
  EXPECT_EQ(cert->IssuerCommonName(), "Test CA ca");
  EXPECT_EQ(cert->PublicKeyPem(), *pub);
  EXPECT_NEAR(static_cast<double>(cert->NotAfterUnix()),
              static_cast<double>(std::time(nullptr)) + 30 * 86400.0, 600);

  EXPECT_EQ(X509_get_extension_flags(x) & EXFLAG_CA, 0u);
  EXPECT_TRUE(IsCritical(x, NID_basic_constraints));
  EXPECT_TRUE(IsCritical(x, NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(x),
            static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE | KU_KEY_AGREEMENT));
  EXPECT_EQ(X509_get_extended_key_usage(x), static_cast<std::uint32_t>(XKU_SSL_SERVER | XKU_SMIME));

  const ASN1_OCTET_STRING* akid = X509_get0_authority_key_id(x);
  const ASN1_OCTET_STRING* ca_skid = X509_get0_subject_key_id(pki.ca.native());
  ASSERT_NE(akid, nullptr);
  ASSERT_NE(ca_skid, nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(akid, ca_skid), 0);
  EXPECT_NE(X509_get0_subject_key_id(x), nullptr);

  // 128 random bits, positive: at most 16 bytes of hex, never the same twice.
  EXPECT_LE(cert->SerialHex().size(), 32u);
  EXPECT_GE(cert->SerialHex().size(), 20u);
  EXPECT_EQ(cert->SerialHex().find('-'), std::string::npos);
  auto again = pki.keys.IssueCertificate(pki.ca_id, &pki.ca, req);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->SerialHex(), cert->SerialHex());

  std::string path = dir_.File("leaf.pem");
  WriteFile(path, cert->ToPem());
  int rc = -1;
  std::string san = RunCapture("openssl x509 -noout -ext subjectAltName -in " + path, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(san.find("DNS:gw.example.nl"), std::string::npos) << san;
  EXPECT_NE(san.find("IP Address:127.0.0.1"), std::string::npos) << san;
  EXPECT_NE(san.find("IP Address:0:0:0:0:0:0:0:1"), std::string::npos) << san;
  EXPECT_NE(san.find("email:ops@example.nl"), std::string::npos) << san;
  std::string subject = RunCapture("openssl x509 -noout -subject -nameopt utf8 -in " + path, &rc);
  EXPECT_NE(subject.find("O=Zorg B.V."), std::string::npos) << subject;

  // The CA: CA:TRUE, keyCertSign + cRLSign, self-issued, AKID = SKID.
  X509* ca = pki.ca.native();
  EXPECT_NE(X509_get_extension_flags(ca) & EXFLAG_CA, 0u);
  EXPECT_NE(X509_get_extension_flags(ca) & EXFLAG_SS, 0u);
  EXPECT_EQ(X509_get_key_usage(ca), static_cast<std::uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_EQ(X509_get_extension_flags(ca) & EXFLAG_XKUSAGE, 0u);
  ASSERT_NE(X509_get0_authority_key_id(ca), nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(ca), ca_skid), 0);
}

TEST_F(KeyringTest, IssueCertificateRefusesBadRequests) {
  TestPki pki(dir_);
  TestParty leaf = pki.Issue("leaf", {.smime = true});
  auto pub = Keyring::GenerateKeyFile(dir_.File("x.key"));
  ASSERT_TRUE(pub.ok());
  CertificateRequest good;
  good.common_name = "x";
  good.public_key_pem = *pub;
  good.tls_client = true;
  ASSERT_TRUE(pki.keys.IssueCertificate(pki.ca_id, &pki.ca, good).ok());

  auto expect_error = [&](CertificateRequest req, const std::string& code,
                          const std::string& field) {
    auto r = pki.keys.IssueCertificate(pki.ca_id, &pki.ca, req);
    ASSERT_FALSE(r.ok()) << code;
    EXPECT_EQ(r.error().code, code);
    EXPECT_EQ(r.error().field, field);
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  };
  CertificateRequest req = good;
  req.common_name = "";
  expect_error(req, "invalid_certificate_request", "common_name");
  req = good;
  req.common_name = std::string(65, 'a');
  expect_error(req, "invalid_certificate_request", "common_name");
  req = good;
  req.validity_days = 0;
  expect_error(req, "invalid_certificate_request", "validity_days");
  req = good;
  req.tls_client = false;
  expect_error(req, "invalid_certificate_request", "usage");
  req = good;
  req.ip_addresses = {"300.1.1.1"};
  expect_error(req, "invalid_certificate_request", "ip_addresses");
  req = good;
  req.dns_names = {"bad name,DNS:evil.example"};
  expect_error(req, "invalid_certificate_request", "dns_names");
  req = good;
  req.emails = {"no-at-sign"};
  expect_error(req, "invalid_certificate_request", "emails");
  req = good;
  req.public_key_pem = "garbage";
  expect_error(req, "invalid_public_key", "public_key_pem");

  // Self-signed needs the issuer's own key.
  auto self = pki.keys.IssueCertificate(pki.ca_id, nullptr, good);
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().code, "key_mismatch");
  // The issuer certificate must be the issuer key's and a CA.
  auto wrong_cert = pki.keys.IssueCertificate(pki.ca_id, &leaf.cert, good);
  ASSERT_FALSE(wrong_cert.ok());
  EXPECT_EQ(wrong_cert.error().code, "key_certificate_mismatch");
  auto not_ca = pki.keys.IssueCertificate("leaf", &leaf.cert, good);
  ASSERT_FALSE(not_ca.ok());
  EXPECT_EQ(not_ca.error().code, "issuer_not_ca");
  EXPECT_EQ(not_ca.error().kind, ErrorKind::kRefused);
}

TEST_F(KeyringTest, InstallInTlsContextMatchesTheCertificate) {
  TestPki pki(dir_);
  TestParty server = pki.Issue("server", {.tls_server = true}, {"gw.example.nl"});
  TestParty other = pki.Issue("other", {.tls_server = true});

  ossl::SslCtx ctx(SSL_CTX_new(TLS_server_method()));
  ASSERT_EQ(SSL_CTX_use_certificate(ctx.get(), server.cert.native()), 1);
  ASSERT_TRUE(pki.keys.InstallInTlsContext("server", ctx.get()).ok());
  EXPECT_EQ(SSL_CTX_check_private_key(ctx.get()), 1);

  ossl::SslCtx chained(SSL_CTX_new(TLS_server_method()));
  ASSERT_TRUE(pki.keys.InstallInTlsContext("server", {server.cert, pki.ca}, chained.get()).ok());
  EXPECT_EQ(SSL_CTX_check_private_key(chained.get()), 1);

  ossl::SslCtx wrong(SSL_CTX_new(TLS_server_method()));
  auto mismatch = pki.keys.InstallInTlsContext("server", {other.cert}, wrong.get());
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code, "key_certificate_mismatch");
  EXPECT_EQ(pki.keys.InstallInTlsContext("server", {}, wrong.get()).error().code,
            "invalid_certificate_chain");
  EXPECT_EQ(pki.keys.InstallInTlsContext("server", nullptr).error().code, "invalid_tls_context");
}

TEST_F(KeyringTest, IssuedCertificatesWorkForMutualTls) {
  TestPki pki(dir_);
  TestParty server = pki.Issue("server", {.tls_server = true}, {"gw.example.nl"});
  TestParty client = pki.Issue("client", {.tls_client = true});
  TestParty server_only = pki.Issue("server-only", {.tls_server = true});
  auto store = MakeTrustStore({pki.ca});
  ASSERT_TRUE(store.ok());

  auto make_ctx = [&](const SSL_METHOD* method, const TestParty& party) {
    ossl::SslCtx ctx(SSL_CTX_new(method));
    EXPECT_TRUE(pki.keys.InstallInTlsContext(party.id, {party.cert}, ctx.get()).ok());
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    EXPECT_EQ(SSL_CTX_set1_verify_cert_store(ctx.get(), store->get()), 1);
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    return ctx;
  };
  auto connect = [&](const TestParty& client_party, const char* host) {
    ossl::SslCtx server_ctx = make_ctx(TLS_server_method(), server);
    ossl::SslCtx client_ctx = make_ctx(TLS_client_method(), client_party);
    ossl::Ssl server_ssl(SSL_new(server_ctx.get()));
    ossl::Ssl client_ssl(SSL_new(client_ctx.get()));
    SSL_set_accept_state(server_ssl.get());
    SSL_set_connect_state(client_ssl.get());
    SSL_set1_host(client_ssl.get(), host);
    SSL_set_tlsext_host_name(client_ssl.get(), host);
    bool ok = Handshake(client_ssl.get(), server_ssl.get());
    if (ok) {
      EXPECT_EQ(SSL_get_verify_result(client_ssl.get()), X509_V_OK);
      EXPECT_EQ(SSL_get_verify_result(server_ssl.get()), X509_V_OK);
    }
    return ok;
  };
  EXPECT_TRUE(connect(client, "gw.example.nl"));
  EXPECT_FALSE(connect(client, "other.example.nl"));    // name not in the server certificate
  EXPECT_FALSE(connect(server_only, "gw.example.nl"));  // no clientAuth usage
}

TEST_F(KeyringTest, SignDigestVerifiesWithOpenSsl) {
  TestPki pki(dir_);
  TestParty signer = pki.Issue("signer", {.smime = true});
  Bytes message = ToBytes("{\"tree_size\":7,\"root\":\"ab\"}");
  auto sig = pki.keys.SignDigest("signer", message);
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ((*sig)[0], 0x30);  // DER SEQUENCE of r and s
  EXPECT_TRUE(VerifySignature(signer.cert, message, *sig));

  WriteFile(dir_.File("msg"), message);
  WriteFile(dir_.File("sig"), *sig);
  WriteFile(dir_.File("pub.pem"), signer.cert.PublicKeyPem());
  EXPECT_EQ(RunCommand("openssl dgst -sha256 -verify " + dir_.File("pub.pem") + " -signature " +
                       dir_.File("sig") + " " + dir_.File("msg")),
            0);
  EXPECT_EQ(RunCommand("openssl dgst -sha256 -sign " + signer.key_path + " -out " +
                       dir_.File("cli.sig") + " " + dir_.File("msg")),
            0);
  EXPECT_TRUE(VerifySignature(signer.cert, message, testing::ReadFileBytes(dir_.File("cli.sig"))));
}

}  // namespace
}  // namespace ketenpoort::crypto
