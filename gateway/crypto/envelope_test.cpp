#include "gateway/crypto/envelope.h"

#include <gtest/gtest.h>
#include <openssl/asn1.h>

#include <algorithm>
#include <string>

#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/keyring.h"
#include "gateway/crypto/random.h"

namespace ketenpoort::crypto {
namespace {

using testing::ContentEncryptionAlgorithm;
using testing::Der;
using testing::Mac;
using testing::ObjectId;
using testing::Primitive;
using testing::ReadFileBytes;
using testing::RunCommand;
using testing::TempDir;
using testing::TestParty;
using testing::TestPki;
using testing::WriteFile;

class EnvelopeTest : public ::testing::Test {
 protected:
  TempDir dir_;
  TestPki pki_{dir_};
  TestParty alice_ = pki_.Issue("alice", {.smime = true});
  TestParty bob_ = pki_.Issue("bob", {.smime = true});
  TestParty carol_ = pki_.Issue("carol", {.smime = true});
  const Bytes content_ = ToBytes("{\"kind\":\"referral\",\"body\":\"...\"}\r\n\x00\xff");
};

TEST_F(EnvelopeTest, SignSealInspectDecryptVerify) {
  auto signed_der = pki_.keys.SignCms("alice", alice_.cert, content_);
  ASSERT_TRUE(signed_der.ok()) << signed_der.error().ToString();
  auto sealed = SealCms(*signed_der, {bob_.cert, alice_.cert});
  ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();

  auto info = InspectEnvelope(*sealed);
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_TRUE(info->authenticated);
  ASSERT_EQ(info->recipients.size(), 2u);
  // RecipientInfos is a DER SET: sorted by encoding, not in the order given to SealCms.
  for (const RecipientId& id : info->recipients) {
    EXPECT_EQ(id.kind, RecipientId::Kind::kIssuerAndSerial);
    EXPECT_NE(id.Matches(alice_.cert), id.Matches(bob_.cert));
    EXPECT_FALSE(id.Matches(carol_.cert));
  }
  EXPECT_TRUE(info->IsFor(bob_.cert));
  EXPECT_TRUE(info->IsFor(alice_.cert));
  EXPECT_FALSE(info->IsFor(carol_.cert));
  EXPECT_FALSE(info->IsFor(pki_.ca));
  EXPECT_TRUE(info->IsExactlyFor({alice_.cert, bob_.cert}));
  EXPECT_TRUE(info->IsExactlyFor({bob_.cert, alice_.cert, bob_.cert}));
  EXPECT_FALSE(info->IsExactlyFor({bob_.cert}));
  EXPECT_FALSE(info->IsExactlyFor({alice_.cert, bob_.cert, carol_.cert}));
  EXPECT_FALSE(info->IsExactlyFor({}));

  for (const TestParty* reader : {&bob_, &alice_}) {
    auto inner = pki_.keys.DecryptCms(reader->id, reader->cert, *sealed);
    ASSERT_TRUE(inner.ok()) << inner.error().ToString();
    EXPECT_EQ(*inner, *signed_der);
    auto verified = VerifySignedData(*inner, {pki_.ca});
    ASSERT_TRUE(verified.ok()) << verified.error().ToString();
    EXPECT_EQ(verified->content, content_);
    EXPECT_EQ(verified->signer, alice_.cert);
  }
}

TEST_F(EnvelopeTest, RoundTripsEmptyAndLargeContent) {
  for (const Bytes& content : {Bytes{}, RandomBytes(3 * 1024 * 1024 + 7)}) {
    auto signed_der = pki_.keys.SignCms("alice", alice_.cert, content);
    ASSERT_TRUE(signed_der.ok()) << signed_der.error().ToString();
    auto sealed = SealCms(*signed_der, {bob_.cert});
    ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
    auto inner = pki_.keys.DecryptCms("bob", bob_.cert, *sealed);
    ASSERT_TRUE(inner.ok()) << inner.error().ToString();
    auto verified = VerifySignedData(*inner, {pki_.ca});
    ASSERT_TRUE(verified.ok()) << verified.error().ToString();
    EXPECT_EQ(verified->content, content);
  }
}

TEST_F(EnvelopeTest, NonRecipientCannotDecrypt) {
  auto sealed = SealCms(content_, {bob_.cert});
  ASSERT_TRUE(sealed.ok());
  auto r = pki_.keys.DecryptCms("carol", carol_.cert, *sealed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "not_a_recipient");
  EXPECT_EQ(r.error().kind, ErrorKind::kRefused);
  // Carol's key with Bob's certificate: the keyring notices the pair does not belong together.
  auto mixed = pki_.keys.DecryptCms("carol", bob_.cert, *sealed);
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().code, "key_certificate_mismatch");
}

TEST_F(EnvelopeTest, TamperingIsDetected) {
  auto sealed = SealCms(content_, {bob_.cert});
  ASSERT_TRUE(sealed.ok());
  // AuthEnvelopedData ends with the 16-byte GCM tag, just after the encrypted content.
  for (std::size_t from_end : {std::size_t{1}, std::size_t{18 + 3}}) {
    Bytes changed = *sealed;
    changed[changed.size() - from_end] ^= 0x01;
    auto r = pki_.keys.DecryptCms("bob", bob_.cert, changed);
    ASSERT_FALSE(r.ok()) << from_end;
    EXPECT_EQ(r.error().code, "invalid_envelope");
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  }
  EXPECT_TRUE(pki_.keys.DecryptCms("bob", bob_.cert, *sealed).ok());
}

TEST_F(EnvelopeTest, ForgedCipherOrShortTagIsRefusedBeforeDecrypting) {
  auto signed_der = pki_.keys.SignCms("alice", alice_.cert, content_);
  ASSERT_TRUE(signed_der.ok()) << signed_der.error().ToString();
  auto sealed = SealCms(*signed_der, {bob_.cert});
  ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
  Der genuine = Der::FromBytes(*sealed);
  ASSERT_EQ(genuine.ToBytes(), *sealed);  // the tree writes back what it read
  ASSERT_EQ(Mac(genuine).value.size(), 16u);
  auto expect_refused = [&](const Der& forged) {
    auto r = pki_.keys.DecryptCms("bob", bob_.cert, forged.ToBytes());
    ASSERT_FALSE(r.ok()) << "returned " << r->size() << " bytes";
    EXPECT_EQ(r.error().kind, ErrorKind::kRefused);
    EXPECT_EQ(r.error().code, "unauthenticated_envelope");
  };
  auto expect_invalid = [&](const Der& forged) {
    auto r = pki_.keys.DecryptCms("bob", bob_.cert, forged.ToBytes());
    ASSERT_FALSE(r.ok()) << "returned " << r->size() << " bytes";
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
    EXPECT_EQ(r.error().code, "invalid_envelope");
  };

  // The same wrapped key and ciphertext, but AES-256-OFB instead of GCM: OpenSSL 3.0 unwraps the
  // key (the key wrap does not bind the content cipher) and decrypts without any check at all,
  // so every changed ciphertext byte would change the plaintext unnoticed.
  Der ofb = genuine;
  Der& alg = ContentEncryptionAlgorithm(ofb);
  ASSERT_EQ(alg.children.at(0).value, ObjectId("aes-256-gcm").value);
  alg.children = {ObjectId("aes-256-ofb"), Primitive(V_ASN1_OCTET_STRING, Bytes(16, 0x11))};
  expect_refused(ofb);
  // AES-256-CBC inside AuthEnvelopedData: no integrity either (the padding check is no MAC).
  Der cbc = genuine;
  ContentEncryptionAlgorithm(cbc).children = {ObjectId("aes-256-cbc"),
                                              Primitive(V_ASN1_OCTET_STRING, Bytes(16, 0x22))};
  expect_refused(cbc);

  // A content cipher OpenSSL does not know: nothing can be decrypted.
  Der unknown = genuine;
  ContentEncryptionAlgorithm(unknown).children = {ObjectId("sha256")};
  expect_invalid(unknown);

  // The genuine tag cut short: OpenSSL 3.0 compares a tag of any length, so a short one is
  // guessed; RFC 5084 allows 12 to 16 bytes.
  for (std::size_t length : {1u, 4u, 8u, 11u}) {
    SCOPED_TRACE(length);
    Der short_tag = genuine;
    Mac(short_tag).value.resize(length);
    expect_refused(short_tag);
  }
  // 12 bytes of the genuine tag are a genuine 12-byte tag: allowed, and checked.
  Der tag12 = genuine;
  Mac(tag12).value.resize(12);
  auto inner = pki_.keys.DecryptCms("bob", bob_.cert, tag12.ToBytes());
  ASSERT_TRUE(inner.ok()) << inner.error().ToString();
  EXPECT_EQ(*inner, *signed_der);
  Mac(tag12).value[0] ^= 0x01;
  expect_invalid(tag12);
  // No tag at all: OpenSSL reports the default length (16) but has nothing to compare, so the
  // end fails.
  Der no_tag = genuine;
  Mac(no_tag).value.clear();
  expect_invalid(no_tag);

  // The genuine envelope still opens.
  auto again = pki_.keys.DecryptCms("bob", bob_.cert, *sealed);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(*again, *signed_der);
}

TEST_F(EnvelopeTest, AuthEnvelopedDataMustUseAesGcm) {
  // ARIA-GCM is authenticated, but not the AES-GCM of RFC 5084 that the gateway promises.
  WriteFile(dir_.File("content.bin"), content_);
  ASSERT_EQ(
      RunCommand("openssl cms -encrypt -binary -aria-256-gcm -in " + dir_.File("content.bin") +
                 " -outform DER -out " + dir_.File("aria.der") + " " + bob_.cert_path),
      0);
  Bytes aria = ReadFileBytes(dir_.File("aria.der"));
  auto info = InspectEnvelope(aria);
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  ASSERT_TRUE(info->authenticated);
  auto r = pki_.keys.DecryptCms("bob", bob_.cert, aria);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kRefused);
  EXPECT_EQ(r.error().code, "unauthenticated_envelope");

  // AES-128-GCM and AES-192-GCM are AES-GCM.
  for (const char* cipher : {"-aes-128-gcm", "-aes-192-gcm"}) {
    SCOPED_TRACE(cipher);
    ASSERT_EQ(RunCommand(std::string("openssl cms -encrypt -binary ") + cipher + " -in " +
                         dir_.File("content.bin") + " -outform DER -out " + dir_.File("gcm.der") +
                         " " + bob_.cert_path),
              0);
    auto opened = pki_.keys.DecryptCms("bob", bob_.cert, ReadFileBytes(dir_.File("gcm.der")));
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    EXPECT_EQ(*opened, content_);
  }
}

TEST_F(EnvelopeTest, EnvelopedDataWithCbcStillOpens) {
  // EnvelopedData has no integrity of its own; the signed content inside provides it. Opened as
  // before, tag or no tag: `openssl cms -encrypt -aes256`, as partners send it.
  auto signed_der = pki_.keys.SignCms("alice", alice_.cert, content_);
  ASSERT_TRUE(signed_der.ok()) << signed_der.error().ToString();
  WriteFile(dir_.File("signed.der"), *signed_der);
  ASSERT_EQ(RunCommand("openssl cms -encrypt -binary -aes256 -in " + dir_.File("signed.der") +
                       " -outform DER -out " + dir_.File("cbc.der") + " " + bob_.cert_path),
            0);
  Bytes cbc = ReadFileBytes(dir_.File("cbc.der"));
  auto info = InspectEnvelope(cbc);
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_FALSE(info->authenticated);
  auto inner = pki_.keys.DecryptCms("bob", bob_.cert, cbc);
  ASSERT_TRUE(inner.ok()) << inner.error().ToString();
  EXPECT_EQ(*inner, *signed_der);
  auto verified = VerifySignedData(*inner, {pki_.ca});
  ASSERT_TRUE(verified.ok()) << verified.error().ToString();
  EXPECT_EQ(verified->content, content_);
  // The ciphertext ends the DER. A bit flipped in the last byte of its second to last block
  // flips the last plaintext byte, the padding length, so the padding no longer checks out.
  Bytes changed = cbc;
  changed[changed.size() - 17] ^= 0x01;
  auto bad = pki_.keys.DecryptCms("bob", bob_.cert, changed);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(bad.error().code, "invalid_envelope");
}

TEST_F(EnvelopeTest, InspectEnvelopeRejectsWhatIsNotAnEnvelope) {
  auto sealed = SealCms(content_, {bob_.cert});
  ASSERT_TRUE(sealed.ok());
  auto expect_code = [](ByteView der, const std::string& code) {
    auto r = InspectEnvelope(der);
    ASSERT_FALSE(r.ok()) << code;
    EXPECT_EQ(r.error().code, code);
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  };
  expect_code({}, "invalid_envelope");
  expect_code(ToBytes("garbage that is not DER"), "invalid_envelope");
  expect_code(RandomBytes(200), "invalid_envelope");
  for (std::size_t cut : {std::size_t{1}, std::size_t{10}, sealed->size() / 2}) {
    expect_code(ByteView(*sealed).first(sealed->size() - cut), "invalid_envelope");
  }
  Bytes trailing = *sealed;
  trailing.push_back(0);
  expect_code(trailing, "invalid_envelope");
  auto signed_der = pki_.keys.SignCms("alice", alice_.cert, content_);
  ASSERT_TRUE(signed_der.ok());
  expect_code(*signed_der, "not_an_envelope");
  expect_code(pki_.ca.ToDer(), "invalid_envelope");

  // DecryptCms makes the same distinctions.
  EXPECT_EQ(pki_.keys.DecryptCms("bob", bob_.cert, ToBytes("garbage")).error().code,
            "invalid_envelope");
  EXPECT_EQ(pki_.keys.DecryptCms("bob", bob_.cert, *signed_der).error().code, "not_an_envelope");
}

TEST_F(EnvelopeTest, SealCmsNeedsRecipients) {
  auto r = SealCms(content_, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "no_recipients");
}

TEST_F(EnvelopeTest, VerifySignedDataRefusesBadSignaturesAndUntrustedSigners) {
  auto signed_der = pki_.keys.SignCms("alice", alice_.cert, ToBytes("original text"));
  ASSERT_TRUE(signed_der.ok());
  ASSERT_TRUE(VerifySignedData(*signed_der, {pki_.ca}).ok());

  // Change the attached content: the message digest no longer matches.
  Bytes changed = *signed_der;
  const std::string needle = "original";
  auto it = std::search(changed.begin(), changed.end(), needle.begin(), needle.end());
  ASSERT_NE(it, changed.end());
  *it = 'O';
  auto bad = VerifySignedData(changed, {pki_.ca});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "signature_invalid");
  EXPECT_EQ(bad.error().kind, ErrorKind::kRefused);

  TempDir other_dir;
  TestPki other(other_dir, "other");
  auto untrusted = VerifySignedData(*signed_der, {other.ca});
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.error().code, "signer_untrusted");
  EXPECT_EQ(untrusted.error().kind, ErrorKind::kRefused);
  EXPECT_EQ(VerifySignedData(*signed_der, {}).error().code, "signer_untrusted");

  // A TLS-only certificate may not sign messages.
  TestParty tls = pki_.Issue("tls", {.tls_server = true, .tls_client = true});
  auto tls_signed = pki_.keys.SignCms("tls", tls.cert, ToBytes("x"));
  ASSERT_TRUE(tls_signed.ok());
  EXPECT_EQ(VerifySignedData(*tls_signed, {pki_.ca}).error().code, "signer_untrusted");

  EXPECT_EQ(VerifySignedData(ToBytes("garbage"), {pki_.ca}).error().code, "invalid_signed_data");
  auto sealed = SealCms(*signed_der, {bob_.cert});
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(VerifySignedData(*sealed, {pki_.ca}).error().code, "not_signed_data");
}

TEST_F(EnvelopeTest, SignCmsNeedsTheMatchingCertificate) {
  auto r = pki_.keys.SignCms("alice", bob_.cert, content_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "key_certificate_mismatch");
}

TEST_F(EnvelopeTest, RecipientIdsCompareByValue) {
  auto sealed = SealCms(content_, {bob_.cert, carol_.cert});
  auto again = SealCms(content_, {bob_.cert, carol_.cert});
  ASSERT_TRUE(sealed.ok() && again.ok());
  auto a = InspectEnvelope(*sealed);
  auto b = InspectEnvelope(*again);
  ASSERT_TRUE(a.ok() && b.ok());
  // Same recipients, though the SET may be sorted differently (each key agreement recipient
  // carries a fresh ephemeral key, which takes part in the DER sort order).
  EXPECT_TRUE(std::is_permutation(a->recipients.begin(), a->recipients.end(), b->recipients.begin(),
                                  b->recipients.end()));
  EXPECT_NE(a->recipients[0], a->recipients[1]);
}

}  // namespace
}  // namespace ketenpoort::crypto
