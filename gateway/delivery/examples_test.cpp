// The examples at the top of gateway/delivery's headers, run as written (adapted only as much
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
#include "gateway/delivery/backoff.h"
#include "gateway/delivery/outbox_worker.h"
#include "gateway/delivery/receipt.h"
#include "gateway/store/test_support.h"

namespace ketenpoort::delivery {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kT0 = 1'780'000'000'000;

// gateway/delivery/backoff.h
TEST(DeliveryExamples, Backoff) {
  const std::int64_t first_attempt_ms = kT0;
  std::vector<std::string> done;
  auto MarkDeadLetter = [&](const std::string& id) { done.push_back("dead " + id); };
  auto Schedule = [&](const std::string& id, std::int64_t at) {
    done.push_back("retry " + id + " +" + std::to_string(at - first_attempt_ms));
  };
  auto run = [&](std::int64_t now_ms, const std::string& id) -> Status {
    BackoffPolicy policy;  // 1 s, x2, capped at 5 min, 24 h
    KP_RETURN_IF_ERROR(Validate(policy));
    RetryDecision d = NextAttempt(policy, /*failed_attempts=*/3, first_attempt_ms, now_ms,
                                  [] { return 0.999999; });  // SecureJitter(), at its top
    if (d.dead_letter)
      MarkDeadLetter(id);
    else
      Schedule(id, d.next_attempt_ms);
    return Ok();
  };
  ASSERT_TRUE(run(kT0, "m-1").ok());
  ASSERT_TRUE(run(kT0 + 24 * 3600 * 1000, "m-2").ok());
  // Attempt 3: d(3) = 1 s * 2^2 = 4 s; full jitter stays within 0 .. 4 s.
  EXPECT_EQ(done, (std::vector<std::string>{"retry m-1 +4000", "dead m-2"}));
  const double r = SecureJitter()();
  EXPECT_GE(r, 0.0);
  EXPECT_LT(r, 1.0);
}

// gateway/delivery/outbox_worker.h
TEST(DeliveryExamples, OutboxWorker) {
  store::test::TempDir dir;
  auto opened = store::test::MigratedDatabase(dir.File("kp.db"));
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  store::Database& db = *opened;
  std::mutex db_mutex;
  crypto::testing::TempDir certs;
  crypto::testing::TestPki pki(certs);
  crypto::testing::TestParty tls = pki.Issue("tls", {.tls_client = true});
  const crypto::Keyring& keyring = pki.keys;
  const std::vector<crypto::Certificate> tls_chain{tls.cert};
  const std::string token = "kpt_issued-by-the-peer";

  OutboxWorker::Config c;
  c.db = &db;
  c.db_mutex = &db_mutex;
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

// gateway/delivery/receipt.h
TEST(DeliveryExamples, Receipt) {
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
