// The examples at the top of gateway/federation's headers, run as written (adapted only as much
// as needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adapters/kinds/registry.h"
#include "gateway/audit/audit_log.h"
#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/envelope.h"
#include "gateway/crypto/hash.h"
#include "gateway/federation/canonical_bytes.h"
#include "gateway/federation/federation_service.h"
#include "gateway/federation/outbox_worker.h"
#include "gateway/federation/receipt.h"
#include "gateway/federation/status_report.h"
#include "gateway/messages/live_directory.h"
#include "gateway/store/group_commit.h"
#include "gateway/store/guarded_database.h"
#include "gateway/store/message_repository.h"
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

// gateway/federation/canonical_bytes.h
TEST(FederationExamples, CanonicalBytes) {
  Bytes out;
  PutRaw(out, AsBytes("tag\n"));
  PutStr(out, "m-5f0c");
  PutU64(out, 1795392000000);
  EXPECT_EQ(out.size(), 4u + 4u + 6u + 8u);
  EXPECT_EQ(out[7], 6);   // the length's last byte
  EXPECT_EQ(out[14], 0);  // the integer's first byte
}

// gateway/federation/status_report.h
TEST(FederationExamples, StatusReport) {
  crypto::testing::TempDir certs;
  crypto::testing::TestPki pki(certs);
  crypto::testing::TestParty gw_b = pki.Issue("tls", {.tls_server = true});
  crypto::testing::TestParty other = pki.Issue("other", {.tls_server = true});
  const crypto::Keyring& keyring = pki.keys;
  const std::string tls_chain_pem = gw_b.cert.ToPem();

  StatusReport r{.id = "r-3c1d",
                 .message_id = "m-5f0c",
                 .recipient = "comensha",
                 .state = "assessed",
                 .actor = "comensha/a.bakker",
                 .set_ms = kT0,
                 .gateway = "gw-b"};
  auto signed_report = SignStatusReport(keyring, "tls", r);  // sending side
  ASSERT_TRUE(signed_report.ok()) << signed_report.error().ToString();
  nlohmann::json body = ToJson(StatusReportPost{*signed_report, tls_chain_pem});

  auto got = StatusReportPostFromJson(body);  // receiving side
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  auto leaf = crypto::Certificate::FromPem(got->certificate_pem);
  ASSERT_TRUE(leaf.ok());
  EXPECT_TRUE(VerifyStatusReport(got->report, *leaf).ok());
  EXPECT_EQ(got->report.report, r);
  EXPECT_EQ(body["report"]["set"], "2026-05-28T20:26:40.000Z");

  // Another key, or any changed field, is refused.
  EXPECT_EQ(VerifyStatusReport(got->report, other.cert).error().code, "report_signature_invalid");
  SignedStatusReport changed = got->report;
  changed.report.state = "closed";
  EXPECT_EQ(VerifyStatusReport(changed, *leaf).error().code, "report_signature_invalid");
  body["report"]["state"] = "Closed!";
  EXPECT_EQ(StatusReportPostFromJson(body).error().code, "invalid_status_report");
}

}  // namespace
}  // namespace ketenpoort::delivery

namespace ketenpoort::server {
namespace {

using nlohmann::json;

// gateway/federation/federation_service.h
TEST(FederationExamples, FederationService) {
  const std::string gw_b = "https://gw-b.example.org:8443";
  crypto::testing::TempDir certs;
  crypto::testing::TestPki pki(certs);
  crypto::testing::TestParty gw_a = pki.Issue("gw-a", {.tls_server = true, .tls_client = true});
  crypto::testing::TestParty gw_b_tls = pki.Issue("gw-b", {.tls_client = true});
  crypto::testing::TestParty comensha = pki.Issue("comensha", {.smime = true});
  // comensha is served here; shop-denhaag by gateway B, the caller.
  auto directory = Directory::FromOrganisations({
      {.id = "comensha",
       .name = "CoMensha",
       .kind = OrgKind::kNationalRegistration,
       .regions = {"NL"},
       .accepts = {"signal"},
       .certificate_pem = comensha.cert.ToPem()},
      {.id = "shop-denhaag",
       .name = "SHOP",
       .kind = OrgKind::kCareCoordination,
       .regions = {"GM0518"},
       .accepts = {"signal"},
       .gateway_url = gw_b},
  });
  ASSERT_TRUE(directory.ok()) << directory.error().ToString();
  store::test::TempDir dir;
  store::GuardedDatabase db(std::move(*store::test::MigratedDatabase(dir.File("kp.db"))));
  store::GroupCommit commits(db);
  FederationService::Config config;
  config.commits = &commits;
  server::LiveDirectory live(*server::DirectorySnapshot::Make(*directory, RoutingRules{}));
  config.directory = &live;
  config.keyring = &pki.keys;
  config.receipt_key_id = "gw-a";
  config.kinds = &kinds::BuiltinKinds();
  config.gateway_id = "gw-a";
  config.certificate_pem = gw_a.cert.ToPem();
  config.clock = [] { return std::int64_t{1795392000000}; };  // 2026-11-23T00:00:00Z
  const Caller caller{.principal = {.token_id = 11,
                                    .org = "gw-b",
                                    .role = Role::kPeer,
                                    .peer = {.gateway_url = gw_b,
                                             .cert_sha256 = gw_b_tls.cert.Sha256Fingerprint()}},
                      .source_address = "192.0.2.7"};
  auto sealed = crypto::SealCms(AsBytes(std::string("synthetic signal")), {comensha.cert});
  ASSERT_TRUE(sealed.ok());
  const json delivery = {
      {"id", "msg-b-1"},
      {"kind", "signal"},
      {"from", "shop-denhaag"},
      {"recipients", {"comensha"}},
      {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
      {"subject_ref", "a5808f56c6117d6730668e4953802f6dc18344669da05905ec56f481e7d27675"},
      {"legal_basis", "vital_interest"},
      {"deadline", nullptr},
      {"expires", nullptr},
      {"created", "2026-11-22T23:59:00.000Z"},
      {"payload", crypto::Base64Encode(*sealed)}};

  // The service must outlive the deliveries it queued: `done` runs after the commit.
  std::unique_ptr<FederationService> service;
  auto create = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(auto federation, FederationService::Create(config));
    service = std::move(federation);
    return Ok();
  };
  ASSERT_TRUE(create().ok());
  // One delivery through the example's lines; `done` hands the answer to the test's thread.
  auto deliver = [&](const json& body) -> Result<delivery::ReceiptAnswer> {
    FederationService* federation = service.get();
    std::promise<Result<delivery::ReceiptAnswer>> answered;
    FederationService::Done done = [&](Result<delivery::ReceiptAnswer> r) {
      answered.set_value(std::move(r));
    };
    auto message = delivery::FederationMessageFromJson(body);  // federation_routes.cpp
    if (!message)
      federation->Refuse(caller, message.error(), delivery::MessageIdOf(body), done);
    else
      federation->Receive(caller, std::move(*message), done);  // caller: role peer
    return answered.get_future().get();
  };

  auto answer = deliver(delivery);
  ASSERT_TRUE(answer.ok()) << answer.error().ToString();
  // done(ReceiptAnswer{receipt, certificate_pem}): 202 {"receipt": {"message_id",
  //   "recipients", "gateway", "received", "payload_sha256", "signature"},
  //   "certificate": "-----BEGIN CERTIFICATE-----..."} (federation/receipt.h)
  const json wire = ToJson(*answer);
  for (const char* field :
       {"message_id", "recipients", "gateway", "received", "payload_sha256", "signature"})
    EXPECT_TRUE(wire["receipt"].contains(field)) << field;
  EXPECT_EQ(wire["receipt"]["message_id"], "msg-b-1");
  EXPECT_EQ(wire["certificate"].get<std::string>().rfind("-----BEGIN CERTIFICATE-----", 0), 0u)
      << wire["certificate"];
  auto stored = db.Read(
      [](store::Database& conn) { return store::MessageRepository(conn).Find("msg-b-1", false); });
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->has_value());

  // A body the parser refuses: Refuse audits it under the id it named, and `done` gets the error.
  json malformed = delivery;
  malformed["id"] = "msg-b-2";
  malformed.erase("kind");
  auto refused = deliver(malformed);
  ASSERT_FALSE(refused.ok());
  auto trail = db.Read([](store::Database& conn) { return audit::AuditLog().Query(conn, {}); });
  ASSERT_TRUE(trail.ok());
  ASSERT_FALSE(trail->empty());
  EXPECT_EQ(trail->back().entry.object, "msg-b-2");
  EXPECT_EQ(trail->back().entry.outcome, refused.error().code);
}

}  // namespace
}  // namespace ketenpoort::server
