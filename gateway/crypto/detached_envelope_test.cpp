// Detached AuthEnvelopedData: sealing a piece at a time, unlocking in the keyring, reading the
// ciphertext file back with the tag checked at the end; what must fail, fails; and the `openssl
// cms` command line opens what we seal, and we open what it seals.
#include "gateway/crypto/detached_envelope.h"

#include <gtest/gtest.h>
#include <openssl/asn1.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <string>
#include <vector>

#include "gateway/crypto/cms_util.h"
#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/envelope.h"
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

// Odd piece sizes, used in turn, for Update.
constexpr std::array<std::size_t, 6> kPieces = {1, 3, 1000, 4097, 65521, 100003};

Bytes EncodeCms(CMS_ContentInfo* cms) {
  auto der = CmsToDer(cms);
  EXPECT_TRUE(der.ok()) << der.error().ToString();
  return der.ok() ? *der : Bytes{};
}

class DetachedEnvelopeTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const { return dir_.File(name); }

  // Seals `plain` for `recipients` in pieces of kPieces' sizes, writing the ciphertext to `path`
  // as it comes; returns the envelope.
  Bytes Seal(const Bytes& plain, const std::vector<Certificate>& recipients,
             const std::string& path) {
    auto sealer = DetachedSealer::Create(recipients);
    EXPECT_TRUE(sealer.ok()) << sealer.error().ToString();
    if (!sealer.ok())
      return {};
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    std::size_t at = 0;
    for (std::size_t i = 0; at < plain.size(); ++i) {
      std::size_t n = std::min(kPieces[i % kPieces.size()], plain.size() - at);
      auto c = sealer->Update(ByteView(plain).subspan(at, n));
      EXPECT_TRUE(c.ok()) << c.error().ToString();
      if (!c.ok())
        return {};
      out.write(reinterpret_cast<const char*>(c->data()), static_cast<std::streamsize>(c->size()));
      at += n;
    }
    auto sealed = sealer->Finish();
    EXPECT_TRUE(sealed.ok()) << sealed.error().ToString();
    if (!sealed.ok())
      return {};
    out.write(reinterpret_cast<const char*>(sealed->ciphertext_tail.data()),
              static_cast<std::streamsize>(sealed->ciphertext_tail.size()));
    EXPECT_TRUE(out.good());
    return sealed->envelope_der;
  }

  // Unlocks `envelope` with `reader`'s key and reads `path` to the end, `buffer_size` bytes at a
  // time. The plaintext, or the first error. `reads` receives how many reads returned bytes.
  Result<Bytes> Open(const TestParty& reader, const Bytes& envelope, const std::string& path,
                     std::size_t buffer_size = 4099, int* reads = nullptr) {
    KP_ASSIGN_OR_RETURN(UnlockedEnvelope key,
                        pki_.keys.UnlockEnvelope(reader.id, reader.cert, envelope));
    KP_ASSIGN_OR_RETURN(DetachedReader r, DetachedReader::Open(std::move(key), path));
    Bytes plain;
    Bytes buffer(buffer_size);
    if (reads != nullptr)
      *reads = 0;
    // Every read but the last returns at least one byte: bounded by the file's size.
    std::size_t limit = ReadFileBytes(path).size() + 2;
    for (std::size_t i = 0; i < limit; ++i) {
      KP_ASSIGN_OR_RETURN(std::size_t n, r.Read(buffer));
      if (n == 0) {
        // The end stays the end.
        KP_ASSIGN_OR_RETURN(std::size_t again, r.Read(buffer));
        EXPECT_EQ(again, 0u);
        return plain;
      }
      EXPECT_LE(n, buffer.size());
      plain.insert(plain.end(), buffer.begin(), buffer.begin() + static_cast<long>(n));
      if (reads != nullptr)
        ++*reads;
    }
    ADD_FAILURE() << "reader did not reach the end";
    return Internal("test", "no end");
  }

  // Reads `path` with `envelope` for bob, expecting it to fail at the end with
  // "invalid_envelope" after returning bytes (when there are any), and again afterwards.
  void ExpectFailsAtTheEnd(const Bytes& envelope, const std::string& path) {
    auto key = pki_.keys.UnlockEnvelope("bob", bob_.cert, envelope);
    ASSERT_TRUE(key.ok()) << key.error().ToString();
    auto r = DetachedReader::Open(std::move(*key), path);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    Bytes buffer(4099);
    std::size_t total = 0;
    std::size_t file_size = ReadFileBytes(path).size();
    for (std::size_t i = 0; i < file_size + 2; ++i) {
      auto n = r->Read(buffer);
      if (!n.ok()) {
        EXPECT_EQ(n.error().kind, ErrorKind::kInvalidArgument);
        EXPECT_EQ(n.error().code, "invalid_envelope");
        EXPECT_EQ(total, file_size);  // every byte came out before the tag was checked
        auto later = r->Read(buffer);
        ASSERT_FALSE(later.ok());
        EXPECT_EQ(later.error().code, "invalid_envelope");
        return;
      }
      ASSERT_NE(*n, 0u) << "the reader accepted content that does not match its envelope";
      total += *n;
    }
    ADD_FAILURE() << "reader did not reach the end";
  }

  TempDir dir_;
  TestPki pki_{dir_};
  TestParty alice_ = pki_.Issue("alice", {.smime = true});
  TestParty bob_ = pki_.Issue("bob", {.smime = true});
  TestParty carol_ = pki_.Issue("carol", {.smime = true});
};

TEST_F(DetachedEnvelopeTest, RoundTripsContentOfAnySize) {
  std::size_t envelope_size = 0;
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{16}, std::size_t{65535},
                           std::size_t{5} << 20}) {
    SCOPED_TRACE(size);
    Bytes plain = RandomBytes(size);
    std::string path = Path("cipher-" + std::to_string(size) + ".bin");
    Bytes envelope = Seal(plain, {bob_.cert}, path);
    // The ciphertext is exactly as long as the plaintext (GCM is a stream cipher) and is not it.
    Bytes cipher = ReadFileBytes(path);
    ASSERT_EQ(cipher.size(), size);
    if (size >= 16) {
      EXPECT_NE(cipher, plain);
    }
    // The envelope does not grow with the content: it carries none of it.
    if (envelope_size == 0)
      envelope_size = envelope.size();
    EXPECT_EQ(envelope.size(), envelope_size);
    EXPECT_LT(envelope.size(), 1024u);
    auto info = InspectEnvelope(envelope);
    ASSERT_TRUE(info.ok()) << info.error().ToString();
    EXPECT_TRUE(info->authenticated);
    EXPECT_TRUE(info->IsExactlyFor({bob_.cert}));

    int reads = 0;
    auto opened = Open(bob_, envelope, path, 4099, &reads);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    EXPECT_EQ(*opened, plain);
    EXPECT_GE(reads, static_cast<int>((size + 4098) / 4099));
  }
}

TEST_F(DetachedEnvelopeTest, ReadsIntoBuffersOfAnySize) {
  Bytes plain = RandomBytes(70000);
  Bytes envelope = Seal(plain, {bob_.cert}, Path("cipher.bin"));
  for (std::size_t buffer_size :
       {std::size_t{1}, std::size_t{15}, std::size_t{4096}, std::size_t{1} << 20}) {
    SCOPED_TRACE(buffer_size);
    auto opened = Open(bob_, envelope, Path("cipher.bin"), buffer_size);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    EXPECT_EQ(*opened, plain);
  }
}

TEST_F(DetachedEnvelopeTest, EveryRecipientOpensAndNoOneElse) {
  Bytes plain = RandomBytes(100000);
  Bytes envelope = Seal(plain, {alice_.cert, bob_.cert}, Path("cipher.bin"));
  auto info = InspectEnvelope(envelope);
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_TRUE(info->IsExactlyFor({alice_.cert, bob_.cert}));
  for (const TestParty* reader : {&alice_, &bob_}) {
    auto opened = Open(*reader, envelope, Path("cipher.bin"));
    ASSERT_TRUE(opened.ok()) << reader->id << ": " << opened.error().ToString();
    EXPECT_EQ(*opened, plain);
  }
  auto outsider = pki_.keys.UnlockEnvelope("carol", carol_.cert, envelope);
  ASSERT_FALSE(outsider.ok());
  EXPECT_EQ(outsider.error().kind, ErrorKind::kRefused);
  EXPECT_EQ(outsider.error().code, "not_a_recipient");
}

TEST_F(DetachedEnvelopeTest, ChangedTruncatedOrExtendedContentFailsAtTheEnd) {
  Bytes plain = RandomBytes(50000);
  Bytes envelope = Seal(plain, {bob_.cert}, Path("cipher.bin"));
  const Bytes cipher = ReadFileBytes(Path("cipher.bin"));
  ASSERT_TRUE(Open(bob_, envelope, Path("cipher.bin")).ok());

  for (std::size_t at : {std::size_t{0}, cipher.size() / 2, cipher.size() - 1}) {
    SCOPED_TRACE("flipped bit at " + std::to_string(at));
    Bytes changed = cipher;
    changed[at] ^= 0x01;
    WriteFile(Path("changed.bin"), changed);
    ExpectFailsAtTheEnd(envelope, Path("changed.bin"));
  }
  for (std::size_t keep : {cipher.size() - 1, cipher.size() - 16, std::size_t{4099}}) {
    SCOPED_TRACE("truncated to " + std::to_string(keep));
    WriteFile(Path("truncated.bin"), ByteView(cipher).first(keep));
    ExpectFailsAtTheEnd(envelope, Path("truncated.bin"));
  }
  {
    SCOPED_TRACE("truncated to nothing");
    WriteFile(Path("empty.bin"), std::string_view());
    ExpectFailsAtTheEnd(envelope, Path("empty.bin"));
  }
  for (std::uint8_t extra : {std::uint8_t{0x00}, std::uint8_t{0x5a}}) {
    SCOPED_TRACE("extended by one byte");
    Bytes extended = cipher;
    extended.push_back(extra);
    WriteFile(Path("extended.bin"), extended);
    ExpectFailsAtTheEnd(envelope, Path("extended.bin"));
  }
}

TEST_F(DetachedEnvelopeTest, EmptyContentIsAuthenticatedToo) {
  Bytes envelope = Seal({}, {bob_.cert}, Path("empty.bin"));
  ASSERT_TRUE(Open(bob_, envelope, Path("empty.bin")).ok());
  WriteFile(Path("one.bin"), std::string_view("x"));
  ExpectFailsAtTheEnd(envelope, Path("one.bin"));
}

TEST_F(DetachedEnvelopeTest, ContentWithAnotherSealingsEnvelopeFails) {
  Bytes plain = RandomBytes(30000);
  Bytes first = Seal(plain, {bob_.cert}, Path("first.bin"));
  Bytes second = Seal(plain, {bob_.cert}, Path("second.bin"));
  EXPECT_NE(ReadFileBytes(Path("first.bin")), ReadFileBytes(Path("second.bin")));  // new key
  ExpectFailsAtTheEnd(second, Path("first.bin"));
  ExpectFailsAtTheEnd(first, Path("second.bin"));
  // Each with its own, both open.
  EXPECT_TRUE(Open(bob_, first, Path("first.bin")).ok());
  EXPECT_TRUE(Open(bob_, second, Path("second.bin")).ok());
}

TEST_F(DetachedEnvelopeTest, UnlockRefusesWhatItCannotOrMustNotOpen) {
  Bytes envelope = Seal(RandomBytes(100), {bob_.cert}, Path("cipher.bin"));
  auto expect = [](const Result<UnlockedEnvelope>& r, ErrorKind kind, const std::string& code) {
    ASSERT_FALSE(r.ok()) << code;
    EXPECT_EQ(r.error().kind, kind) << code;
    EXPECT_EQ(r.error().code, code);
  };
  expect(pki_.keys.UnlockEnvelope("carol", carol_.cert, envelope), ErrorKind::kRefused,
         "not_a_recipient");
  expect(pki_.keys.UnlockEnvelope("bob", alice_.cert, envelope), ErrorKind::kInvalidArgument,
         "key_certificate_mismatch");
  expect(pki_.keys.UnlockEnvelope("nobody", bob_.cert, envelope), ErrorKind::kNotFound,
         "key_not_found");
  expect(pki_.keys.UnlockEnvelope("bob", bob_.cert, ToBytes("not DER")),
         ErrorKind::kInvalidArgument, "invalid_envelope");
  Bytes truncated(envelope.begin(), envelope.end() - 1);
  expect(pki_.keys.UnlockEnvelope("bob", bob_.cert, truncated), ErrorKind::kInvalidArgument,
         "invalid_envelope");

  // An ordinary envelope carries its content: DecryptCms opens it, not a reader.
  auto attached = SealCms(ToBytes("content"), {bob_.cert});
  ASSERT_TRUE(attached.ok()) << attached.error().ToString();
  expect(pki_.keys.UnlockEnvelope("bob", bob_.cert, *attached), ErrorKind::kInvalidArgument,
         "not_detached");

  // EnvelopedData (AES-CBC) has no integrity: refused, attached or detached.
  WriteFile(Path("content.bin"), std::string_view("content"));
  ASSERT_EQ(RunCommand("openssl cms -encrypt -binary -aes256 -in " + Path("content.bin") +
                       " -outform DER -out " + Path("cbc.der") + " " + bob_.cert_path),
            0);
  expect(pki_.keys.UnlockEnvelope("bob", bob_.cert, ReadFileBytes(Path("cbc.der"))),
         ErrorKind::kRefused, "unauthenticated_envelope");
  ossl::Cms cbc(
      CMS_encrypt(nullptr, nullptr, EVP_aes_256_cbc(), CMS_BINARY | CMS_PARTIAL | CMS_DETACHED));
  ASSERT_TRUE(cbc);
  ASSERT_NE(CMS_add1_recipient_cert(cbc.get(), bob_.cert.native(), 0), nullptr);
  ossl::Bio sink(BIO_new(BIO_s_mem()));
  ossl::Bio chain(CMS_dataInit(cbc.get(), sink.get()));
  ASSERT_TRUE(chain);
  sink.release();  // owned by the chain
  ASSERT_EQ(BIO_write(chain.get(), "content", 7), 7);
  ASSERT_EQ(BIO_flush(chain.get()), 1);
  ASSERT_EQ(CMS_dataFinal(cbc.get(), chain.get()), 1);
  auto cbc_der = EncodeCms(cbc.get());
  expect(pki_.keys.UnlockEnvelope("bob", bob_.cert, cbc_der), ErrorKind::kRefused,
         "unauthenticated_envelope");

  // Not an envelope at all.
  auto signed_der = pki_.keys.SignCms("alice", alice_.cert, ToBytes("content"));
  ASSERT_TRUE(signed_der.ok());
  expect(pki_.keys.UnlockEnvelope("bob", bob_.cert, *signed_der), ErrorKind::kInvalidArgument,
         "not_an_envelope");
}

TEST_F(DetachedEnvelopeTest, ForgedCipherOrShortTagIsRefused) {
  Bytes plain = RandomBytes(1000);
  Bytes envelope = Seal(plain, {bob_.cert}, Path("cipher.bin"));
  Der genuine = Der::FromBytes(envelope);
  ASSERT_EQ(genuine.ToBytes(), envelope);  // the tree writes back what it read
  ASSERT_EQ(Mac(genuine).value.size(), 16u);

  auto open_with = [&](const Der& forged) -> Result<DetachedReader> {
    KP_ASSIGN_OR_RETURN(UnlockedEnvelope key,
                        pki_.keys.UnlockEnvelope("bob", bob_.cert, forged.ToBytes()));
    return DetachedReader::Open(std::move(key), Path("cipher.bin"));
  };

  // The same wrapped key, but AES-256-OFB instead of GCM: OpenSSL 3.0 unwraps the key (the key
  // wrap does not bind the content cipher) and would decrypt without any check at all.
  Der ofb = genuine;
  Der& alg = ContentEncryptionAlgorithm(ofb);
  ASSERT_EQ(alg.children.at(0).value, ObjectId("aes-256-gcm").value);
  alg.children = {ObjectId("aes-256-ofb"), Primitive(V_ASN1_OCTET_STRING, Bytes(16, 0x11))};
  auto r = open_with(ofb);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kRefused);
  EXPECT_EQ(r.error().code, "unauthenticated_envelope");

  // ARIA-256-GCM with the same nonce and tag: authenticated, but not the AES-GCM of RFC 5084.
  Der aria = genuine;
  ContentEncryptionAlgorithm(aria).children.at(0) = ObjectId("aria-256-gcm");
  auto a = open_with(aria);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, ErrorKind::kRefused);
  EXPECT_EQ(a.error().code, "unauthenticated_envelope");

  // A content cipher OpenSSL does not know: the reader cannot be set up.
  Der unknown = genuine;
  ContentEncryptionAlgorithm(unknown).children = {ObjectId("sha256")};
  auto u = open_with(unknown);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(u.error().code, "invalid_envelope");

  // The genuine tag cut short: OpenSSL 3.0 compares a tag of any length, so a short one is
  // guessed; RFC 5084 allows 12 to 16 bytes.
  for (std::size_t length : {1u, 4u, 8u, 11u}) {
    SCOPED_TRACE(length);
    Der short_tag = genuine;
    Mac(short_tag).value.resize(length);
    auto s = open_with(short_tag);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().kind, ErrorKind::kRefused);
    EXPECT_EQ(s.error().code, "unauthenticated_envelope");
  }
  // 12 bytes of the genuine tag are a genuine 12-byte tag: allowed, and checked.
  Der tag12 = genuine;
  Mac(tag12).value.resize(12);
  auto opened = Open(bob_, tag12.ToBytes(), Path("cipher.bin"));
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  EXPECT_EQ(*opened, plain);
  Mac(tag12).value[0] ^= 0x01;
  ExpectFailsAtTheEnd(tag12.ToBytes(), Path("cipher.bin"));
  // No tag at all: OpenSSL reports the default length (16) but has nothing to compare, so the
  // end fails.
  Der no_tag = genuine;
  Mac(no_tag).value.clear();
  ExpectFailsAtTheEnd(no_tag.ToBytes(), Path("cipher.bin"));
}

TEST_F(DetachedEnvelopeTest, MissingOrUnreadableContentNamesNoPath) {
  Bytes envelope = Seal(RandomBytes(10), {bob_.cert}, Path("cipher.bin"));
  for (const std::string& path : {Path("absent.bin"), Path("absent/cipher.bin")}) {
    auto key = pki_.keys.UnlockEnvelope("bob", bob_.cert, envelope);
    ASSERT_TRUE(key.ok()) << key.error().ToString();
    auto r = DetachedReader::Open(std::move(*key), path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::kNotFound);
    EXPECT_EQ(r.error().code, "content_missing");
    EXPECT_EQ(r.error().ToString().find(dir_.path()), std::string::npos);
    EXPECT_EQ(r.error().ToString().find("absent"), std::string::npos);
  }
  // A directory opens but cannot be read: BIO_read says -1, not 0, and it is not "the end".
  auto key = pki_.keys.UnlockEnvelope("bob", bob_.cert, envelope);
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  auto r = DetachedReader::Open(std::move(*key), dir_.path());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  Bytes buffer(100);
  auto n = r->Read(buffer);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(n.error().code, "content_unreadable");
  EXPECT_EQ(n.error().ToString().find(dir_.path()), std::string::npos);
  auto later = r->Read(buffer);
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error().code, "content_unreadable");
}

TEST_F(DetachedEnvelopeTest, ReaderAndSealerRefuseMisuse) {
  Bytes envelope = Seal(RandomBytes(10), {bob_.cert}, Path("cipher.bin"));
  auto key = pki_.keys.UnlockEnvelope("bob", bob_.cert, envelope);
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  auto r = DetachedReader::Open(std::move(*key), Path("cipher.bin"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  auto empty = r->Read({});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "empty_buffer");
  DetachedReader moved = std::move(*r);
  Bytes buffer(64);
  auto n = moved.Read(buffer);
  ASSERT_TRUE(n.ok()) << n.error().ToString();
  EXPECT_EQ(*n, 10u);

  auto none = DetachedSealer::Create({});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, "no_recipients");

  auto sealer = DetachedSealer::Create({bob_.cert});
  ASSERT_TRUE(sealer.ok()) << sealer.error().ToString();
  DetachedSealer taken = std::move(*sealer);
  auto stale = sealer->Update(ToBytes("x"));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, "sealer_finished");
  ASSERT_TRUE(taken.Update(ToBytes("x")).ok());
  ASSERT_TRUE(taken.Finish().ok());
  auto after = taken.Update(ToBytes("y"));
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().kind, ErrorKind::kInternal);
  EXPECT_EQ(after.error().code, "sealer_finished");
  auto again = taken.Finish();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "sealer_finished");
}

TEST_F(DetachedEnvelopeTest, UnusableRecipientCertificateIsRefused) {
  std::string key = Path("ed.key");
  std::string pem = Path("ed.pem");
  ASSERT_EQ(RunCommand("umask 077 && openssl req -x509 -newkey ed25519 -nodes -keyout " + key +
                       " -out " + pem + " -days 2 -subj /CN=ed-partner"),
            0);
  auto ed = Certificate::LoadPemFile(pem);
  ASSERT_TRUE(ed.ok()) << ed.error().ToString();
  auto sealer = DetachedSealer::Create({bob_.cert, *ed});
  ASSERT_FALSE(sealer.ok());
  EXPECT_EQ(sealer.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(sealer.error().code, "invalid_recipient");
}

TEST_F(DetachedEnvelopeTest, OpenSslOpensWhatWeSeal) {
  // Bob by key agreement (EC), an RSA partner by key transport.
  std::string rsa_key = Path("rsa.key");
  std::string rsa_pem = Path("rsa.pem");
  ASSERT_EQ(RunCommand("umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -keyout " + rsa_key +
                       " -out " + rsa_pem + " -days 2 -subj /CN=rsa-partner"),
            0);
  auto rsa = Certificate::LoadPemFile(rsa_pem);
  ASSERT_TRUE(rsa.ok()) << rsa.error().ToString();
  ASSERT_TRUE(pki_.keys.LoadKeyFile("rsa", rsa_key).ok());
  TestParty rsa_party{"rsa", rsa_key, rsa_pem, *rsa};

  Bytes plain = RandomBytes((1 << 20) + 12345);
  WriteFile(Path("env.der"), Seal(plain, {bob_.cert, *rsa}, Path("cipher.bin")));
  for (const TestParty* reader : {&bob_, &rsa_party}) {
    SCOPED_TRACE(reader->id);
    ASSERT_EQ(RunCommand("openssl cms -decrypt -binary -inform DER -in " + Path("env.der") +
                         " -content " + Path("cipher.bin") + " -recip " + reader->cert_path +
                         " -inkey " + reader->key_path + " -out " + Path("plain.out")),
              0);
    EXPECT_EQ(ReadFileBytes(Path("plain.out")), plain);
    auto ours = Open(*reader, ReadFileBytes(Path("env.der")), Path("cipher.bin"));
    ASSERT_TRUE(ours.ok()) << ours.error().ToString();
    EXPECT_EQ(*ours, plain);
  }
  // The command line checks the tag as well.
  Bytes changed = ReadFileBytes(Path("cipher.bin"));
  changed[changed.size() / 3] ^= 0x80;
  WriteFile(Path("changed.bin"), changed);
  EXPECT_NE(RunCommand("openssl cms -decrypt -binary -inform DER -in " + Path("env.der") +
                       " -content " + Path("changed.bin") + " -recip " + bob_.cert_path +
                       " -inkey " + bob_.key_path + " -out " + Path("plain.out")),
            0);
}

TEST_F(DetachedEnvelopeTest, WeOpenWhatOpenSslSeals) {
  // `openssl cms -encrypt` has no detached mode: take its AuthEnvelopedData apart into the
  // envelope without content and the ciphertext on its own.
  Bytes plain = RandomBytes(200000);
  WriteFile(Path("plain.bin"), plain);
  ASSERT_EQ(RunCommand("openssl cms -encrypt -binary -aes-256-gcm -in " + Path("plain.bin") +
                       " -outform DER -out " + Path("attached.der") + " " + bob_.cert_path + " " +
                       carol_.cert_path),
            0);
  Bytes attached = ReadFileBytes(Path("attached.der"));
  auto whole = pki_.keys.UnlockEnvelope("bob", bob_.cert, attached);
  ASSERT_FALSE(whole.ok());
  EXPECT_EQ(whole.error().code, "not_detached");

  const unsigned char* p = attached.data();
  ossl::Cms cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(attached.size())));
  ASSERT_TRUE(cms);
  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  ASSERT_NE(content, nullptr);
  ASSERT_NE(*content, nullptr);
  const unsigned char* data = ASN1_STRING_get0_data(*content);
  WriteFile(Path("cipher.bin"),
            ByteView(data, static_cast<std::size_t>(ASN1_STRING_length(*content))));
  ASSERT_EQ(CMS_set_detached(cms.get(), 1), 1);
  Bytes envelope = EncodeCms(cms.get());

  for (const TestParty* reader : {&bob_, &carol_}) {
    auto opened = Open(*reader, envelope, Path("cipher.bin"));
    ASSERT_TRUE(opened.ok()) << reader->id << ": " << opened.error().ToString();
    EXPECT_EQ(*opened, plain);
  }
  auto outsider = pki_.keys.UnlockEnvelope("alice", alice_.cert, envelope);
  ASSERT_FALSE(outsider.ok());
  EXPECT_EQ(outsider.error().code, "not_a_recipient");
}

}  // namespace
}  // namespace ketenpoort::crypto
