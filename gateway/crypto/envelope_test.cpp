#include "gateway/crypto/envelope.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/keyring.h"
#include "gateway/crypto/random.h"

namespace ketenpoort::crypto {
namespace {

using testing::TempDir;
using testing::TestParty;
using testing::TestPki;

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
