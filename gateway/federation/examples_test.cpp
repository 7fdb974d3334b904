// The examples at the top of gateway/federation's headers, run as written (adapted only as much
// as needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/hash.h"
#include "gateway/federation/outbox_worker.h"
#include "gateway/federation/receipt.h"
#include "gateway/store/guarded_database.h"
#include "gateway/store/test_support.h"

namespace ketenpoort::delivery {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kT0 = 1'780'000'000'000;

// gateway/federation/outbox_worker.h
TEST(FederationExamples, OutboxWorker) {
  store::test::TempDir dir;
  auto opened = store::test::MigratedDatabase(dir.File("kp.db"));
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  store::GuardedDatabase db(std::move(*opened));
  crypto::testing::TempDir certs;
  crypto::testing::TestPki pki(certs);
  crypto::testing::TestParty tls = pki.Issue("tls", {.tls_client = true});
  const crypto::Keyring& keyring = pki.keys;
  const std::vector<crypto::Certificate> tls_chain{tls.cert};
  const std::string token = "kpt_issued-by-the-peer";

  OutboxWorker::Config c;
  c.db = &db;
  c.keyring = &keyring;
  c.client_key_id = "tls";
  c.client_chain = tls_chain;
  c.trust_anchors_file = pki.ca_path;  // the peers' CA certificates
  c.peers = {{"https://127.0.0.1:9444", token}};
  c.policy = {.base = 1s, .cap = 5min, .max_age = 24h};
  c.clock = [] { return kT0; };  // required; the example leaves it out
  auto worker = OutboxWorker::Create(std::move(c));
  ASSERT_TRUE(worker.ok()) << worker.error().ToString();
  auto sent = (*worker)->RunOnce();
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();
  EXPECT_EQ(*sent, 0);  // an empty outbox
  (*worker)->Start();
  (*worker)->Stop();
  (*worker)->Stop();  // idempotent
}

// gateway/federation/receipt.h
TEST(FederationExamples, Receipt) {
  crypto::testing::TempDir certs;
  crypto::testing::TestPki pki(certs);
  crypto::testing::TestParty gw_noord = pki.Issue("gateway", {.tls_server = true});
  const crypto::Keyring& keyring = pki.keys;
  const crypto::Certificate& peer_gateway_cert = gw_noord.cert;
  const std::string payload_der = "synthetic envelope bytes";
  const std::string id = "m-0f3c";
  const std::vector<std::string> orgs = {"comensha"};
  const crypto::Digest digest = crypto::Sha256(AsBytes(payload_der));

  DeliveryReceipt r{.message_id = id,
                    .recipients = {"comensha"},
                    .gateway = "gw-noord",
                    .received_ms = kT0,
                    .payload_sha256 = crypto::Sha256(AsBytes(payload_der))};
  auto signed_receipt = SignReceipt(keyring, "gateway", r);  // receiving side
  ASSERT_TRUE(signed_receipt.ok()) << signed_receipt.error().ToString();
  nlohmann::json wire = ToJson(*signed_receipt);  // in the HTTP answer

  auto check = [&](const std::string& gateway) -> Status {
    auto got = SignedReceiptFromJson(wire);  // sending side
    if (!got)
      return got.error();
    KP_RETURN_IF_ERROR(VerifyReceiptFor(
        *got, peer_gateway_cert,
        {.message_id = id, .recipients = orgs, .gateway = gateway, .payload_sha256 = digest}));
    return Ok();
  };
  EXPECT_TRUE(check("gw-noord").ok());
  EXPECT_FALSE(check("gw-zuid").ok());
  EXPECT_EQ(wire["received"], "2026-05-28T20:26:40.000Z");
}

}  // namespace
}  // namespace ketenpoort::delivery
