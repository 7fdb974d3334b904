#include "gateway/crypto/certificate.h"

#include <gtest/gtest.h>

#include <ctime>
#include <string>

#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/keyring.h"

namespace ketenpoort::crypto {
namespace {

using testing::ReadFile;
using testing::RunCapture;
using testing::RunCommand;
using testing::TempDir;
using testing::TestPki;
using testing::WriteFile;

// The text after "name=" in `openssl x509` output such as "serial=0A1B\n".
std::string CliField(const std::string& output) {
  std::string value = output.substr(output.find('=') + 1);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r'))
    value.pop_back();
  return value;
}

class CertificateTest : public ::testing::Test {
 protected:
  TempDir dir_;
  TestPki pki_{dir_};
};

TEST_F(CertificateTest, PemAndDerRoundTrip) {
  testing::TestParty leaf = pki_.Issue("leaf", {.smime = true});
  auto from_pem = Certificate::FromPem(leaf.cert.ToPem());
  ASSERT_TRUE(from_pem.ok());
  EXPECT_EQ(*from_pem, leaf.cert);
  auto from_der = Certificate::FromDer(leaf.cert.ToDer());
  ASSERT_TRUE(from_der.ok());
  EXPECT_EQ(*from_der, leaf.cert);
  EXPECT_EQ(from_der->ToDer(), leaf.cert.ToDer());
  EXPECT_FALSE(leaf.cert == pki_.ca);
  EXPECT_EQ(leaf.cert.ToPem().rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);
}

TEST_F(CertificateTest, RejectsBadInput) {
  for (const std::string& bad : {std::string(""), std::string("garbage"),
                                 std::string("-----BEGIN CERTIFICATE-----\nAAAA\n"
                                             "-----END CERTIFICATE-----\n")}) {
    auto r = Certificate::FromPem(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "invalid_certificate");
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  }
  EXPECT_FALSE(Certificate::FromPem(std::string_view()).ok());
  EXPECT_FALSE(ParsePemChain(std::string_view()).ok());
  Bytes der = pki_.ca.ToDer();
  EXPECT_FALSE(Certificate::FromDer({}).ok());
  EXPECT_FALSE(Certificate::FromDer(ByteView(der).first(der.size() - 1)).ok());
  der.push_back(0);
  auto trailing = Certificate::FromDer(der);
  ASSERT_FALSE(trailing.ok());
  EXPECT_EQ(trailing.error().code, "invalid_certificate");
}

TEST_F(CertificateTest, InspectionMatchesOpenSslCommandLine) {
  testing::TestParty leaf = pki_.Issue("leaf.example.nl", {.tls_server = true});
  const std::string x509 = "openssl x509 -noout -in " + leaf.cert_path;
  int rc = -1;
  EXPECT_EQ(leaf.cert.Sha256Fingerprint(),
            CliField(RunCapture(x509 + " -fingerprint -sha256", &rc)));
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(leaf.cert.SerialHex(), CliField(RunCapture(x509 + " -serial", &rc)));
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(leaf.cert.Sha256Fingerprint().size(), 32u * 3 - 1);
  EXPECT_EQ(leaf.cert.SubjectCommonName(), "leaf.example.nl");
  EXPECT_EQ(leaf.cert.IssuerCommonName(), "Test CA ca");
  EXPECT_EQ(pki_.ca.SubjectCommonName(), "Test CA ca");
  EXPECT_EQ(pki_.ca.IssuerCommonName(), "Test CA ca");

  // notAfter in ISO 8601 ("notAfter=2028-06-07 12:00:00Z").
  std::string not_after = CliField(RunCapture(x509 + " -enddate -dateopt iso_8601", &rc));
  ASSERT_EQ(rc, 0);
  std::tm tm{};
  ASSERT_NE(strptime(not_after.c_str(), "%Y-%m-%d %H:%M:%S", &tm), nullptr) << not_after;
  EXPECT_EQ(leaf.cert.NotAfterUnix(), static_cast<std::int64_t>(timegm(&tm)));
  std::int64_t now = std::time(nullptr);
  EXPECT_NEAR(static_cast<double>(leaf.cert.NotAfterUnix()), now + 825.0 * 86400, 3600);
  EXPECT_LE(leaf.cert.NotBeforeUnix(), now);
  EXPECT_GE(leaf.cert.NotBeforeUnix(), now - 3600);

  int pub_rc = -1;
  EXPECT_EQ(leaf.cert.PublicKeyPem(), RunCapture(x509 + " -pubkey", &pub_rc));
  EXPECT_EQ(pub_rc, 0);
}

TEST_F(CertificateTest, ReadsCertificatesMadeByOpenSsl) {
  std::string key = dir_.File("foreign.key");
  std::string pem = dir_.File("foreign.pem");
  ASSERT_EQ(
      RunCommand("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                 "-keyout " +
                 key + " -out " + pem +
                 " -days 2 -utf8 -subj '/O=Elders/CN=Zorg \xC3\x9Cnicode' -set_serial 0x0102"),
      0);
  auto cert = Certificate::LoadPemFile(pem);
  ASSERT_TRUE(cert.ok()) << cert.error().ToString();
  EXPECT_EQ(cert->SubjectCommonName(), "Zorg \xC3\x9Cnicode");
  EXPECT_EQ(cert->IssuerCommonName(), "Zorg \xC3\x9Cnicode");
  EXPECT_EQ(cert->SerialHex(), "0102");
}

TEST_F(CertificateTest, LoadPemFileNamesTheFileNotItsContents) {
  auto missing = Certificate::LoadPemFile(dir_.File("missing.pem"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "file_not_found");
  EXPECT_EQ(missing.error().field, dir_.File("missing.pem"));

  std::string path = dir_.File("secret.pem");
  WriteFile(path, "patient Jansen, very secret text");
  auto bad = Certificate::LoadPemFile(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "invalid_certificate");
  EXPECT_EQ(bad.error().field, path);
  EXPECT_EQ(bad.error().ToString().find("Jansen"), std::string::npos);

  auto good = Certificate::LoadPemFile(pki_.ca_path);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, pki_.ca);
}

TEST_F(CertificateTest, LoadPemChainFileKeepsOrder) {
  testing::TestParty leaf = pki_.Issue("leaf", {.tls_client = true});
  std::string path = dir_.File("chain.pem");
  WriteFile(path, leaf.cert.ToPem() + pki_.ca.ToPem());
  auto chain = LoadPemChainFile(path);
  ASSERT_TRUE(chain.ok()) << chain.error().ToString();
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[0], leaf.cert);
  EXPECT_EQ((*chain)[1], pki_.ca);

  WriteFile(path, "");
  EXPECT_FALSE(LoadPemChainFile(path).ok());
  WriteFile(path,
            leaf.cert.ToPem() + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  auto broken = LoadPemChainFile(path);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, "invalid_certificate");
  EXPECT_EQ(broken.error().field, path);
}

TEST_F(CertificateTest, CopiesShareAndMovesEmpty) {
  Certificate a = pki_.ca;
  Certificate b = a;
  EXPECT_EQ(a.native(), b.native());
  Certificate c = std::move(a);
  EXPECT_EQ(a.native(), nullptr);  // NOLINT: checking the moved-from state on purpose
  EXPECT_EQ(c, b);
  b = c;
  EXPECT_EQ(b, pki_.ca);
}

TEST_F(CertificateTest, VerifySignatureAcceptsOnlyTheSignersSignature) {
  testing::TestParty signer = pki_.Issue("signer", {.smime = true});
  testing::TestParty other = pki_.Issue("other", {.smime = true});
  Bytes message = ToBytes("tree head 42");
  auto sig = pki_.keys.SignDigest("signer", message);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(VerifySignature(signer.cert, message, *sig));
  EXPECT_FALSE(VerifySignature(other.cert, message, *sig));
  EXPECT_FALSE(VerifySignature(signer.cert, ToBytes("tree head 43"), *sig));
  EXPECT_FALSE(VerifySignature(signer.cert, message, ToBytes("not a signature")));
  EXPECT_FALSE(VerifySignature(signer.cert, message, {}));
}

TEST_F(CertificateTest, VerifyIssuedByFollowsTheChain) {
  testing::TestParty leaf = pki_.Issue("leaf", {.tls_server = true});
  EXPECT_TRUE(VerifyIssuedBy(leaf.cert, {pki_.ca}).ok());
  EXPECT_TRUE(VerifyIssuedBy(pki_.ca, {pki_.ca}).ok());
  EXPECT_TRUE(VerifyIssuedBy(leaf.cert, {pki_.ca, pki_.ca}).ok());  // duplicate anchors are fine

  TempDir other_dir;
  TestPki other(other_dir, "other");
  auto untrusted = VerifyIssuedBy(leaf.cert, {other.ca});
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.error().code, "certificate_untrusted");
  EXPECT_EQ(untrusted.error().kind, ErrorKind::kRefused);
  EXPECT_FALSE(VerifyIssuedBy(leaf.cert, {}).ok());
  EXPECT_TRUE(VerifyIssuedBy(leaf.cert, {leaf.cert}).ok());  // an anchor pins a certificate

  // root -> intermediate -> leaf
  auto pub = Keyring::GenerateKeyFile(dir_.File("sub.key"));
  ASSERT_TRUE(pub.ok());
  ASSERT_TRUE(pki_.keys.LoadKeyFile("sub", dir_.File("sub.key")).ok());
  CertificateRequest sub_req;
  sub_req.common_name = "Sub CA";
  sub_req.public_key_pem = *pub;
  sub_req.is_ca = true;
  auto sub = pki_.keys.IssueCertificate(pki_.ca_id, &pki_.ca, sub_req);
  ASSERT_TRUE(sub.ok()) << sub.error().ToString();
  auto leaf_pub = Keyring::GenerateKeyFile(dir_.File("subleaf.key"));
  ASSERT_TRUE(leaf_pub.ok());
  CertificateRequest leaf_req;
  leaf_req.common_name = "subleaf";
  leaf_req.public_key_pem = *leaf_pub;
  leaf_req.smime = true;
  auto subleaf = pki_.keys.IssueCertificate("sub", &*sub, leaf_req);
  ASSERT_TRUE(subleaf.ok()) << subleaf.error().ToString();
  EXPECT_FALSE(VerifyIssuedBy(*subleaf, {pki_.ca}).ok());
  EXPECT_TRUE(VerifyIssuedBy(*subleaf, {pki_.ca}, {*sub}).ok());
  EXPECT_TRUE(VerifyIssuedBy(*subleaf, {*sub}).ok());  // an intermediate may be an anchor

  WriteFile(dir_.File("sub.pem"), sub->ToPem());
  WriteFile(dir_.File("subleaf.pem"), subleaf->ToPem());
  EXPECT_EQ(RunCommand("openssl verify -CAfile " + pki_.ca_path + " -untrusted " +
                       dir_.File("sub.pem") + " " + dir_.File("subleaf.pem")),
            0);
}

TEST_F(CertificateTest, TrustStoreHoldsTheAnchors) {
  auto store = MakeTrustStore({pki_.ca});
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(sk_X509_OBJECT_num(X509_STORE_get0_objects(store->get())), 1);
}

}  // namespace
}  // namespace ketenpoort::crypto
