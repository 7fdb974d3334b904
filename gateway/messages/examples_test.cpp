// The examples at the top of gateway/messages' headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <cstdint>
#include <future>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adapters/kinds/registry.h"
#include "gateway/audit/audit_log.h"
#include "gateway/core/directory.h"
#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/envelope.h"
#include "gateway/crypto/hash.h"
#include "gateway/messages/federation_message.h"
#include "gateway/messages/live_directory.h"
#include "gateway/messages/message_fields.h"
#include "gateway/messages/message_header.h"
#include "gateway/messages/message_request.h"
#include "gateway/messages/message_results.h"
#include "gateway/messages/message_service.h"
#include "gateway/messages/sender_notice.h"
#include "gateway/store/db_key.h"
#include "gateway/store/group_commit.h"
#include "gateway/store/guarded_database.h"
#include "gateway/store/message_repository.h"
#include "gateway/store/migrations.h"

namespace ketenpoort::delivery {
namespace {

using nlohmann::json;

constexpr std::int64_t kNow = 1795392000000;  // 2026-11-23T00:00:00Z

// gateway/messages/federation_message.h
TEST(MessagesExamples, FederationMessage) {
  store::MessageRecord record;
  record.id = "m-5f0c";
  record.kind = "signal";
  record.sender_org = "shop-denhaag";
  record.subject_ref = "2aeff54d85cfe85dd22dd31f98f770f72217c1f60f065a19fcbfed64bd94e232";
  record.routing = {{"region", "GM0518"}, {"age_band", "adult"}};
  record.legal_basis = "vital_interest";
  record.created_ms = kNow;
  record.expires_ms = kNow + 30LL * 24 * 3600 * 1000;
  record.payload = Bytes{0x30, 0x80, 0x06, 0x09};
  auto run = [&]() -> Status {
    FederationMessage m = FederationMessageOf(record, {"comensha"});  // the peer's recipients
    std::string body = ToJson(m).dump();                              // what the outbox posts
    KP_ASSIGN_OR_RETURN(FederationMessage in, FederationMessageFromJson(json::parse(body)));
    EXPECT_EQ(in, m);
    EXPECT_EQ(json::parse(body)["expires"], "2026-12-23T00:00:00.000Z");
    EXPECT_EQ(json::parse(body)["deadline"], nullptr);
    EXPECT_FALSE(HeaderToJson(m).contains("payload"));
    return Ok();
  };
  Status s = run();
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  // A key not listed: unknown_field.
  json extra = ToJson(FederationMessageOf(record, {"comensha"}));
  extra["note"] = "x";
  auto refused = FederationMessageFromJson(extra);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "unknown_field");
}

// gateway/messages/message_header.h
TEST(MessagesExamples, MessageHeader) {
  const std::int64_t now_ms = kNow;
  auto read = [&](const json& body) -> Status {
    JsonFields f(body, "", "invalid_request");
    KP_ASSIGN_OR_RETURN(CommonHeader h, ReadCommonHeader(f));   // subject_ref, deadline, expires
    KP_RETURN_IF_ERROR(CheckNotExpired(h.expires_ms, now_ms));  // 400 invalid_time "expires"
    KP_ASSIGN_OR_RETURN(std::int64_t ms, ParseRequestTime("2026-12-01T12:00:00Z", "deadline"));
    KP_ASSIGN_OR_RETURN(Bytes der, DecodePayload(body["payload"].get<std::string>()));
    EXPECT_EQ(h.subject_ref, "2aeff54d85cfe85dd22dd31f98f770f72217c1f60f065a19fcbfed64bd94e232");
    EXPECT_EQ(ms, 1796126400000);
    EXPECT_EQ(der, (Bytes{1, 2, 3}));
    return Ok();
  };
  json body = {{"subject_ref", "2aeff54d85cfe85dd22dd31f98f770f72217c1f60f065a19fcbfed64bd94e232"},
               {"expires", "2026-12-23T10:00:00.000Z"},
               {"payload", crypto::Base64Encode(Bytes{1, 2, 3})}};
  Status ok = read(body);
  EXPECT_TRUE(ok.ok()) << ok.error().ToString();
  body["expires"] = "2026-11-22T10:00:00Z";  // before now
  Status expired = read(body);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, "invalid_time");
  EXPECT_EQ(expired.error().field, "expires");
}

}  // namespace
}  // namespace ketenpoort::delivery

namespace ketenpoort::server {
namespace {

using nlohmann::json;

// gateway/messages/message_fields.h
TEST(MessagesExamples, MessageFields) {
  crypto::testing::TempDir dir;
  crypto::testing::TestPki pki(dir);
  crypto::testing::TestParty comensha = pki.Issue("comensha", {.smime = true});
  crypto::testing::TestParty other = pki.Issue("other", {.smime = true});
  auto parsed = Directory::FromOrganisations({{.id = "comensha",
                                               .name = "CoMensha",
                                               .kind = OrgKind::kNationalRegistration,
                                               .regions = {"NL"},
                                               .accepts = {"signal"},
                                               .certificate_pem = comensha.cert.ToPem()}});
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  const Directory& directory = *parsed;
  const std::int64_t now_ms = 1795392000000;
  auto check = [&](const json& body) -> Status {
    JsonFields f(body, "", "invalid_request");
    KP_ASSIGN_OR_RETURN(CommonHeader h, ReadCommonHeader(f, now_ms));   // expiry still ahead
    KP_ASSIGN_OR_RETURN(auto certs, DirectoryCertificates(directory));  // org id -> cert
    KP_ASSIGN_OR_RETURN(SealedPayload sealed, DecodeSealedPayload(body["payload"]));
    if (!sealed.info.IsFor(certs.at("comensha")))
      return Refused("envelope_recipient_mismatch", "not encrypted for comensha", "payload");
    EXPECT_EQ(h.subject_ref, "2aeff54d85cfe85dd22dd31f98f770f72217c1f60f065a19fcbfed64bd94e232");
    return Ok();
  };
  auto body_for = [](const crypto::Certificate& cert) {
    auto sealed = crypto::SealCms(AsBytes(std::string("synthetic signal")), {cert});
    EXPECT_TRUE(sealed.ok());
    return json{{"subject_ref", "2aeff54d85cfe85dd22dd31f98f770f72217c1f60f065a19fcbfed64bd94e232"},
                {"expires", "2026-12-23T10:00:00.000Z"},
                {"payload", sealed.ok() ? crypto::Base64Encode(*sealed) : ""}};
  };
  Status ok = check(body_for(comensha.cert));
  EXPECT_TRUE(ok.ok()) << ok.error().ToString();
  Status mismatch = check(body_for(other.cert));
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code, "envelope_recipient_mismatch");
  json expired = body_for(comensha.cert);
  expired["expires"] = "2026-11-22T10:00:00Z";
  Status late = check(expired);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, "invalid_time");
  json not_an_envelope = body_for(comensha.cert);
  not_an_envelope["payload"] = crypto::Base64Encode(Bytes{1, 2, 3});
  Status refused = check(not_an_envelope);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "payload");
}

// gateway/messages/message_request.h
TEST(MessagesExamples, MessageRequest) {
  crypto::testing::TempDir dir;
  crypto::testing::TestPki pki(dir);
  const crypto::Certificate cert = pki.Issue("comensha", {.smime = true}).cert;
  auto sealed = crypto::SealCms(AsBytes(std::string("synthetic signal")), {cert});
  ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
  json body = {{"kind", "signal"},
               {"recipients", {"comensha"}},
               {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
               {"payload", crypto::Base64Encode(*sealed)}};
  const std::string raw_body = body.dump();
  // Only a follow-up or a hand-off on consent about a client needs stored state to check.
  EXPECT_FALSE(SubmissionReadsStore(body));
  json on_consent = body;
  on_consent["legal_basis"] = "consent";
  EXPECT_FALSE(SubmissionReadsStore(on_consent)) << "no client named: nothing to look up";
  on_consent["subject_ref"] = std::string(64, 'a');
  EXPECT_TRUE(SubmissionReadsStore(on_consent));
  json per_recipient = body;
  per_recipient["subject_ref"] = std::string(64, 'a');
  per_recipient["legal_bases"] = {{"comensha", "consent"}};
  EXPECT_TRUE(SubmissionReadsStore(per_recipient));
  json follow_up = body;
  follow_up["follows"] = "m-5f0c";
  EXPECT_TRUE(SubmissionReadsStore(follow_up));
  EXPECT_FALSE(SubmissionReadsStore(json::array()));
  auto read = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(Submission s, SubmissionFromJson(body));
    EXPECT_EQ(s.routing.kind, "signal");  // "signal"
    EXPECT_EQ(*s.recipients, std::vector<std::string>{"comensha"});
    EXPECT_TRUE(s.payload->info.IsFor(cert));  // whom the envelope is encrypted for
    KP_ASSIGN_OR_RETURN(StatusChange c, StatusChangeFromJson(json{{"state", "assessed"}}));
    KP_ASSIGN_OR_RETURN(IdempotencyKey k, ReadIdempotencyKey("k-1", raw_body));
    EXPECT_EQ(c.state, "assessed");
    EXPECT_EQ(c.reason, "");
    EXPECT_EQ(k.key, "k-1");
    EXPECT_EQ(k.request_sha256, crypto::Sha256(AsBytes(raw_body)));
    return Ok();
  };
  Status ok = read();
  EXPECT_TRUE(ok.ok()) << ok.error().ToString();

  json resolved = body;
  resolved.erase("recipients");  // the routing rules decide
  auto without = SubmissionFromJson(resolved);
  ASSERT_TRUE(without.ok()) << without.error().ToString();
  ASSERT_TRUE(without->recipients.ok());
  EXPECT_FALSE(without->recipients->has_value());
  // A field that cannot be read keeps its error for the service to answer in its place.
  json no_envelope = body;
  no_envelope["payload"] = "AAAA";
  auto kept = SubmissionFromJson(no_envelope);
  ASSERT_TRUE(kept.ok()) << kept.error().ToString();
  ASSERT_FALSE(kept->payload.ok());
  EXPECT_EQ(kept->payload.error().code, "invalid_envelope");
  json extra = body;
  extra["colour"] = "red";
  auto refused = SubmissionFromJson(extra);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "unknown_field");
  EXPECT_EQ(refused.error().field, "colour");
  auto reason = StatusChangeFromJson(json{{"state", "assessed"}, {"reason", "a\nb"}});
  ASSERT_FALSE(reason.ok());
  EXPECT_EQ(reason.error().code, "invalid_reason");
  auto key = ReadIdempotencyKey(std::string(201, 'k'), raw_body);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code, "invalid_idempotency_key");
  EXPECT_EQ(key.error().field, "Idempotency-Key");
}

// gateway/messages/message_results.h
TEST(MessagesExamples, MessageResults) {
  const std::int64_t now_ms = 1795392000000;  // 2026-11-23T00:00:00Z
  Accepted a{.id = "m-5f0c", .recipients = {"comensha"}};
  EXPECT_EQ(ToJson(a).dump(), R"({"id":"m-5f0c","recipients":["comensha"],"status":"accepted"})");
  StatusChanged c{.id = "m-5f0c", .org = "comensha", .state = "assessed", .time_ms = now_ms};
  EXPECT_EQ(ToJson(c).dump(), R"({"id":"m-5f0c","org":"comensha","state":"assessed",)"
                              R"("time":"2026-11-23T00:00:00.000Z"})");
  EXPECT_EQ(ToJson(Recalled{.id = "m-5f0c"}).dump(), R"({"id":"m-5f0c","status":"recalled"})");
  // A state of a whole message names the deliveries it moved.
  c.recipients = std::vector<std::string>{"ind"};
  EXPECT_EQ(ToJson(c)["recipients"], json({"ind"}));
  // Empty optional members are left out, but a tracking's "deadline" and "recalled" are null.
  MessageTracking t{.id = "m-5f0c", .kind = "signal"};
  t.recipients.push_back({.org = "comensha",
                          .state = "delivered",
                          .events = {{.state = "delivered", .time_ms = now_ms, .by = "gateway"}}});
  EXPECT_EQ(ToJson(t).dump(),
            R"({"codelists":{},"deadline":null,"id":"m-5f0c","kind":"signal","legal_basis":"",)"
            R"("notices":[],)"
            R"("recalled":null,"recipients":[{"events":[{"by":"gateway","state":"delivered",)"
            R"("time":"2026-11-23T00:00:00.000Z"}],"legal_basis":"","org":"comensha",)"
            R"("state":"delivered"}]})");
  InboxPage empty{.next = 7};
  EXPECT_EQ(ToJson(empty).dump(), R"({"messages":[],"next":"7"})");
}

// gateway/messages/sender_notice.h
TEST(MessagesExamples, SenderNotice) {
  auto directory = Directory::FromOrganisations({{.id = "shop-denhaag",
                                                  .name = "SHOP",
                                                  .kind = OrgKind::kCareCoordination,
                                                  .regions = {"GM0518"},
                                                  .contact_email = "coordinatie@example.org"},
                                                 {.id = "comensha",
                                                  .name = "CoMensha",
                                                  .kind = OrgKind::kNationalRegistration,
                                                  .regions = {"NL"}}});
  ASSERT_TRUE(directory.ok()) << directory.error().ToString();
  const std::int64_t now_ms = 1795392000000;
  store::MessageRecord message;
  message.id = "m-5f0c";
  message.sender_org = "shop-denhaag";
  store::NoticeRecord n =
      SenderNotice(message, "status", "wende-denhaag", "declined (no_place)", now_ms, &*directory);
  EXPECT_EQ(n.to_org, "shop-denhaag");
  EXPECT_EQ(n.key, "status:wende-denhaag:declined (no_place):" + std::to_string(now_ms));
  EXPECT_EQ(n.mail_state, "pending");
  EXPECT_EQ(n.mail_next_ms, now_ms);
  message.sender_org = "comensha";  // no contact address
  EXPECT_EQ(
      SenderNotice(message, "dead_letter", "ind", "peer_refused", now_ms, &*directory).mail_state,
      "no_address");
  EXPECT_EQ(SenderNotice(message, "status", "ind", "received", now_ms, nullptr).mail_state, "none");
}

// gateway/messages/live_directory.h
TEST(MessagesExamples, LiveDirectory) {
  crypto::testing::TempDir tmp;
  crypto::testing::TestPki pki(tmp);
  const crypto::Certificate comensha_cert = pki.Issue("comensha", {.smime = true}).cert;
  auto dir = Directory::FromOrganisations({{.id = "comensha",
                                            .name = "CoMensha",
                                            .kind = OrgKind::kNationalRegistration,
                                            .regions = {"NL"},
                                            .accepts = {"signal"},
                                            .certificate_pem = comensha_cert.ToPem()}});
  ASSERT_TRUE(dir.ok()) << dir.error().ToString();
  auto routes = RoutingRules::Parse(
      R"({"version": 1, "rules": [{"id": "all", "match": {"kind": "signal"}, "to": ["comensha"]}]})",
      *dir);
  ASSERT_TRUE(routes.ok()) << routes.error().ToString();
  const RoutingInput input{.kind = "signal", .routing = {{"region", "GM0518"}}};

  auto first = DirectorySnapshot::Make(*dir, *routes);  // parses the certificates
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  LiveDirectory live(std::move(*first));
  auto now = live.Current();  // hold it for the whole operation
  const Organisation* org = now->directory.Find("comensha");
  ASSERT_NE(org, nullptr);
  EXPECT_EQ(now->routes.Resolve(input).recipients, std::vector<std::string>{"comensha"});
  EXPECT_TRUE(now->certificates.find("comensha")->second == comensha_cert);
  EXPECT_EQ(now->version, 1u);

  auto next_dir = Directory::FromOrganisations({{.id = "comensha",
                                                 .name = "CoMensha (new name)",
                                                 .kind = OrgKind::kNationalRegistration,
                                                 .regions = {"NL"},
                                                 .accepts = {"signal"},
                                                 .certificate_pem = comensha_cert.ToPem()}});
  ASSERT_TRUE(next_dir.ok());
  auto next_routes = RoutingRules::Parse(R"({"version": 1, "rules": []})", *next_dir);
  ASSERT_TRUE(next_routes.ok());
  EXPECT_EQ(live.Replace(std::move(*DirectorySnapshot::Make(*next_dir, *next_routes))), 2u);
  // `now` and `org` stay valid; the next Current() returns the new pair.
  EXPECT_EQ(org->name, "CoMensha");
  EXPECT_EQ(now->routes.Resolve(input).recipients.size(), 1u);
  EXPECT_EQ(live.Current()->directory.Find("comensha")->name, "CoMensha (new name)");
  EXPECT_TRUE(live.Current()->routes.Resolve(input).recipients.empty());

  // A certificate that does not parse: no snapshot.
  auto bad = Directory::FromOrganisations({{.id = "comensha",
                                            .name = "CoMensha",
                                            .kind = OrgKind::kNationalRegistration,
                                            .regions = {"NL"},
                                            .certificate_pem = "-----BEGIN CERTIFICATE-----\nAA\n"
                                                               "-----END CERTIFICATE-----\n"}});
  ASSERT_TRUE(bad.ok()) << bad.error().ToString();
  EXPECT_FALSE(DirectorySnapshot::Make(*bad, RoutingRules{}).ok());
}

// gateway/messages/message_service.h
TEST(MessagesExamples, MessageService) {
  crypto::testing::TempDir dir;
  crypto::testing::TestPki pki(dir);
  const crypto::Certificate shop_cert = pki.Issue("shop-denhaag", {.smime = true}).cert;
  const crypto::Certificate comensha_cert = pki.Issue("comensha", {.smime = true}).cert;
  auto parsed = Directory::FromOrganisations({{.id = "shop-denhaag",
                                               .name = "SHOP",
                                               .kind = OrgKind::kCareCoordination,
                                               .regions = {"GM0518"},
                                               .certificate_pem = shop_cert.ToPem()},
                                              {.id = "comensha",
                                               .name = "CoMensha",
                                               .kind = OrgKind::kNationalRegistration,
                                               .regions = {"NL"},
                                               .accepts = {"signal"},
                                               .certificate_pem = comensha_cert.ToPem()}});
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  const Directory& directory = *parsed;
  auto routes = RoutingRules::Parse(
      R"({"version": 1, "rules": [{"id": "signal-to-comensha", "match": {"kind": "signal"},)"
      R"( "to": ["comensha"]}]})",
      directory);
  ASSERT_TRUE(routes.ok()) << routes.error().ToString();
  auto opened =
      store::Database::Open(dir.File("m.db"), store::DbKey::Generate(), store::OpenMode::kCreate);
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  ASSERT_TRUE(store::Migrate(*opened).ok());
  store::GuardedDatabase db(std::move(*opened));

  store::GroupCommit commits(db);  // db: a store::GuardedDatabase
  LiveDirectory live(std::move(*DirectorySnapshot::Make(directory, *routes)));
  auto messages = MessageService::Create(db, commits, live, kinds::BuiltinKinds(), audit::NowMs);
  ASSERT_TRUE(messages.ok()) << messages.error().ToString();
  auto sealed = crypto::SealCms(AsBytes(std::string("synthetic signal")), {comensha_cert});
  ASSERT_TRUE(sealed.ok());
  const json body = {{"kind", "signal"},
                     {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
                     {"payload", crypto::Base64Encode(*sealed)}};
  Caller caller{Principal{.org = "shop-denhaag", .role = Role::kSender}, "127.0.0.1"};
  std::promise<Result<Accepted>> answered;
  (*messages)->Submit(caller, SubmissionFromJson(body), std::nullopt,
                      [&answered](Result<Accepted> accepted) {
                        // ToJson(*accepted): 202 {"id": "m-5f0c...", "status": "accepted",
                        //                          "recipients": ["comensha"]}
                        answered.set_value(std::move(accepted));
                      });
  Result<Accepted> accepted = answered.get_future().get();
  ASSERT_TRUE(accepted.ok()) << accepted.error().ToString();
  EXPECT_EQ(accepted->recipients, std::vector<std::string>{"comensha"});
  EXPECT_EQ(ToJson(*accepted)["status"], "accepted");

  Caller recipient{Principal{.org = "comensha", .role = Role::kRecipient}, "127.0.0.1"};
  Result<InboxPage> page = (*messages)->Inbox(recipient, /*after=*/0, /*limit=*/100);
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  ASSERT_EQ(page->messages.size(), 1u);
  EXPECT_EQ(page->messages[0].header.id, accepted->id);
  EXPECT_EQ(page->messages[0].state, "delivered");
  commits.Stop();  // before the database closes
}

}  // namespace
}  // namespace ketenpoort::server
