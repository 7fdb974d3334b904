// The receiving half of federation through its route, without a server: a Router with
// RegisterFederationRoutes, requests whose client certificate (Request::client_cert_sha256)
// the test sets as a mutual-TLS server would, and a real SQLCipher database. Three peers are
// known: B serves shop-denhaag, C serves meldpunt-rotterdam; comensha is served here.
#include "gateway/federation/federation_service.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "adapters/kinds/registry.h"
#include "gateway/api/router.h"
#include "gateway/audit/audit_log.h"
#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/envelope.h"
#include "gateway/federation/status_report.h"
#include "gateway/messages/live_directory.h"
#include "gateway/server/federation_routes.h"
#include "gateway/store/db_key.h"
#include "gateway/store/group_commit.h"
#include "gateway/store/message_repository.h"
#include "gateway/store/migrations.h"

namespace ketenpoort::server {
namespace {

using nlohmann::json;
namespace ct = crypto::testing;

constexpr std::int64_t kNow = 1795392000000;  // 2026-11-23T00:00:00Z
const std::string kGwB = "https://gw-b.example.org:8443";
const std::string kGwC = "https://gw-c.example.org:8443";

class FederationServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto directory = Directory::FromOrganisations({
        {.id = "comensha",
         .name = "CoMensha",
         .kind = OrgKind::kNationalRegistration,
         .regions = {"NL"},
         .accepts = {"signal"},
         .certificate_pem = comensha_.cert.ToPem()},
        {.id = "shop-denhaag",
         .name = "SHOP",
         .kind = OrgKind::kCareCoordination,
         .regions = {"GM0518"},
         .accepts = {"signal"},
         .gateway_url = kGwB},
        {.id = "meldpunt-rotterdam",
         .name = "Meldpunt",
         .kind = OrgKind::kReportPoint,
         .regions = {"GM0599"},
         .accepts = {"signal"},
         .gateway_url = kGwC},
    });
    ASSERT_TRUE(directory.ok()) << directory.error().ToString();
    directory_.emplace(*DirectorySnapshot::Make(std::move(*directory), RoutingRules{}));

    auto db = store::Database::Open(dir_.File("f.db"), store::DbKey::Generate(),
                                    store::OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    ASSERT_TRUE(store::Migrate(*db).ok());
    db_.emplace(std::move(*db));

    commits_.emplace(*db_);
    FederationService::Config c;
    c.commits = &*commits_;
    c.directory = &*directory_;
    c.keyring = &pki_.keys;
    c.receipt_key_id = "gw-a";
    c.kinds = &kinds::BuiltinKinds();
    c.gateway_id = "gw-a";
    c.certificate_pem = gw_a_.cert.ToPem();
    c.clock = [] { return kNow; };
    auto service = FederationService::Create(std::move(c));
    ASSERT_TRUE(service.ok()) << service.error().ToString();
    service_ = std::move(*service);
    RegisterFederationRoutes(router_, *service_);
  }

  // The peer tokens this gateway issued: B's and C's bound to their certificates, and one of
  // B's from before tokens were bound.
  Result<Principal> Authenticate(std::string_view token) const {
    if (token == "peer-b")
      return Principal{
          .token_id = 11,
          .org = "gw-b",
          .role = Role::kPeer,
          .peer = {.gateway_url = kGwB, .cert_sha256 = gw_b_.cert.Sha256Fingerprint()}};
    if (token == "peer-c")
      return Principal{
          .token_id = 12,
          .org = "gw-c",
          .role = Role::kPeer,
          .peer = {.gateway_url = kGwC, .cert_sha256 = gw_c_.cert.Sha256Fingerprint()}};
    if (token == "peer-b-unbound")
      return Principal{.token_id = 13, .org = "gw-b", .role = Role::kPeer};
    return Unauthenticated("token not recognised");
  }

  json Delivery(const std::string& id, const std::string& from) {
    auto sealed = crypto::SealCms(AsBytes(std::string("synthetic signal")), {comensha_.cert});
    EXPECT_TRUE(sealed.ok());
    return {{"id", id},
            {"kind", "signal"},
            {"from", from},
            {"recipients", {"comensha"}},
            {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
            {"subject_ref", "a5808f56c6117d6730668e4953802f6dc18344669da05905ec56f481e7d27675"},
            {"legal_basis", "vital_interest"},
            {"deadline", nullptr},
            {"expires", nullptr},
            {"created", "2026-11-22T23:59:00.000Z"},
            {"payload", sealed.ok() ? crypto::Base64Encode(*sealed) : ""}};
  }

  // POST /v1/federation/messages with `token` from a connection that presented the certificate
  // of fingerprint `cert_sha256` ("" for none).
  api::Response Post(const std::string& token, const std::string& cert_sha256, const json& body,
                     const std::string& path = "/v1/federation/messages") {
    api::Request r;
    r.method = "POST";
    r.path = path;
    r.headers["Authorization"] = "Bearer " + token;
    r.headers["Content-Type"] = "application/json";
    r.body = body.dump();
    r.remote_address = "192.0.2.7";
    r.client_cert_sha256 = cert_sha256;
    r.request_id = "test";
    return api::Response::Wait(router_.Dispatch(
        r, [this](std::string_view t, const api::Request&) { return Authenticate(t); }));
  }

  static std::string CodeOf(const api::Response& r) {
    return json::parse(r.body)["error"].value("code", "");
  }

  bool Stored(const std::string& id) {
    auto found = db_->Read([&](store::Database& db) {
      return store::MessageRepository(db).Find(id, /*with_payload=*/false);
    });
    EXPECT_TRUE(found.ok());
    return found.ok() && found->has_value();
  }

  std::vector<audit::AuditEntry> Trail() {
    auto entries = db_->Read(
        [](store::Database& db) { return audit::AuditLog().Query(db, audit::AuditQuery{}); });
    EXPECT_TRUE(entries.ok());
    std::vector<audit::AuditEntry> out;
    for (const auto& e : entries.ok() ? *entries : std::vector<audit::StoredEntry>{})
      out.push_back(e.entry);
    return out;
  }

  ct::TempDir dir_;
  ct::TestPki pki_{dir_};
  ct::TestParty gw_a_ = pki_.Issue("gw-a", {.tls_server = true, .tls_client = true});
  ct::TestParty gw_b_ = pki_.Issue("gw-b", {.tls_client = true});
  ct::TestParty gw_c_ = pki_.Issue("gw-c", {.tls_client = true});
  ct::TestParty comensha_ = pki_.Issue("comensha", {.smime = true});
  std::optional<LiveDirectory> directory_;
  std::optional<store::GuardedDatabase> db_;
  std::optional<store::GroupCommit> commits_;  // before service_, which uses it
  std::unique_ptr<FederationService> service_;
  api::Router router_;
};

TEST_F(FederationServiceTest, APeerDeliversForItsOwnOrganisationsWithItsOwnCertificate) {
  auto r = Post("peer-b", gw_b_.cert.Sha256Fingerprint(), Delivery("msg-b-1", "shop-denhaag"));
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["receipt"]["message_id"], "msg-b-1");
  EXPECT_TRUE(Stored("msg-b-1"));
}

TEST_F(FederationServiceTest, APeerCannotDeliverForAnOrganisationOfAnotherGateway) {
  // B's token, B's certificate, but a sender C serves: the forged sender never lands.
  auto r =
      Post("peer-b", gw_b_.cert.Sha256Fingerprint(), Delivery("msg-b-2", "meldpunt-rotterdam"));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(CodeOf(r), "sender_not_served_by_peer");
  EXPECT_FALSE(Stored("msg-b-2"));
  auto trail = Trail();
  ASSERT_FALSE(trail.empty());
  const audit::AuditEntry& e = trail.back();
  EXPECT_EQ(e.event, "deliver");
  EXPECT_EQ(e.outcome, "sender_not_served_by_peer");
  EXPECT_EQ(e.user, "gw-b");
  EXPECT_EQ(e.object, "msg-b-2");
  EXPECT_EQ(e.responsible_user, "");  // the claimed sender is not recorded as acting
  // C itself may.
  auto by_c =
      Post("peer-c", gw_c_.cert.Sha256Fingerprint(), Delivery("msg-c-1", "meldpunt-rotterdam"));
  EXPECT_EQ(by_c.status, 202) << by_c.body;
}

TEST_F(FederationServiceTest, AMalformedOrExpiredDeliveryIsRefusedAndAudited) {
  struct Case {
    std::string what;
    json body;
    int status;
    std::string code;
    std::string object;  // the audit entry's: the id when the body has a well-formed one
  };
  json no_payload = Delivery("msg-b-5", "shop-denhaag");
  no_payload.erase("payload");
  json bad_id = Delivery("msg b 6", "shop-denhaag");
  json expired = Delivery("msg-b-7", "shop-denhaag");
  expired["expires"] = "2026-11-22T00:00:00.000Z";  // before kNow
  json not_an_envelope = Delivery("msg-b-8", "shop-denhaag");
  not_an_envelope["payload"] = "c3ludGhldGlj";  // base64, but of no CMS envelope
  const std::vector<Case> cases = {
      // Refused by the parser in the route (messages/federation_message.h) ...
      {"no payload", no_payload, 400, "invalid_request", "msg-b-5"},
      {"a malformed id", bad_id, 400, "invalid_message_id", ""},
      // ... and by the service.
      {"an expiry in the past", expired, 400, "invalid_time", "msg-b-7"},
      {"a payload that is no envelope", not_an_envelope, 422, "", "msg-b-8"},
  };
  for (const Case& c : cases) {
    auto r = Post("peer-b", gw_b_.cert.Sha256Fingerprint(), c.body);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.body;
    if (!c.code.empty()) {
      EXPECT_EQ(CodeOf(r), c.code) << c.what;
    }
    EXPECT_FALSE(CodeOf(r).empty()) << c.what;
    auto trail = Trail();
    ASSERT_FALSE(trail.empty());
    const audit::AuditEntry& e = trail.back();
    EXPECT_EQ(e.event, "deliver") << c.what;
    EXPECT_EQ(e.outcome, CodeOf(r)) << c.what;
    EXPECT_EQ(e.user, "gw-b") << c.what;
    EXPECT_EQ(e.object, c.object) << c.what;
  }
  EXPECT_FALSE(Stored("msg-b-5"));
  EXPECT_FALSE(Stored("msg-b-7"));
  EXPECT_FALSE(Stored("msg-b-8"));
}

TEST_F(FederationServiceTest, APeerTokenFromAConnectionWithoutItsCertificateIsRefused) {
  struct Case {
    std::string token;
    std::string cert;
    std::string code;
    std::string object;
  };
  const std::vector<Case> cases = {
      {"peer-b", gw_c_.cert.Sha256Fingerprint(), "peer_certificate_mismatch", "api_token:11"},
      {"peer-b", "", "peer_certificate_mismatch", "api_token:11"},
      {"peer-b", gw_a_.cert.Sha256Fingerprint(), "peer_certificate_mismatch", "api_token:11"},
      {"peer-b-unbound", gw_b_.cert.Sha256Fingerprint(), "peer_token_unbound", "api_token:13"},
  };
  int n = 0;
  for (const Case& c : cases) {
    const std::string id = "msg-x-" + std::to_string(++n);
    auto r = Post(c.token, c.cert, Delivery(id, "shop-denhaag"));
    EXPECT_EQ(r.status, 403) << c.code << ": " << r.body;
    EXPECT_EQ(CodeOf(r), c.code);
    EXPECT_FALSE(Stored(id));
    auto trail = Trail();
    ASSERT_FALSE(trail.empty());
    const audit::AuditEntry& e = trail.back();
    EXPECT_EQ(e.event, "auth_failed");
    EXPECT_EQ(e.outcome, c.code);
    EXPECT_EQ(e.user, "gw-b");
    EXPECT_EQ(e.role, "peer");
    EXPECT_EQ(e.object, c.object);
    EXPECT_EQ(e.source_address, "192.0.2.7");
  }
}

TEST_F(FederationServiceTest, AReplayGetsAReceiptOnlyFromThePeerThatSentTheMessage) {
  const json body = Delivery("msg-b-3", "shop-denhaag");
  ASSERT_EQ(Post("peer-b", gw_b_.cert.Sha256Fingerprint(), body).status, 202);
  auto again = Post("peer-b", gw_b_.cert.Sha256Fingerprint(), body);
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(json::parse(again.body)["receipt"]["message_id"], "msg-b-3");
  // C replays B's message: no receipt for a message C did not send.
  auto by_c = Post("peer-c", gw_c_.cert.Sha256Fingerprint(), body);
  EXPECT_EQ(by_c.status, 403) << by_c.body;
  EXPECT_EQ(CodeOf(by_c), "sender_not_served_by_peer");
  EXPECT_FALSE(json::parse(by_c.body).contains("receipt"));
}

TEST_F(FederationServiceTest, OrganisationTokensAreNotPeersAndNeedNoCertificate) {
  api::Router router;
  RegisterFederationRoutes(router, *service_);
  router.Add("GET", "/v1/directory", api::Access::AnyToken(),
             [](api::Request&) { return api::Response::Json(200, json::array()); });
  api::Request r;
  r.method = "GET";
  r.path = "/v1/directory";
  r.headers["Authorization"] = "Bearer org";
  auto org = [](std::string_view, const api::Request&) -> Result<Principal> {
    return Principal{.token_id = 1, .org = "comensha", .role = Role::kCoordinator};
  };
  EXPECT_EQ(router.Dispatch(r, org).status, 200);
  // A peer token on a route of any role is held to its certificate too.
  api::Request peer = r;
  peer.headers["Authorization"] = "Bearer peer-b";
  auto as_peer = [this](std::string_view t, const api::Request&) { return Authenticate(t); };
  auto refused = router.Dispatch(peer, as_peer);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(CodeOf(refused), "peer_certificate_mismatch");
  peer.client_cert_sha256 = gw_b_.cert.Sha256Fingerprint();
  EXPECT_EQ(router.Dispatch(peer, as_peer).status, 200);
}

// Status reports: shop-denhaag, the sender, lives on B; its move on the message B delivered
// here for comensha is applied once, and only when B reports it in shop-denhaag's name.
TEST_F(FederationServiceTest, AStatusReportIsAppliedOnceAndOnlyFromThePartysOwnGateway) {
  ASSERT_EQ(
      Post("peer-b", gw_b_.cert.Sha256Fingerprint(), Delivery("msg-b-9", "shop-denhaag")).status,
      202);
  auto report = [&](const ct::TestParty& gw, const std::string& gateway_id, const std::string& id,
                    const std::string& actor, const std::string& state) {
    delivery::StatusReport r{.id = id,
                             .message_id = "msg-b-9",
                             .recipient = "comensha",
                             .state = state,
                             .actor = actor,
                             .set_ms = kNow,
                             .gateway = gateway_id};
    auto signed_report = delivery::SignStatusReport(pki_.keys, gateway_id, r);
    EXPECT_TRUE(signed_report.ok());
    return delivery::ToJson(delivery::StatusReportPost{*signed_report, gw.cert.ToPem()});
  };
  auto post = [&](const std::string& token, const ct::TestParty& gw, const json& body) {
    return Post(token, gw.cert.Sha256Fingerprint(), body, "/v1/federation/status");
  };
  auto closed_events = [&] {
    auto events = db_->Read(
        [](store::Database& db) { return store::MessageRepository(db).Events("msg-b-9"); });
    EXPECT_TRUE(events.ok());
    int n = 0;
    for (const auto& e : events.ok() ? *events : std::vector<store::DeliveryEvent>{})
      n += e.recipient_org == "comensha" && e.state == "closed";
    return n;
  };

  // C serves neither party; B does not serve the recipient; the sender may not "assess".
  auto by_c = post("peer-c", gw_c_, report(gw_c_, "gw-c", "r-1", "shop-denhaag", "closed"));
  EXPECT_EQ(by_c.status, 403) << by_c.body;
  EXPECT_EQ(CodeOf(by_c), "party_not_served_by_peer");
  auto as_recipient = post("peer-b", gw_b_, report(gw_b_, "gw-b", "r-2", "comensha", "closed"));
  EXPECT_EQ(as_recipient.status, 403) << as_recipient.body;
  EXPECT_EQ(CodeOf(as_recipient), "actor_not_party");
  auto assess = post("peer-b", gw_b_, report(gw_b_, "gw-b", "r-3", "shop-denhaag", "assessed"));
  EXPECT_EQ(assess.status, 403) << assess.body;
  EXPECT_EQ(CodeOf(assess), "state_not_permitted");
  EXPECT_EQ(closed_events(), 0);

  // B's report in the sender's name is applied, with a receipt of the report.
  const json closing = report(gw_b_, "gw-b", "r-4", "shop-denhaag/j.devries", "closed");
  auto first = post("peer-b", gw_b_, closing);
  ASSERT_EQ(first.status, 202) << first.body;
  EXPECT_EQ(json::parse(first.body)["receipt"]["message_id"], "r-4");
  EXPECT_EQ(json::parse(first.body)["receipt"]["recipients"], json::array({"comensha"}));
  EXPECT_EQ(closed_events(), 1);
  // Again: the same receipt, nothing applied twice. The same id with other content: refused.
  auto again = post("peer-b", gw_b_, closing);
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(json::parse(again.body)["receipt"]["received"],
            json::parse(first.body)["receipt"]["received"]);
  EXPECT_EQ(closed_events(), 1);
  auto conflict = post("peer-b", gw_b_, report(gw_b_, "gw-b", "r-4", "shop-denhaag", "closed"));
  EXPECT_EQ(conflict.status, 409) << conflict.body;
  EXPECT_EQ(CodeOf(conflict), "report_id_conflict");
  // A report signed by B but sent over C's connection is not C's.
  auto borrowed = post("peer-c", gw_c_, report(gw_b_, "gw-b", "r-5", "shop-denhaag", "closed"));
  EXPECT_EQ(borrowed.status, 403) << borrowed.body;
  EXPECT_EQ(CodeOf(borrowed), "report_signer_mismatch");

  int applied = 0;
  std::vector<std::string> refused;
  for (const audit::AuditEntry& e : Trail()) {
    if (e.event != "status_change")
      continue;
    if (e.outcome == "success") {
      ++applied;
      EXPECT_EQ(e.user, "shop-denhaag/j.devries");
      EXPECT_EQ(e.organisation, "shop-denhaag");
      EXPECT_EQ(e.responsible_user, "gw-b");
      EXPECT_EQ(e.object, "msg-b-9");
    } else {
      refused.push_back(e.outcome);
    }
  }
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(refused, (std::vector<std::string>{"party_not_served_by_peer", "actor_not_party",
                                               "state_not_permitted", "report_signer_mismatch"}));
}

}  // namespace
}  // namespace ketenpoort::server
