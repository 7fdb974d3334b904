#include "gateway/crypto/hash.h"

#include <gtest/gtest.h>

#include <string>

#include "gateway/crypto/encoding.h"

namespace ketenpoort::crypto {
namespace {

std::string Hex(const Digest& d) {
  return HexEncode(d);
}

TEST(Sha256Test, KnownVectors) {  // FIPS 180-2 appendix B and the empty string
  EXPECT_EQ(Hex(Sha256(AsBytes(""))),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Sha256(AsBytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256(AsBytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  std::string million(1000000, 'a');
  EXPECT_EQ(Hex(Sha256(AsBytes(million))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, PartsEqualConcatenation) {
  EXPECT_EQ(Sha256({AsBytes("ab"), AsBytes(""), AsBytes("c")}), Sha256(AsBytes("abc")));
  EXPECT_EQ(Sha256({}), Sha256(AsBytes("")));
}

TEST(Sha256Test, StreamInPiecesEqualsOneCall) {
  const std::string text = "The quick brown fox jumps over the lazy dog";
  Sha256Stream h;
  h.Update(AsBytes(std::string_view(text).substr(0, 7)));
  h.Update(AsBytes(""));
  h.Update(AsBytes(std::string_view(text).substr(7)));
  const Digest d = h.Finish();
  EXPECT_EQ(HexEncode(d), "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592");
  EXPECT_EQ(d, Sha256(AsBytes(text)));
}

TEST(HmacSha256Test, Rfc4231Vectors) {
  Bytes key1(20, 0x0b);
  EXPECT_EQ(Hex(HmacSha256(key1, AsBytes("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(Hex(HmacSha256(AsBytes("Jefe"), AsBytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  Bytes key6(131, 0xaa);  // longer than the block size: hashed first
  EXPECT_EQ(
      Hex(HmacSha256(key6, AsBytes("Test Using Larger Than Block-Size Key - Hash Key First"))),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256Test, EmptyKeyAndData) {
  EXPECT_EQ(Hex(HmacSha256({}, {})),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(ConstantTimeEqualTest, ComparesLengthAndContent) {
  EXPECT_TRUE(ConstantTimeEqual(AsBytes("secret"), AsBytes("secret")));
  EXPECT_TRUE(ConstantTimeEqual({}, {}));
  EXPECT_FALSE(ConstantTimeEqual(AsBytes("secret"), AsBytes("secreT")));
  EXPECT_FALSE(ConstantTimeEqual(AsBytes("secret"), AsBytes("secret!")));
  EXPECT_FALSE(ConstantTimeEqual(AsBytes(""), AsBytes("x")));
  Digest a = Sha256(AsBytes("a"));
  Digest b = a;
  EXPECT_TRUE(ConstantTimeEqual(a, b));
  b[31] ^= 1;
  EXPECT_FALSE(ConstantTimeEqual(a, b));
}

}  // namespace
}  // namespace ketenpoort::crypto
