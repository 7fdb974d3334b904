// Interoperability with the `openssl` command line, both ways: what the keyring and envelope.h
// make, `openssl cms` opens and verifies; what `openssl cms` makes, we inspect, open and verify.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/envelope.h"
#include "gateway/crypto/keyring.h"

namespace ketenpoort::crypto {
namespace {

using testing::ReadFileBytes;
using testing::RunCapture;
using testing::RunCommand;
using testing::TempDir;
using testing::TestParty;
using testing::TestPki;
using testing::WriteFile;

class CmsInteropTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const { return dir_.File(name); }

  // `openssl cms -sign` by alice, then `openssl cms -encrypt` with `encrypt_options` to the
  // certificate files `recipients`. Returns the envelope; `signed_der` receives the inner part.
  Bytes OpenSslSignAndEncrypt(const std::string& encrypt_options, const std::string& recipients,
                              Bytes* signed_der) {
    WriteFile(Path("content.bin"), content_);
    EXPECT_EQ(RunCommand("openssl cms -sign -binary -nodetach -md sha256 -in " +
                         Path("content.bin") + " -signer " + alice_.cert_path + " -inkey " +
                         alice_.key_path + " -outform DER -out " + Path("signed.der")),
              0);
    EXPECT_EQ(
        RunCommand("openssl cms -encrypt -binary " + encrypt_options + " -in " +
                   Path("signed.der") + " -outform DER -out " + Path("env.der") + " " + recipients),
        0);
    *signed_der = ReadFileBytes(Path("signed.der"));
    return ReadFileBytes(Path("env.der"));
  }

  // Everything we can do with an envelope for bob and carol that alice signed.
  void CheckEnvelopeForBobAndCarol(const Bytes& envelope, const Bytes& signed_der,
                                   bool authenticated, RecipientId::Kind kind) {
    auto info = InspectEnvelope(envelope);
    ASSERT_TRUE(info.ok()) << info.error().ToString();
    EXPECT_EQ(info->authenticated, authenticated);
    ASSERT_EQ(info->recipients.size(), 2u);
    for (const RecipientId& id : info->recipients)
      EXPECT_EQ(id.kind, kind);
    EXPECT_TRUE(info->IsFor(bob_.cert));
    EXPECT_TRUE(info->IsFor(carol_.cert));
    EXPECT_FALSE(info->IsFor(alice_.cert));
    EXPECT_FALSE(info->IsFor(pki_.ca));
    EXPECT_TRUE(info->IsExactlyFor({bob_.cert, carol_.cert}));
    EXPECT_FALSE(info->IsExactlyFor({bob_.cert}));
    EXPECT_FALSE(info->IsExactlyFor({bob_.cert, carol_.cert, alice_.cert}));

    for (const TestParty* reader : {&bob_, &carol_}) {
      auto inner = pki_.keys.DecryptCms(reader->id, reader->cert, envelope);
      ASSERT_TRUE(inner.ok()) << inner.error().ToString();
      EXPECT_EQ(*inner, signed_der);
      auto verified = VerifySignedData(*inner, {pki_.ca});
      ASSERT_TRUE(verified.ok()) << verified.error().ToString();
      EXPECT_EQ(verified->content, content_);
      EXPECT_EQ(verified->signer, alice_.cert);
    }
    auto outsider = pki_.keys.DecryptCms("alice", alice_.cert, envelope);
    ASSERT_FALSE(outsider.ok());
    EXPECT_EQ(outsider.error().code, "not_a_recipient");
  }

  TempDir dir_;
  TestPki pki_{dir_};
  TestParty alice_ = pki_.Issue("alice", {.smime = true}, {}, {"alice@org-a.example.nl"});
  TestParty bob_ = pki_.Issue("bob", {.smime = true});
  TestParty carol_ = pki_.Issue("carol", {.smime = true});
  const Bytes content_ = ToBytes("{\"kind\":\"signal\"}\r\nbinary \x00\x01\xfe\xff end");
};

TEST_F(CmsInteropTest, KeyringCertificatesPassOpenSslVerify) {
  for (const TestParty* p : {&alice_, &bob_, &carol_}) {
    EXPECT_EQ(RunCommand("openssl verify -CAfile " + pki_.ca_path + " -purpose smimesign " +
                         p->cert_path),
              0);
  }
}

TEST_F(CmsInteropTest, OurSignedEnvelopeOpensWithOpenSsl) {
  auto signed_der = pki_.keys.SignCms("alice", alice_.cert, content_);
  ASSERT_TRUE(signed_der.ok()) << signed_der.error().ToString();
  auto sealed = SealCms(*signed_der, {bob_.cert, alice_.cert});
  ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
  WriteFile(Path("env.der"), *sealed);

  int rc = -1;
  std::string printed =
      RunCapture("openssl cms -cmsout -print -inform DER -in " + Path("env.der"), &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(printed.find("id-smime-ct-authEnvelopedData"), std::string::npos);
  EXPECT_NE(printed.find("aes-256-gcm"), std::string::npos);
  EXPECT_NE(printed.find("dhSinglePass-stdDH-sha256kdf-scheme"), std::string::npos);

  for (const TestParty* reader : {&bob_, &alice_}) {
    ASSERT_EQ(RunCommand("openssl cms -decrypt -binary -inform DER -in " + Path("env.der") +
                         " -recip " + reader->cert_path + " -inkey " + reader->key_path + " -out " +
                         Path("inner.der")),
              0)
        << reader->id;
    EXPECT_EQ(ReadFileBytes(Path("inner.der")), *signed_der);
    ASSERT_EQ(RunCommand("openssl cms -verify -binary -inform DER -in " + Path("inner.der") +
                         " -CAfile " + pki_.ca_path + " -out " + Path("content.out")),
              0);
    EXPECT_EQ(ReadFileBytes(Path("content.out")), content_);
  }
  // Carol is not a recipient; the command line agrees.
  EXPECT_NE(
      RunCommand("openssl cms -decrypt -binary -inform DER -in " + Path("env.der") + " -recip " +
                 carol_.cert_path + " -inkey " + carol_.key_path + " -out " + Path("inner.der")),
      0);
  // And our signature alone (no envelope) verifies too.
  WriteFile(Path("signed.der"), *signed_der);
  EXPECT_EQ(RunCommand("openssl cms -verify -binary -inform DER -in " + Path("signed.der") +
                       " -CAfile " + pki_.ca_path + " -out " + Path("content2.out")),
            0);
  EXPECT_EQ(ReadFileBytes(Path("content2.out")), content_);
}

TEST_F(CmsInteropTest, OpenSslAuthEnvelopedDataByIssuerAndSerial) {
  Bytes signed_der;
  Bytes envelope =
      OpenSslSignAndEncrypt("-aes-256-gcm", bob_.cert_path + " " + carol_.cert_path, &signed_der);
  CheckEnvelopeForBobAndCarol(envelope, signed_der, true, RecipientId::Kind::kIssuerAndSerial);
}

TEST_F(CmsInteropTest, OpenSslAuthEnvelopedDataByKeyId) {
  Bytes signed_der;
  Bytes envelope = OpenSslSignAndEncrypt("-aes-256-gcm -keyid",
                                         bob_.cert_path + " " + carol_.cert_path, &signed_der);
  CheckEnvelopeForBobAndCarol(envelope, signed_der, true, RecipientId::Kind::kSubjectKeyId);
}

TEST_F(CmsInteropTest, OpenSslEnvelopedDataWithCbc) {
  Bytes signed_der;
  Bytes envelope =
      OpenSslSignAndEncrypt("-aes256", bob_.cert_path + " " + carol_.cert_path, &signed_der);
  CheckEnvelopeForBobAndCarol(envelope, signed_der, false, RecipientId::Kind::kIssuerAndSerial);
}

TEST_F(CmsInteropTest, RsaKeyTransportRecipients) {
  // A partner with an RSA certificate (key transport instead of key agreement).
  std::string rsa_key = Path("rsa.key");
  std::string rsa_pem = Path("rsa.pem");
  ASSERT_EQ(RunCommand("umask 077 && openssl req -x509 -newkey rsa:1024 -nodes -keyout " + rsa_key +
                       " -out " + rsa_pem + " -days 2 -subj /CN=rsa-partner"),
            0);
  auto rsa = Certificate::LoadPemFile(rsa_pem);
  ASSERT_TRUE(rsa.ok());
  ASSERT_TRUE(pki_.keys.LoadKeyFile("rsa", rsa_key).ok());

  auto sealed = SealCms(content_, {*rsa, bob_.cert});
  ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
  auto info = InspectEnvelope(*sealed);
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_TRUE(info->IsExactlyFor({*rsa, bob_.cert}));
  auto opened = pki_.keys.DecryptCms("rsa", *rsa, *sealed);
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  EXPECT_EQ(*opened, content_);
  WriteFile(Path("env.der"), *sealed);
  ASSERT_EQ(RunCommand("openssl cms -decrypt -binary -inform DER -in " + Path("env.der") +
                       " -recip " + rsa_pem + " -inkey " + rsa_key + " -out " + Path("out.bin")),
            0);
  EXPECT_EQ(ReadFileBytes(Path("out.bin")), content_);

  // `openssl cms -encrypt -keyid` to the RSA partner: a key transport recipient named by SKID.
  WriteFile(Path("content.bin"), content_);
  ASSERT_EQ(
      RunCommand("openssl cms -encrypt -binary -aes-256-gcm -keyid -in " + Path("content.bin") +
                 " -outform DER -out " + Path("env2.der") + " " + rsa_pem + " " + bob_.cert_path),
      0);
  Bytes envelope = ReadFileBytes(Path("env2.der"));
  auto info2 = InspectEnvelope(envelope);
  ASSERT_TRUE(info2.ok()) << info2.error().ToString();
  ASSERT_EQ(info2->recipients.size(), 2u);
  EXPECT_TRUE(info2->IsExactlyFor({*rsa, bob_.cert}));
  for (const RecipientId& id : info2->recipients) {
    EXPECT_EQ(id.kind, RecipientId::Kind::kSubjectKeyId);
  }
  auto opened2 = pki_.keys.DecryptCms("rsa", *rsa, envelope);
  ASSERT_TRUE(opened2.ok()) << opened2.error().ToString();
  EXPECT_EQ(*opened2, content_);
}

TEST_F(CmsInteropTest, PasswordRecipientsAreUnsupported) {
  // OpenSSL 3.0 cannot combine password recipients with AES-GCM, hence CBC here.
  WriteFile(Path("content.bin"), content_);
  ASSERT_EQ(RunCommand("openssl cms -encrypt -binary -aes256 -pwri_password secret -in " +
                       Path("content.bin") + " -outform DER -out " + Path("pwri.der")),
            0);
  auto info = InspectEnvelope(ReadFileBytes(Path("pwri.der")));
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, "unsupported_recipient");
  EXPECT_EQ(info.error().kind, ErrorKind::kRefused);
}

TEST_F(CmsInteropTest, OpenSslSignatureByUntrustedSignerIsRefused) {
  std::string key = Path("stranger.key");
  std::string pem = Path("stranger.pem");
  WriteFile(Path("content.bin"), content_);
  ASSERT_EQ(
      RunCommand("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                 "-keyout " +
                 key + " -out " + pem + " -days 2 -subj /CN=stranger && " +
                 "openssl cms -sign -binary -nodetach -in " + Path("content.bin") + " -signer " +
                 pem + " -inkey " + key + " -outform DER -out " + Path("signed.der")),
      0);
  auto r = VerifySignedData(ReadFileBytes(Path("signed.der")), {pki_.ca});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "signer_untrusted");
}

}  // namespace
}  // namespace ketenpoort::crypto
