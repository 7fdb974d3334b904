// The examples at the top of gateway/crypto's headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <sys/stat.h>

#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/core/pseudonym.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/cms_util.h"
#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/detached_envelope.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/envelope.h"
#include "gateway/crypto/hash.h"
#include "gateway/crypto/keyring.h"
#include "gateway/crypto/openssl_error.h"
#include "gateway/crypto/openssl_handles.h"
#include "gateway/crypto/password_hash.h"
#include "gateway/crypto/random.h"
#include "gateway/crypto/totp.h"

namespace ketenpoort::crypto {
namespace {

using testing::ReadFile;
using testing::RunCapture;
using testing::RunCommand;
using testing::TempDir;
using testing::TestParty;
using testing::TestPki;
using testing::WriteFile;

std::string AsString(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

// gateway/crypto/certificate.h
TEST(CryptoExamples, Certificate) {
  TempDir dir;
  TestPki pki(dir);
  TestParty org_a = pki.Issue("Zorgorganisatie A", {.smime = true});
  const std::vector<Certificate> trust_anchors{pki.ca};
  auto run = [&](const std::string& path) -> Status {
    auto cert = Certificate::LoadPemFile(path);
    if (!cert)
      return cert.error();
    EXPECT_EQ(cert->SubjectCommonName(), "Zorgorganisatie A");
    const std::string openssl =
        RunCapture("openssl x509 -noout -fingerprint -sha256 -in '" + path + "'");
    EXPECT_NE(openssl.find("=" + cert->Sha256Fingerprint() + "\n"), std::string::npos) << openssl;
    KP_RETURN_IF_ERROR(VerifyIssuedBy(*cert, trust_anchors));
    return Ok();
  };
  EXPECT_TRUE(run(org_a.cert_path).ok());
  Status missing = run(dir.File("absent.pem"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().field.find("absent.pem"), std::string::npos);
}

// gateway/crypto/cms_util.h
TEST(CryptoExamples, CmsUtil) {
  TempDir dir;
  TestPki pki(dir);
  TestParty bob = pki.Issue("bob", {.smime = true});
  auto der = SealCms(AsBytes("synthetic"), {bob.cert});
  ASSERT_TRUE(der.ok());
  auto run = [&](ByteView der) -> Result<Bytes> {
    KP_ASSIGN_OR_RETURN(ossl::Cms cms, ParseCms(der, "invalid_envelope"));
    KP_ASSIGN_OR_RETURN(Bytes out, CmsToDer(cms.get()));
    return out;
  };
  auto again = run(*der);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *der);
  auto garbage = run(AsBytes("not DER"));
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code, "invalid_envelope");
}

// gateway/crypto/crypto_test_util.h
TEST(CryptoExamples, CryptoTestUtil) {
  std::string kept;
  {
    TempDir dir;  // mkdtemp under /tmp, removed afterwards
    kept = dir.path();
    TestPki pki(dir);  // CA key + self-signed CA certificate
    TestParty alice = pki.Issue("alice", {.smime = true});
    EXPECT_EQ(RunCommand("openssl verify -CAfile " + pki.ca_path + " " + alice.cert_path), 0);
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

// gateway/crypto/detached_envelope.h
TEST(CryptoExamples, DetachedEnvelope) {
  TempDir dir;
  TestPki pki(dir);
  TestParty portal = pki.Issue("portal", {.smime = true});
  TestParty own = pki.Issue("own", {.smime = true});
  const Certificate& portal_cert = portal.cert;
  const Certificate& own_cert = own.cert;
  const Certificate& cert = portal.cert;
  const Keyring& keyring = pki.keys;
  const std::string plain(200000, 'p');
  const std::string path = dir.File("ciphertext.bin");

  Bytes env_der;
  auto seal = [&]() -> Status {
    std::ofstream out(path, std::ios::binary);
    auto write = [&](std::ofstream& f, const Bytes& b) {
      f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    };
    KP_ASSIGN_OR_RETURN(DetachedSealer sealer, DetachedSealer::Create({portal_cert, own_cert}));
    for (std::size_t at = 0; at < plain.size(); at += 65536) {
      ByteView piece = AsBytes(std::string_view(plain).substr(at, 65536));
      KP_ASSIGN_OR_RETURN(Bytes c, sealer.Update(piece));  // ciphertext so far (may be empty)
      write(out, c);
    }
    KP_ASSIGN_OR_RETURN(DetachedSealer::Sealed s, sealer.Finish());
    write(out, s.ciphertext_tail);  // the last ciphertext bytes
    env_der = s.envelope_der;       // goes with the message
    return Ok();
  };
  ASSERT_TRUE(seal().ok());

  std::string opened;
  auto open = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(UnlockedEnvelope key, keyring.UnlockEnvelope("portal", cert, env_der));
    KP_ASSIGN_OR_RETURN(DetachedReader reader, DetachedReader::Open(std::move(key), path));
    std::array<std::uint8_t, 4096> storage;
    std::span<std::uint8_t> buffer(storage);
    for (;;) {
      KP_ASSIGN_OR_RETURN(std::size_t n, reader.Read(buffer));  // 0: the end, tag checked
      if (n == 0)
        break;
      opened.append(reinterpret_cast<const char*>(buffer.data()), n);
    }
    return Ok();
  };
  ASSERT_TRUE(open().ok());
  EXPECT_EQ(opened, plain);

  // The command line of the comment opens it too.
  WriteFile(dir.File("envelope.der"), env_der);
  ASSERT_EQ(RunCommand("cd " + dir.path() +
                       " && openssl cms -decrypt -binary -inform DER -in envelope.der -content "
                       "ciphertext.bin -recip portal.pem -inkey portal.key -out plain.bin"),
            0);
  EXPECT_EQ(ReadFile(dir.File("plain.bin")), plain);
}

// gateway/crypto/encoding.h
TEST(CryptoExamples, Encoding) {
  EXPECT_EQ(HexEncode(Bytes{0xab, 0x01}), "ab01");
  EXPECT_EQ(*HexDecode("AB01"), (Bytes{0xab, 0x01}));
  auto bad = Base64Decode("not base64!");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(bad.error().code, "invalid_base64");
}

// gateway/crypto/envelope.h
TEST(CryptoExamples, Envelope) {
  TempDir dir;
  TestPki pki(dir);
  TestParty recipient = pki.Issue("recipient", {.smime = true});
  TestParty sender = pki.Issue("sender", {.smime = true});
  const Certificate& recipient_cert = recipient.cert;
  const Certificate& sender_cert = sender.cert;
  const std::vector<Certificate> trust_anchors{pki.ca};
  auto signed_der = pki.keys.SignCms("sender", sender_cert, AsBytes("synthetic referral"));
  ASSERT_TRUE(signed_der.ok());

  auto sealed = SealCms(*signed_der, {recipient_cert, sender_cert});  // AuthEnvelopedData
  ASSERT_TRUE(sealed.ok());
  const Bytes& submitted_der = *sealed;
  auto check = [&](const std::vector<Certificate>& resolved_certs) -> Status {
    auto info = InspectEnvelope(submitted_der);
    if (!info)
      return info.error();
    EXPECT_TRUE(info->authenticated);
    if (!info->IsExactlyFor(resolved_certs))
      return Refused("envelope_recipient_mismatch", "not exactly for the recipients");
    return Ok();
  };
  EXPECT_TRUE(check({recipient_cert, sender_cert}).ok());
  EXPECT_EQ(check({recipient_cert}).error().code, "envelope_recipient_mismatch");
  EXPECT_FALSE(InspectEnvelope(AsBytes("garbage")).ok());

  auto inner_der = pki.keys.DecryptCms("recipient", recipient_cert, submitted_der);
  ASSERT_TRUE(inner_der.ok()) << inner_der.error().ToString();
  auto signed_content = VerifySignedData(*inner_der, trust_anchors);
  ASSERT_TRUE(signed_content.ok()) << signed_content.error().ToString();
  EXPECT_EQ(AsString(signed_content->content), "synthetic referral");
  EXPECT_EQ(signed_content->signer.SubjectCommonName(), "sender");
}

// gateway/crypto/hash.h
TEST(CryptoExamples, Hash) {
  Digest d = Sha256(AsBytes("abc"));  // 32 bytes
  EXPECT_EQ(HexEncode(d), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const Bytes org_secret = RandomBytes(32);
  Digest m = HmacSha256(org_secret, AsBytes("client-0042"));
  EXPECT_EQ(m.size(), 32u);
  EXPECT_TRUE(ConstantTimeEqual(m, HmacSha256(org_secret, AsBytes("client-0042"))));
  EXPECT_FALSE(ConstantTimeEqual(m, HmacSha256(org_secret, AsBytes("client-0043"))));
}

// gateway/crypto/keyring.h
TEST(CryptoExamples, Keyring) {
  TempDir dir;
  const std::string gateway_key = dir.File("gateway.key");
  auto pub = Keyring::GenerateKeyFile(gateway_key);  // new file, 0600
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(std::filesystem::status(gateway_key).permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  Keyring keys;
  ASSERT_TRUE(keys.LoadKeyFile("gateway", gateway_key).ok());
  CertificateRequest req;  // {.common_name = ..., .public_key_pem = ..., .is_ca = true}
  req.common_name = "Ketenpoort dev CA";
  req.public_key_pem = *pub;
  req.is_ca = true;
  auto ca = keys.IssueCertificate("gateway", nullptr, req);  // self-signed
  ASSERT_TRUE(ca.ok()) << ca.error().ToString();

  auto org_pub = Keyring::GenerateKeyFile(dir.File("zorg-a.key"));
  ASSERT_TRUE(org_pub.ok());
  ASSERT_TRUE(keys.LoadKeyFile("org:zorg-a", dir.File("zorg-a.key")).ok());
  CertificateRequest org_req;
  org_req.common_name = "zorg-a";
  org_req.public_key_pem = *org_pub;
  org_req.smime = true;
  auto org_cert = keys.IssueCertificate("gateway", &*ca, org_req);
  ASSERT_TRUE(org_cert.ok()) << org_cert.error().ToString();
  const Certificate& recipient_cert = *org_cert;
  const std::string payload = "synthetic payload";
  auto signed_der = keys.SignCms("org:zorg-a", *org_cert, AsBytes(payload));
  ASSERT_TRUE(signed_der.ok());
  auto envelope = SealCms(*signed_der, {recipient_cert, *org_cert});  // envelope.h
  ASSERT_TRUE(envelope.ok());

  EXPECT_EQ(keys.SignCms("org:nobody", *org_cert, AsBytes(payload)).error().code, "key_not_found");
  EXPECT_EQ(Keyring::GenerateKeyFile(gateway_key).error().code, "file_exists");
}

// gateway/crypto/keyring.h (pseudonyms)
TEST(CryptoExamples, KeyringPseudonym) {
  TempDir dir;
  const std::string secret = dir.File("shop.pseudonym.key");
  ASSERT_TRUE(Keyring::GeneratePseudonymSecretFile(secret).ok());
  EXPECT_EQ(std::filesystem::status(secret).permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(Keyring::GeneratePseudonymSecretFile(secret).error().code, "file_exists");
  Keyring keys;
  ASSERT_TRUE(keys.LoadPseudonymSecretFile("org:shop", secret).ok());
  auto ref = keys.Pseudonym("org:shop", "2026-0042");
  ASSERT_TRUE(ref.ok()) << ref.error().ToString();
  EXPECT_TRUE(IsPseudonym(*ref));
  EXPECT_EQ(*keys.Pseudonym("org:shop", "2026-0042"), *ref);  // the same client, the same ref
  EXPECT_NE(*keys.Pseudonym("org:shop", "2026-0043"), *ref);
  // It is HMAC-SHA-256 under the secret in the file, as `openssl mac` computes it.
  const std::string hex = ReadFile(secret).substr(0, 64);
  const std::string openssl = RunCapture(
      "printf %s 2026-0042 | openssl mac -digest SHA256 "
      "-macopt hexkey:" +
      hex + " HMAC");
  std::string upper = *ref;
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(openssl, upper + "\n");

  // Another organisation's secret gives another pseudonym for the same number.
  ASSERT_TRUE(Keyring::GeneratePseudonymSecretFile(dir.File("other.key")).ok());
  ASSERT_TRUE(keys.LoadPseudonymSecretFile("org:other", dir.File("other.key")).ok());
  EXPECT_NE(*keys.Pseudonym("org:other", "2026-0042"), *ref);

  EXPECT_EQ(keys.Pseudonym("org:absent", "1").error().code, "key_not_found");
  EXPECT_EQ(keys.Pseudonym("org:shop", "Jan Jansen").error().code, "invalid_client_number");
  WriteFile(dir.File("short.key"), "abcd\n");
  ::chmod(dir.File("short.key").c_str(), 0600);
  Status bad = keys.LoadPseudonymSecretFile("org:short", dir.File("short.key"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "invalid_key_file");
  EXPECT_EQ(bad.error().field, dir.File("short.key"));
  ::chmod(secret.c_str(), 0640);
  EXPECT_EQ(Keyring().LoadPseudonymSecretFile("org:shop", secret).error().code,
            "key_file_permissions");
}

// gateway/crypto/openssl_error.h
TEST(CryptoExamples, OpenSslError) {
  auto generate = [](const char* curve) -> Status {
    ossl::Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
    if (!key)
      return LastOpenSslError("key_generation_failed", "cannot generate an EC key");
    return Ok();
  };
  EXPECT_TRUE(generate("P-256").ok());
  Status failed = generate("P-999");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, ErrorKind::kInternal);
  EXPECT_EQ(failed.error().code, "key_generation_failed");
  EXPECT_EQ(failed.error().message.rfind("cannot generate an EC key (", 0), 0u)
      << failed.error().message;

  auto parse = [](const std::string& der) -> Status {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    ossl::Cms cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    if (cms == nullptr)
      return DropOpenSslErrors(InvalidArgument("invalid_envelope", "not a CMS structure"));
    return Ok();
  };
  Status not_cms = parse("garbage");
  ASSERT_FALSE(not_cms.ok());
  EXPECT_EQ(not_cms.error().code, "invalid_envelope");
  EXPECT_EQ(ERR_peek_error(), 0u);  // nothing left for the next caller to misread
}

// gateway/crypto/openssl_handles.h
TEST(CryptoExamples, OpenSslHandles) {
  auto generate = []() -> Status {
    ossl::Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!key)
      return crypto::LastOpenSslError("key_generation_failed", "...");
    EXPECT_EQ(EVP_PKEY_get_bits(key.get()), 256);
    return Ok();  // EVP_PKEY_free runs here
  };
  EXPECT_TRUE(generate().ok());
}

// gateway/crypto/password_hash.h
TEST(CryptoExamples, PasswordHash) {
  std::string password = NewPassword();
  auto stored = HashPassword(password, PasswordCost{});
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->rfind("$argon2id$v=19$m=65536,t=3,p=1$", 0), 0u);
  std::string typed = password;
  EXPECT_TRUE(VerifyPassword(*stored, typed));
  EXPECT_FALSE(VerifyPassword(*stored, typed + "x"));
}

// gateway/crypto/random.h
TEST(CryptoExamples, Random) {
  Bytes key = RandomBytes(32);  // a database key
  EXPECT_EQ(key.size(), 32u);
  std::string token = RandomToken(32);  // 256-bit token, base64url, for URLs and headers
  EXPECT_EQ(token.size(), 43u);
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
}

// gateway/crypto/totp.h
TEST(CryptoExamples, Totp) {
  EXPECT_EQ(NewTotpSecret().size(), 20u);  // 20 bytes, stored encrypted at rest
  const Bytes secret = [] {
    std::string_view rfc = "12345678901234567890";  // RFC 6238's test secret
    return Bytes(rfc.begin(), rfc.end());
  }();
  std::string key = TotpSecretBase32(secret);  // for typing by hand
  EXPECT_EQ(key.rfind("GEZDGNBV", 0), 0u);
  std::string uri = OtpAuthUri("Ketenpoort", "a@example.org", secret);  // for the QR code
  EXPECT_EQ(uri.rfind("otpauth://totp/Ketenpoort:a@example.org?secret=", 0), 0u) << uri;
  const std::int64_t now_s = 59;  // RFC 6238: "287082" at T = 59 s
  std::int64_t last_step = 0;
  std::optional<std::int64_t> step = MatchTotp(secret, "287082", now_s, last_step);
  ASSERT_TRUE(step.has_value());
  last_step = *step;  // the same code never works twice
  EXPECT_EQ(MatchTotp(secret, "287082", now_s, last_step), std::nullopt);
}

}  // namespace
}  // namespace ketenpoort::crypto
