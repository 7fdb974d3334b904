#include "gateway/federation/receipt.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/encoding.h"

namespace ketenpoort::delivery {
namespace {

using crypto::testing::ReadFile;
using crypto::testing::RunCommand;
using crypto::testing::TempDir;
using crypto::testing::TestParty;
using crypto::testing::TestPki;
using crypto::testing::WriteFile;
using nlohmann::json;

DeliveryReceipt Example() {
  DeliveryReceipt r;
  r.message_id = "m-0123456789abcdef0123456789abcdef";
  r.recipients = {"comensha", "shop-denhaag"};
  r.gateway = "gw-noord";
  r.received_ms = 1795326001123;  // 2026-11-22T05:40:01.123Z
  r.payload_sha256 = crypto::Sha256(AsBytes("synthetic payload bytes"));
  return r;
}

class ReceiptTest : public ::testing::Test {
 protected:
  TempDir dir_;
  TestPki pki_{dir_};
  TestParty gateway_ = pki_.Issue("gw-noord", {.tls_server = true, .tls_client = true});
  TestParty other_ = pki_.Issue("gw-zuid", {.tls_server = true, .tls_client = true});
};

TEST(ReceiptCanonicalTest, BytesFollowTheDocumentedLayout) {
  DeliveryReceipt r;
  r.message_id = "m-1";
  r.recipients = {"zorg-b", "ab"};  // sorted in the encoding: "ab" first
  r.gateway = "gw";
  r.received_ms = 0x0102030405060708;
  for (std::size_t i = 0; i < r.payload_sha256.size(); ++i)
    r.payload_sha256[i] = static_cast<std::uint8_t>(i);

  Bytes want = ToBytes("ketenpoort-delivery-receipt-v1\n");
  auto append = [&](std::initializer_list<int> bytes) {
    for (int b : bytes)
      want.push_back(static_cast<std::uint8_t>(b));
  };
  auto append_text = [&](std::string_view s) {
    Bytes t = ToBytes(s);
    want.insert(want.end(), t.begin(), t.end());
  };
  append({0, 0, 0, 3});
  append_text("m-1");
  append({0, 0, 0, 2});
  append_text("gw");
  append({1, 2, 3, 4, 5, 6, 7, 8});
  for (int i = 0; i < 32; ++i)
    want.push_back(static_cast<std::uint8_t>(i));
  append({0, 0, 0, 2});
  append({0, 0, 0, 2});
  append_text("ab");
  append({0, 0, 0, 6});
  append_text("zorg-b");
  EXPECT_EQ(CanonicalBytes(r), want);
  EXPECT_EQ(want.size(), 31u + 7 + 6 + 8 + 32 + 4 + 6 + 10);
}

TEST(ReceiptCanonicalTest, RecipientOrderDoesNotMatterButEveryFieldDoes) {
  DeliveryReceipt a = Example();
  DeliveryReceipt b = a;
  std::swap(b.recipients[0], b.recipients[1]);
  EXPECT_EQ(CanonicalBytes(a), CanonicalBytes(b));

  // Moving a byte between adjacent strings changes the encoding (length prefixes).
  DeliveryReceipt c = a;
  c.message_id = "m-1";
  c.gateway = "2gw";
  DeliveryReceipt d = a;
  d.message_id = "m-12";
  d.gateway = "gw";
  EXPECT_NE(CanonicalBytes(c), CanonicalBytes(d));
}

TEST_F(ReceiptTest, SignedReceiptVerifiesAgainstTheSignersCertificate) {
  auto s = SignReceipt(pki_.keys, "gw-noord", Example());
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(s->receipt, Example());
  EXPECT_TRUE(VerifyReceipt(*s, gateway_.cert).ok());
}

TEST_F(ReceiptTest, SignatureIsPlainEcdsaSha256ThatOpensslAccepts) {
  auto s = SignReceipt(pki_.keys, "gw-noord", Example());
  ASSERT_TRUE(s.ok());
  WriteFile(dir_.File("canonical.bin"), CanonicalBytes(Example()));
  WriteFile(dir_.File("sig.der"), s->signature);
  WriteFile(dir_.File("pub.pem"), gateway_.cert.PublicKeyPem());
  EXPECT_EQ(RunCommand("openssl dgst -sha256 -verify " + dir_.File("pub.pem") + " -signature " +
                       dir_.File("sig.der") + " " + dir_.File("canonical.bin")),
            0);
}

TEST_F(ReceiptTest, AnyChangedFieldFailsVerification) {
  auto s = SignReceipt(pki_.keys, "gw-noord", Example());
  ASSERT_TRUE(s.ok());
  const std::vector<std::pair<std::string, std::function<void(DeliveryReceipt&)>>> changes = {
      {"message_id", [](DeliveryReceipt& r) { r.message_id.back() = 'e'; }},
      {"recipients added", [](DeliveryReceipt& r) { r.recipients.push_back("politie-avim"); }},
      {"recipients removed", [](DeliveryReceipt& r) { r.recipients.pop_back(); }},
      {"recipients renamed", [](DeliveryReceipt& r) { r.recipients[0] = "comenshb"; }},
      {"gateway", [](DeliveryReceipt& r) { r.gateway = "gw-zuid"; }},
      {"received", [](DeliveryReceipt& r) { r.received_ms += 1; }},
      {"payload_sha256", [](DeliveryReceipt& r) { r.payload_sha256[31] ^= 0x01; }},
  };
  for (const auto& [name, change] : changes) {
    SignedReceipt tampered = *s;
    change(tampered.receipt);
    Status v = VerifyReceipt(tampered, gateway_.cert);
    ASSERT_FALSE(v.ok()) << name;
    EXPECT_EQ(v.error().code, "receipt_signature_invalid") << name;
    EXPECT_EQ(v.error().kind, ErrorKind::kRefused) << name;
  }
  SignedReceipt bad_signature = *s;
  bad_signature.signature.back() ^= 0x01;
  EXPECT_FALSE(VerifyReceipt(bad_signature, gateway_.cert).ok());
  SignedReceipt no_signature = *s;
  no_signature.signature.clear();
  EXPECT_FALSE(VerifyReceipt(no_signature, gateway_.cert).ok());
}

TEST_F(ReceiptTest, WrongCertificateFailsVerification) {
  auto s = SignReceipt(pki_.keys, "gw-noord", Example());
  ASSERT_TRUE(s.ok());
  Status v = VerifyReceipt(*s, other_.cert);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, "receipt_signature_invalid");
  EXPECT_FALSE(VerifyReceipt(*s, pki_.ca).ok());
}

TEST_F(ReceiptTest, JsonRoundTripKeepsTheReceiptAndItsSignature) {
  auto s = SignReceipt(pki_.keys, "gw-noord", Example());
  ASSERT_TRUE(s.ok());
  json wire = ToJson(*s);
  EXPECT_EQ(wire["received"], "2026-11-22T05:40:01.123Z");
  EXPECT_EQ(wire["recipients"], json({"comensha", "shop-denhaag"}));
  EXPECT_EQ(wire["payload_sha256"], crypto::HexEncode(Example().payload_sha256));
  EXPECT_EQ(wire.size(), 6u);

  auto back = SignedReceiptFromJson(json::parse(wire.dump()));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, *s);
  EXPECT_TRUE(VerifyReceipt(*back, gateway_.cert).ok());

  // Changed on the wire: still parses, no longer verifies.
  json changed = wire;
  changed["received"] = "2026-11-22T05:40:01.124Z";
  auto parsed = SignedReceiptFromJson(changed);
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(VerifyReceipt(*parsed, gateway_.cert).ok());
}

TEST_F(ReceiptTest, FromJsonRefusesMalformedReceiptsNamingTheField) {
  auto s = SignReceipt(pki_.keys, "gw-noord", Example());
  ASSERT_TRUE(s.ok());
  const json good = ToJson(*s);
  struct Case {
    std::function<void(json&)> change;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](json& j) { j["extra"] = 1; }, "extra"},
      {[](json& j) { j.erase("gateway"); }, "gateway"},
      {[](json& j) { j["message_id"] = 7; }, "message_id"},
      {[](json& j) { j["message_id"] = "has space"; }, "message_id"},
      {[](json& j) { j["message_id"] = std::string(129, 'm'); }, "message_id"},
      {[](json& j) { j["recipients"] = json::array(); }, "recipients"},
      {[](json& j) {
         j["recipients"] = {"comensha", "comensha"};
       },
       "recipients[1]"},  // the duplicate
      {[](json& j) { j["recipients"] = {"Not An Org"}; }, "recipients"},
      {[](json& j) { j["received"] = "2026-11-22T05:40:01Z"; }, "received"},
      {[](json& j) { j["payload_sha256"] = "abcd"; }, "payload_sha256"},
      {[](json& j) { j["payload_sha256"] = std::string(64, 'g'); }, "payload_sha256"},
      {[](json& j) { j["signature"] = "not base64!"; }, "signature"},
  };
  for (const Case& c : cases) {
    json j = good;
    c.change(j);
    auto r = SignedReceiptFromJson(j);
    ASSERT_FALSE(r.ok()) << c.field << ": " << j.dump();
    EXPECT_EQ(r.error().code, "invalid_receipt") << c.field;
    EXPECT_EQ(r.error().field, c.field);
  }
  EXPECT_FALSE(SignedReceiptFromJson(json::array()).ok());
}

TEST_F(ReceiptTest, TheAnswerCarriesTheReceiptAndTheChainThatSignedIt) {
  auto s = SignReceipt(pki_.keys, "gw-noord", Example());
  ASSERT_TRUE(s.ok());
  const ReceiptAnswer answer{*s, gateway_.cert.ToPem()};
  json wire = ToJson(answer);
  EXPECT_EQ(wire, json({{"receipt", ToJson(*s)}, {"certificate", gateway_.cert.ToPem()}}));
  auto back = ReceiptAnswerFromJson(json::parse(wire.dump()));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, answer);

  wire["version"] = 2;  // a later gateway may say more
  EXPECT_TRUE(ReceiptAnswerFromJson(wire).ok());

  const std::vector<std::pair<std::function<void(json&)>, std::string>> cases = {
      {[](json& j) { j = json::array(); }, ""},
      {[](json& j) { j.erase("receipt"); }, "receipt"},
      {[](json& j) { j.erase("certificate"); }, "certificate"},
      {[](json& j) { j["certificate"] = json::array(); }, "certificate"},
      {[](json& j) { j["receipt"].erase("signature"); }, "signature"},  // SignedReceiptFromJson's
  };
  for (const auto& [change, field] : cases) {
    json j = ToJson(answer);
    change(j);
    auto r = ReceiptAnswerFromJson(j);
    ASSERT_FALSE(r.ok()) << j.dump();
    EXPECT_EQ(r.error().code, "invalid_receipt") << field;
    EXPECT_EQ(r.error().field, field);
  }
}

TEST_F(ReceiptTest, SignRefusesAnInvalidReceiptAndAnUnknownKey) {
  DeliveryReceipt r = Example();
  r.recipients.clear();
  auto invalid = SignReceipt(pki_.keys, "gw-noord", r);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().field, "recipients");
  auto unknown = SignReceipt(pki_.keys, "no-such-key", Example());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "key_not_found");
}

TEST_F(ReceiptTest, VerifyReceiptForChecksWhatWasDelivered) {
  auto s = SignReceipt(pki_.keys, "gw-noord", Example());
  ASSERT_TRUE(s.ok());
  const DeliveryReceipt e = Example();
  ReceiptExpectation expected{.message_id = e.message_id,
                              .recipients = {"shop-denhaag", "comensha"},  // any order
                              .gateway = e.gateway,
                              .payload_sha256 = e.payload_sha256};
  EXPECT_TRUE(VerifyReceiptFor(*s, gateway_.cert, expected).ok());

  struct Case {
    std::function<void(ReceiptExpectation&)> change;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](ReceiptExpectation& x) { x.message_id = "m-other"; }, "message_id"},
      {[](ReceiptExpectation& x) { x.gateway = "gw-zuid"; }, "gateway"},
      {[](ReceiptExpectation& x) { x.payload_sha256[0] ^= 1; }, "payload_sha256"},
      {[](ReceiptExpectation& x) { x.recipients = {"comensha"}; }, "recipients"},
  };
  for (const Case& c : cases) {
    ReceiptExpectation x = expected;
    c.change(x);
    Status v = VerifyReceiptFor(*s, gateway_.cert, x);
    ASSERT_FALSE(v.ok()) << c.field;
    EXPECT_EQ(v.error().code, "receipt_mismatch");
    EXPECT_EQ(v.error().field, c.field);
  }
  EXPECT_EQ(VerifyReceiptFor(*s, other_.cert, expected).error().code, "receipt_signature_invalid");
}

}  // namespace
}  // namespace ketenpoort::delivery
