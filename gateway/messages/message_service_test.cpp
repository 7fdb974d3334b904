// The message service without a server: a real SQLCipher database, group commit, directory,
// routing rules and the built-in kinds. The documents each call answers are pinned byte for
// byte (ids and payloads filled in), so that how the answers are built may change but what a
// client reads may not. comensha and politie-avim-haaglanden are served here, meldpunt-rotterdam
// by a peer gateway.
#include "gateway/messages/message_service.h"

#include <gtest/gtest.h>

#include <future>
#include <optional>
#include <string>
#include <vector>

#include "adapters/kinds/registry.h"
#include "gateway/audit/audit_log.h"
#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/envelope.h"
#include "gateway/messages/live_directory.h"
#include "gateway/store/db_key.h"
#include "gateway/store/kind_repository.h"
#include "gateway/store/message_repository.h"
#include "gateway/store/migrations.h"

namespace ketenpoort::server {
namespace {

using nlohmann::json;
namespace ct = crypto::testing;

constexpr std::int64_t kNow = 1795392000000;  // 2026-11-23T00:00:00Z
const std::string kPeer = "https://gw-b.example.org:8443";

constexpr std::string_view kRoutes = R"({
  "version": 1,
  "rules": [
    {"id": "signal-to-comensha", "match": {"kind": "signal"}, "to": ["comensha"]},
    {"id": "signal-rotterdam", "match": {"kind": "signal", "region": "GM0599"},
     "to": ["meldpunt-rotterdam"]},
    {"id": "signal-haaglanden", "match": {"kind": "signal", "region": "GM0518"},
     "to": ["politie-avim-haaglanden"]},
    {"id": "b8-to-ind", "match": {"kind": "b8"}, "to": ["ind"]}
  ]
})";

// What a client reads: the document of a result (as the routes write it), or the error's code,
// field and message.
template <typename T>
std::string Doc(const Result<T>& r) {
  if (!r)
    return "error " + r.error().code + " " + r.error().field + ": " + r.error().message;
  return ToJson(*r).dump();
}

// Every code list at its latest version, as every message records them (the key and a comma).
const std::string kCodeLists =
    R"("codelists":{"age_band":1,"decline_reason":1,"exploitation":2,"gender":1,)"
    R"("indicator":1,"life_domain":1,"need":1,"outcome":1},)";

// `text` with every "{KEY}" replaced by its value.
std::string Fill(std::string text, const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [key, value] : values) {
    const std::string mark = "{" + key + "}";
    for (std::size_t at = text.find(mark); at != std::string::npos; at = text.find(mark, at))
      text.replace(at, mark.size(), value);
  }
  return text;
}

class MessageServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto directory = Directory::FromOrganisations({
        {.id = "shop-denhaag",
         .name = "SHOP",
         .kind = OrgKind::kCareCoordination,
         .regions = {"GM0518"},
         .accepts = {"referral"},
         .certificate_pem = shop_.cert.ToPem()},
        {.id = "comensha",
         .name = "CoMensha",
         .kind = OrgKind::kNationalRegistration,
         .regions = {"NL"},
         .accepts = {"signal"},
         .certificate_pem = comensha_.cert.ToPem()},
        {.id = "meldpunt-rotterdam",
         .name = "Meldpunt",
         .kind = OrgKind::kReportPoint,
         .regions = {"GM0599"},
         .accepts = {"signal"},
         .certificate_pem = meldpunt_.cert.ToPem(),
         .gateway_url = kPeer},
        {.id = "politie-avim-haaglanden",
         .name = "Politie",
         .kind = OrgKind::kPolice,
         .regions = {"GM0518"},
         .accepts = {"signal", "b8"},
         .certificate_pem = politie_.cert.ToPem()},
        {.id = "ind",
         .name = "IND",
         .kind = OrgKind::kImmigration,
         .regions = {"NL"},
         .accepts = {"b8"},
         .certificate_pem = ind_.cert.ToPem()},
    });
    ASSERT_TRUE(directory.ok()) << directory.error().ToString();
    directory_.emplace(std::move(*directory));
    auto routes = RoutingRules::Parse(kRoutes, *directory_);
    ASSERT_TRUE(routes.ok()) << routes.error().ToString();
    routes_.emplace(std::move(*routes));

    auto db = store::Database::Open(dir_.File("m.db"), store::DbKey::Generate(),
                                    store::OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    ASSERT_TRUE(store::Migrate(*db).ok());
    db_.emplace(std::move(*db));
    commits_.emplace(*db_);
    live_.emplace(*DirectorySnapshot::Make(*directory_, *routes_));
    auto service = MessageService::Create(*db_, *commits_, *live_, kinds::BuiltinKinds(),
                                          [this] { return now_; });
    ASSERT_TRUE(service.ok()) << service.error().ToString();
    service_ = std::move(*service);
  }

  static Caller As(const std::string& org, Role role, const std::string& user = "") {
    return Caller{Principal{.token_id = 1, .org = org, .role = role, .user = user}, "192.0.2.9"};
  }

  std::string Seal(const std::vector<const ct::TestParty*>& to) {
    std::vector<crypto::Certificate> certs;
    for (const ct::TestParty* p : to)
      certs.push_back(p->cert);
    auto sealed = crypto::SealCms(AsBytes(std::string("synthetic content")), certs);
    EXPECT_TRUE(sealed.ok());
    return sealed.ok() ? crypto::Base64Encode(*sealed) : "";
  }

  // POST /v1/messages as the route hands it on, `raw` the body as sent: waits for the answer
  // (after the commit).
  Result<Accepted> Submit(const Caller& caller, const json& body,
                          const std::optional<std::string>& key = std::nullopt,
                          std::optional<std::string> raw = std::nullopt) {
    std::optional<IdempotencyKey> idempotency;
    if (key) {
      auto read = ReadIdempotencyKey(*key, raw ? *raw : body.dump());
      EXPECT_TRUE(read.ok());
      idempotency = *read;
    }
    std::promise<Result<Accepted>> answered;
    service_->Submit(caller, SubmissionFromJson(body), std::move(idempotency),
                     [&answered](Result<Accepted> r) { answered.set_value(std::move(r)); });
    return answered.get_future().get();
  }

  Result<StatusChanged> SetStatus(const Caller& caller, std::string_view id, const json& body) {
    KP_ASSIGN_OR_RETURN(StatusChange change, StatusChangeFromJson(body));
    return service_->SetStatus(caller, id, change);
  }

  // A signal from shop-denhaag to comensha (here) and meldpunt-rotterdam (a peer's).
  json Signal() {
    return {{"kind", "signal"},
            {"recipients", {"meldpunt-rotterdam", "comensha"}},
            {"routing", {{"region", "GM0599"}, {"age_band", "adult"}}},
            {"subject_ref", "1f08c40c287ac474f3f3b0a4133bf082a9bb488d73524fff13b9ff39f75be697"},
            {"legal_basis", "vital_interest"},
            {"deadline", "2026-12-01T12:00:00Z"},
            {"expires", "2027-06-01T00:00:00Z"},
            {"codelists", {{"age_band", 1}}},
            {"payload", Seal({&comensha_, &meldpunt_})}};
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
  ct::TestParty shop_ = pki_.Issue("shop-denhaag", {.smime = true});
  ct::TestParty comensha_ = pki_.Issue("comensha", {.smime = true});
  ct::TestParty meldpunt_ = pki_.Issue("meldpunt-rotterdam", {.smime = true});
  ct::TestParty politie_ = pki_.Issue("politie-avim-haaglanden", {.smime = true});
  ct::TestParty ind_ = pki_.Issue("ind", {.smime = true});
  std::int64_t now_ = kNow;
  std::optional<Directory> directory_;
  std::optional<RoutingRules> routes_;
  std::optional<LiveDirectory> live_;  // the two above, as the service reads them
  std::optional<store::GuardedDatabase> db_;
  std::optional<store::GroupCommit> commits_;  // before service_, which uses it
  std::unique_ptr<MessageService> service_;
};

TEST_F(MessageServiceTest, EachCallAnswersTheDocumentOfTheApi) {
  const Caller shop = As("shop-denhaag", Role::kCoordinator, "j.jansen");
  const Caller comensha = As("comensha", Role::kRecipient, "a.bakker");
  const json body = Signal();
  auto accepted = Submit(shop, body);
  ASSERT_TRUE(accepted.ok()) << accepted.error().ToString();
  const std::string id = accepted->id;
  const std::vector<std::pair<std::string, std::string>> v = {{"ID", id},
                                                              {"PAYLOAD", body["payload"]}};
  EXPECT_EQ(Doc(accepted), Fill(R"({"id":"{ID}","recipients":["comensha","meldpunt-rotterdam"],)"
                                R"("status":"accepted"})",
                                v));

  const std::string header =
      R"("created":"2026-11-23T00:00:00.000Z","deadline":"2026-12-01T12:00:00.000Z",)"
      R"("expires":"2027-06-01T00:00:00.000Z","from":"shop-denhaag","id":"{ID}",)"
      R"("kind":"signal","legal_basis":"vital_interest",)";
  const std::string header_end =
      R"("recipients":["comensha","meldpunt-rotterdam"],)"
      R"("routing":{"age_band":"adult","region":"GM0599"},"state":"delivered",)"
      R"("subject_ref":"1f08c40c287ac474f3f3b0a4133bf082a9bb488d73524fff13b9ff39f75be697")";
  now_ += 1000;
  EXPECT_EQ(Doc(service_->Inbox(comensha, 0, 100)),
            Fill(R"({"messages":[{"created":"2026-11-23T00:00:00.000Z","cursor":"1",)"
                 R"("deadline":"2026-12-01T12:00:00.000Z","expired":false,)"
                 R"("expires":"2027-06-01T00:00:00.000Z","from":"shop-denhaag","id":"{ID}",)"
                 R"("kind":"signal","legal_basis":"vital_interest","recalled":false,)" +
                     header_end + R"(}],"next":"1"})",
                 v));
  EXPECT_EQ(Doc(service_->Inbox(comensha, 1, 100)), R"({"messages":[],"next":"1"})");
  EXPECT_EQ(
      Doc(service_->Sent(shop, 0, 100)),
      Fill(R"({"messages":[{"created":"2026-11-23T00:00:00.000Z","cursor":"1",)"
           R"("deadline":"2026-12-01T12:00:00.000Z","expired":false,)"
           R"("expires":"2027-06-01T00:00:00.000Z","from":"shop-denhaag","id":"{ID}",)"
           R"("kind":"signal","legal_basis":"vital_interest","recalled":false,)"
           R"("recipients":["comensha","meldpunt-rotterdam"],)"
           R"("routing":{"age_band":"adult","region":"GM0599"},)"
           R"("states":{"comensha":"delivered","meldpunt-rotterdam":"sent"},)"
           R"("subject_ref":"1f08c40c287ac474f3f3b0a4133bf082a9bb488d73524fff13b9ff39f75be697")"
           R"(}],"next":"1"})",
           v));
  EXPECT_EQ(Doc(service_->Sent(comensha, 0, 100)), R"({"messages":[],"next":"0"})");

  EXPECT_EQ(
      Doc(service_->Get(comensha, id)),
      Fill(
          "{" + kCodeLists + header + R"("payload":"{PAYLOAD}","recalled":false,)" +
              R"("recipients":["comensha","meldpunt-rotterdam"],)"
              R"("routing":{"age_band":"adult","region":"GM0599"},"state":"received",)"
              R"("subject_ref":"1f08c40c287ac474f3f3b0a4133bf082a9bb488d73524fff13b9ff39f75be697"})",
          v));
  EXPECT_EQ(
      Doc(service_->Get(shop, id)),
      Fill(
          "{" + kCodeLists + header + R"("payload":"{PAYLOAD}","recalled":false,)" +
              R"("recipients":["comensha","meldpunt-rotterdam"],)"
              R"("routing":{"age_band":"adult","region":"GM0599"},)"
              R"("states":{"comensha":"received","meldpunt-rotterdam":"sent"},)"
              R"("subject_ref":"1f08c40c287ac474f3f3b0a4133bf082a9bb488d73524fff13b9ff39f75be697"})",
          v));

  now_ += 1000;
  EXPECT_EQ(Doc(SetStatus(comensha, id, {{"state", "assessed"}, {"reason", "seen"}})),
            Fill(R"({"id":"{ID}","org":"comensha","state":"assessed",)"
                 R"("time":"2026-11-23T00:00:02.000Z"})",
                 v));

  // The peer's receipt and a deadline notice, as the outbox and the reminder worker record them.
  ASSERT_TRUE(db_->Write([&](store::Database& db) -> Status {
                   store::MessageRepository repo(db);
                   KP_ASSIGN_OR_RETURN(auto outbox, repo.OutboxFor(id));
                   EXPECT_EQ(outbox.size(), 1u);
                   if (!outbox.empty()) {
                     KP_RETURN_IF_ERROR(
                         repo.UpdateOutbox(outbox[0].id, "delivered", 1, kNow, "",
                                           R"({"message_id":")" + id + R"(","signature":"c2ln"})"));
                   }
                   store::NoticeRecord n;
                   n.message_id = id;
                   n.key = "deadline:comensha";
                   n.type = "reminder";
                   n.to_org = "comensha";
                   n.about_org = "comensha";
                   n.due_ms = kNow + 3000;
                   n.created_ms = kNow + 3000;
                   n.reason = "deadline_near";
                   n.mail_state = "none";
                   KP_ASSIGN_OR_RETURN(bool inserted, store::KindRepository(db).InsertNotice(n));
                   EXPECT_TRUE(inserted);
                   return Ok();
                 })
                  .ok());
  EXPECT_EQ(
      Doc(service_->Tracking(shop, id)),
      Fill("{" + kCodeLists +
               R"("deadline":"2026-12-01T12:00:00.000Z",)"
               R"("id":"{ID}","kind":"signal","legal_basis":"vital_interest",)"
               R"("notices":[{"about":"comensha","due":"2026-11-23T00:00:01.000Z","mail":"none",)"
               R"("reason":"received","time":"2026-11-23T00:00:01.000Z","to":"shop-denhaag",)"
               R"("type":"status"},{"about":"comensha","due":"2026-11-23T00:00:02.000Z",)"
               R"("mail":"no_address","reason":"assessed","time":"2026-11-23T00:00:02.000Z",)"
               R"("to":"shop-denhaag","type":"status"},)"
               R"({"about":"comensha","due":"2026-11-23T00:00:03.000Z",)"
               R"("mail":"none","reason":"deadline_near","time":"2026-11-23T00:00:03.000Z",)"
               R"("to":"comensha","type":"reminder"}],"recalled":null,)"
               R"("recipients":[{"events":[)"
               R"({"by":"gateway","state":"delivered","time":"2026-11-23T00:00:00.000Z"},)"
               R"({"by":"comensha/a.bakker","state":"received","time":"2026-11-23T00:00:01.000Z"},)"
               R"({"by":"comensha/a.bakker","reason":"seen","state":"assessed",)"
               R"("time":"2026-11-23T00:00:02.000Z"}],)"
               R"("legal_basis":"vital_interest","org":"comensha","state":"assessed"},)"
               R"({"events":[{"by":"gateway","state":"sent","time":"2026-11-23T00:00:00.000Z"}],)"
               R"("legal_basis":"vital_interest","org":"meldpunt-rotterdam","state":"sent",)"
               R"("transfer":{"attempts":1,"gateway":"https://gw-b.example.org:8443",)"
               R"("last_error":"","receipt":{"message_id":"{ID}","signature":"c2ln"},)"
               R"("state":"delivered"}}]})",
           v));

  now_ += 1000;
  EXPECT_EQ(Doc(service_->Recall(shop, id)), Fill(R"({"id":"{ID}","status":"recalled"})", v));
  EXPECT_EQ(Doc(service_->Get(comensha, id)),
            "error message_recalled : the sender withdrew this message");
  auto tracking = service_->Tracking(shop, id);
  ASSERT_TRUE(tracking.ok());
  EXPECT_EQ(tracking->recalled_ms, kNow + 3000);
  EXPECT_NE(Doc(service_->Inbox(comensha, 0, 100)).find(R"("recalled":true)"), std::string::npos);
}

TEST_F(MessageServiceTest, AStateOfAWholeMessageNamesTheRecipientsItMoved) {
  const Caller politie = As("politie-avim-haaglanden", Role::kCoordinator);
  json body = {{"kind", "b8"},
               {"recipients", {"ind"}},
               {"routing", {{"region", "GM0518"}}},
               {"subject_ref", "e1eb6da3d6a70e704c7875a8da64bc7821171eecdeb185dc6a7f33058ef63d8f"},
               {"payload", Seal({&ind_})}};
  auto accepted = Submit(politie, body);
  ASSERT_TRUE(accepted.ok()) << accepted.error().ToString();
  const std::string id = accepted->id;
  EXPECT_EQ(Doc(SetStatus(politie, id, {{"state", "reported"}})),
            Fill(R"({"id":"{ID}","org":"politie-avim-haaglanden","recipients":["ind"],)"
                 R"("state":"reported","time":"2026-11-23T00:00:00.000Z"})",
                 {{"ID", id}}));
}

TEST_F(MessageServiceTest, ResolvedRecipientsAndIdempotentRepeats) {
  const Caller shop = As("shop-denhaag", Role::kSender);
  json body = Signal();
  body.erase("recipients");
  auto first = Submit(shop, body, "key-1");
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(first->recipients, (std::vector<std::string>{"comensha", "meldpunt-rotterdam"}));
  // The same key and body: the first answer, nothing stored twice.
  EXPECT_EQ(Doc(Submit(shop, body, "key-1")), Doc(first));
  // The same document written another way is another body.
  EXPECT_EQ(Doc(Submit(shop, body, "key-1", body.dump(2))),
            "error idempotency_conflict : this Idempotency-Key was used before with another "
            "request body");
  json other = body;
  other["subject_ref"] = "b15eff5cd3f4f52f92e63f47a03494817297f3f6637cfb8409ed8a7c1607c1f4";
  EXPECT_EQ(Doc(Submit(shop, other, "key-1")),
            "error idempotency_conflict : this Idempotency-Key was used before with another "
            "request body");
  EXPECT_TRUE(Submit(shop, other, "key-2").ok());
}

TEST_F(MessageServiceTest, ASubmissionIsRefusedWithTheErrorOfItsFirstFaultAndAudited) {
  const Caller shop = As("shop-denhaag", Role::kSender);
  struct Case {
    std::string what;
    std::function<void(json&)> change;
    std::string answer;
  };
  const std::vector<Case> cases = {
      {"an unknown key", [](json& b) { b["colour"] = "red"; },
       "error unknown_field colour: unknown key 'colour'"},
      {"no kind", [](json& b) { b.erase("kind"); }, "error invalid_request kind: is required"},
      {"an unknown legal basis", [](json& b) { b["legal_basis"] = "whim"; },
       "error invalid_legal_basis legal_basis: unknown legal basis 'whim' (consent, "
       "legal_obligation, vital_interest, public_task)"},
      {"recipients not strings", [](json& b) { b["recipients"] = {1}; },
       "error invalid_request recipients[0]: must be a string, not a number"},
      {"a recipient that does not take the kind", [](json& b) { b["recipients"] = {"ind"}; },
       "error kind_not_accepted recipients: organisation 'ind' (immigration) does not accept "
       "'signal' messages"},
      {"a recipient no rule yields", [](json& b) { b["recipients"] = {"politie-avim-haaglanden"}; },
       "error recipient_not_routed recipients: no routing rule sends this 'signal' message to "
       "'politie-avim-haaglanden' (police)"},
      {"no recipients at all",
       [](json& b) {
         b.erase("recipients");
         b["kind"] = "referral";
       },
       "error no_recipients routing: no routing rule yields a recipient for this message"},
      {"a bad subject_ref", [](json& b) { b["subject_ref"] = "Jan Jansen"; },
       "error invalid_subject_ref subject_ref: must be a client pseudonym as `ketenpoort "
       "pseudonym` makes it (64 lower-case hex digits), never a name or a number"},
      {"a bad deadline", [](json& b) { b["deadline"] = "tomorrow"; },
       "error invalid_time deadline: must be an RFC 3339 UTC time like 2026-12-01T12:00:00Z, or "
       "a date like 2026-12-01"},
      {"an expiry in the past", [](json& b) { b["expires"] = "2026-11-22T00:00:00Z"; },
       "error invalid_time expires: lies in the past"},
      {"an unknown code list",
       [](json& b) {
         b["codelists"] = {{"colours", 1}};
       },
       "error invalid_codelist_version codelists.colours: no such code list"},
      {"a code list version not a number",
       [](json& b) {
         b["codelists"] = {{"age_band", "x"}};
       },
       "error invalid_request codelists.age_band: must be a version number"},
      {"a code not in its list", [](json& b) { b["routing"]["age_band"] = "ancient"; },
       "error invalid_code routing.age_band: 'ancient' is not a code of list age_band v1 "
       "(adult, minor, unknown)"},
      {"no payload", [](json& b) { b.erase("payload"); },
       "error invalid_request payload: is required"},
      {"a payload not base64", [](json& b) { b["payload"] = "***"; },
       "error invalid_payload payload: must be the base64 of a DER CMS envelope"},
      {"a payload not an envelope", [](json& b) { b["payload"] = "AQID"; },
       "error invalid_envelope payload: not a CMS structure"},
      {"an envelope not for a recipient", [this](json& b) { b["payload"] = Seal({&comensha_}); },
       "error envelope_recipient_mismatch payload: envelope is not encrypted for org "
       "'meldpunt-rotterdam'"},
      {"an envelope also for someone else",
       [this](json& b) {
         b["payload"] = Seal({&comensha_, &meldpunt_, &ind_});
       },
       "error envelope_recipient_mismatch payload: envelope is also encrypted for org 'ind', "
       "which is not a recipient"},
  };
  for (const Case& c : cases) {
    json body = Signal();
    c.change(body);
    auto r = Submit(shop, body);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(Doc(r), c.answer) << c.what;
    const auto trail = Trail();
    ASSERT_FALSE(trail.empty()) << c.what;
    EXPECT_EQ(trail.back().event, "submit") << c.what;
    EXPECT_EQ(trail.back().outcome, r.error().code) << c.what;
  }
  // With several faults, the first in the documented order: the recipients before the payload,
  // the sender before the form of the later fields.
  json unroutable = Signal();
  unroutable.erase("recipients");
  unroutable["kind"] = "referral";
  unroutable["payload"] = "AAAA";
  EXPECT_EQ(Submit(shop, unroutable).error().code, "no_recipients");
  json nobody = Signal();
  nobody["recipients"] = {"nobody-here"};
  nobody["payload"] = "AAAA";
  EXPECT_EQ(Submit(shop, nobody).error().code, "unknown_organisation");
  json late = Signal();
  late["deadline"] = "tomorrow";
  late["codelists"] = "latest";
  EXPECT_EQ(Submit(shop, late).error().code, "invalid_time");
  EXPECT_EQ(Submit(As("gemeente-denhaag", Role::kSender), late).error().code, "unknown_sender");
  json uncoded = Signal();
  uncoded["routing"]["age_band"] = "ancient";
  uncoded.erase("payload");
  EXPECT_EQ(Submit(shop, uncoded).error().code, "invalid_code");
  // An organisation the directory does not know.
  EXPECT_EQ(Doc(Submit(As("gemeente-denhaag", Role::kSender), Signal())),
            "error unknown_sender : the token's organisation 'gemeente-denhaag' is not in the "
            "directory");
}

TEST_F(MessageServiceTest, AStatusChangeIsCheckedBeforeTheMessageIsRead) {
  const Caller comensha = As("comensha", Role::kRecipient);
  auto accepted = Submit(As("shop-denhaag", Role::kSender), Signal());
  ASSERT_TRUE(accepted.ok()) << accepted.error().ToString();
  const std::string id = accepted->id;
  EXPECT_EQ(Doc(SetStatus(comensha, id, {{"state", "assessed"}, {"why", "x"}})),
            "error unknown_field why: unknown key 'why'");
  EXPECT_EQ(Doc(SetStatus(comensha, id, {{"reason", "x"}})),
            "error invalid_request state: is required");
  EXPECT_EQ(Doc(SetStatus(comensha, id, {{"state", 7}})),
            "error invalid_request state: must be a string, not a number");
  EXPECT_EQ(Doc(SetStatus(comensha, id, {{"state", "assessed"}, {"reason", "a\nb"}})),
            "error invalid_reason reason: must be at most 500 bytes of text without control "
            "characters");
  EXPECT_EQ(
      Doc(SetStatus(comensha, id, {{"state", "assessed"}, {"reason", std::string(501, 'x')}})),
      "error invalid_reason reason: must be at most 500 bytes of text without control "
      "characters");
  EXPECT_EQ(Doc(SetStatus(comensha, "m-none", {{"state", "assessed"}})),
            "error message_not_found id: no such message");
  EXPECT_EQ(Doc(SetStatus(comensha, id, {{"state", "granted"}})),
            "error invalid_transition : a signal cannot be 'granted'");
  EXPECT_TRUE(SetStatus(comensha, id, {{"state", "assessed"}}).ok());
}

// Only the parties see a message; everyone else gets the answer for no message at all, and
// each such attempt is in the trail with who tried and the message's pseudonym.
TEST_F(MessageServiceTest, AnOrganisationThatIsNoPartyIsRefusedAsForNoMessageAndAudited) {
  auto accepted = Submit(As("shop-denhaag", Role::kSender), Signal());
  ASSERT_TRUE(accepted.ok()) << accepted.error().ToString();
  const std::string id = accepted->id;
  const std::string none = "error message_not_found id: no such message";
  const Caller politie = As("politie-avim-haaglanden", Role::kCoordinator, "r.visser");
  // comensha's token with the sender role alone answers for no delivery of comensha's.
  const Caller comensha_sender = As("comensha", Role::kSender);
  EXPECT_EQ(Doc(service_->Get(politie, id)), none);
  EXPECT_EQ(Doc(service_->Tracking(politie, id)), none);
  EXPECT_EQ(Doc(service_->Recall(politie, id)), none);
  EXPECT_EQ(Doc(SetStatus(politie, id, {{"state", "closed"}})), none);
  EXPECT_EQ(Doc(SetStatus(comensha_sender, id, {{"state", "assessed"}})), none);
  EXPECT_EQ(Doc(SetStatus(comensha_sender, id, {{"state", "granted"}})), none);
  EXPECT_EQ(Doc(service_->Get(politie, "m-nobody-has-this")), none);
  EXPECT_EQ(Doc(service_->Get(politie, "m-\x01")), none);

  std::vector<std::string> refused;
  for (const audit::AuditEntry& e : Trail()) {
    if (e.outcome == "message_not_found")
      refused.push_back(e.organisation + " " + e.event + " " + e.object + " " + e.subject_ref);
  }
  const std::string on =
      " " + id + " 1f08c40c287ac474f3f3b0a4133bf082a9bb488d73524fff13b9ff39f75be697";
  EXPECT_EQ(refused, (std::vector<std::string>{
                         "politie-avim-haaglanden open" + on,
                         "politie-avim-haaglanden fetch" + on,
                         "politie-avim-haaglanden recall" + on,
                         "politie-avim-haaglanden status_change" + on,
                         "comensha status_change" + on,
                         "comensha status_change" + on,
                         "politie-avim-haaglanden open m-nobody-has-this ",
                         "politie-avim-haaglanden open (malformed id) ",
                     }));
  // Nothing moved.
  auto tracking = service_->Tracking(As("shop-denhaag", Role::kSender), id);
  ASSERT_TRUE(tracking.ok());
  for (const auto& r : tracking->recipients)
    EXPECT_NE(r.state, "assessed") << r.org;
}

// The sender closes a referral or signal for one recipient it names, or for every recipient
// whose delivery is not final yet; other states stay the recipients' own.
TEST_F(MessageServiceTest, TheSenderClosesOneDeliveryOrEveryOpenOne) {
  const Caller shop = As("shop-denhaag", Role::kSender, "j.jansen");
  const Caller comensha = As("comensha", Role::kRecipient);
  json body = Signal();
  body["recipients"] = {"comensha", "politie-avim-haaglanden"};
  body["routing"]["region"] = "GM0518";
  body["payload"] = Seal({&comensha_, &politie_});
  auto accepted = Submit(shop, body);
  ASSERT_TRUE(accepted.ok()) << accepted.error().ToString();
  const std::string id = accepted->id;
  const std::vector<std::pair<std::string, std::string>> v = {{"ID", id}};

  EXPECT_EQ(Doc(SetStatus(shop, id, {{"state", "assessed"}, {"recipient", "comensha"}})),
            "error state_not_permitted : state 'assessed' may be set only by a recipient of kind "
            "national_registration or report_point or police or child_protection or "
            "care_coordination, not by an organisation of kind 'care_coordination'");
  EXPECT_EQ(
      Doc(SetStatus(comensha, id, {{"state", "closed"}, {"recipient", "politie-avim-haaglanden"}})),
      "error recipient_not_permitted : only the message's sender chooses a "
      "recipient's delivery");
  EXPECT_EQ(Doc(SetStatus(shop, id, {{"state", "closed"}, {"recipient", "ind"}})),
            "error not_a_recipient recipient: 'ind' is not a recipient this message has reached");
  EXPECT_EQ(Doc(SetStatus(shop, id,
                          {{"state", "closed"}, {"recipient", "comensha"}, {"reason", "found"}})),
            Fill(R"({"id":"{ID}","org":"shop-denhaag","recipients":["comensha"],)"
                 R"("state":"closed","time":"2026-11-23T00:00:00.000Z"})",
                 v));
  // For all: comensha's is final already, so only the police's moves.
  now_ += 1000;
  EXPECT_EQ(Doc(SetStatus(shop, id, {{"state", "closed"}})),
            Fill(R"({"id":"{ID}","org":"shop-denhaag","recipients":["politie-avim-haaglanden"],)"
                 R"("state":"closed","time":"2026-11-23T00:00:01.000Z"})",
                 v));
  EXPECT_EQ(Doc(SetStatus(shop, id, {{"state", "closed"}})),
            "error invalid_transition : no delivery of this message can move to 'closed' now");

  auto tracking = service_->Tracking(shop, id);
  ASSERT_TRUE(tracking.ok());
  ASSERT_EQ(tracking->recipients.size(), 2u);
  for (const auto& r : tracking->recipients) {
    EXPECT_EQ(r.state, "closed") << r.org;
    ASSERT_FALSE(r.events.empty());
    EXPECT_EQ(r.events.back().by, "shop-denhaag/j.jansen");
  }
  EXPECT_EQ(tracking->recipients[0].events.back().reason, "found");
}

// Only the police start a B8; its deadline is the end of the reflection period: the one the
// sender's side counted from reflection_start, or else counted from the submission.
TEST_F(MessageServiceTest, OnlyThePoliceStartAB8AndItsDeadlineIsTheReflectionPeriodsEnd) {
  auto kinds = kinds::BuiltinKinds().ConfigureDeadlines({});
  ASSERT_TRUE(kinds.ok()) << kinds.error().ToString();
  const KindDeadlines deadlines = std::move(*kinds);
  auto service = MessageService::Create(
      *db_, *commits_, *live_, kinds::BuiltinKinds(), [this] { return now_; }, &deadlines);
  ASSERT_TRUE(service.ok()) << service.error().ToString();
  service_ = std::move(*service);
  json body = {{"kind", "b8"},
               {"recipients", {"ind"}},
               {"routing", {{"region", "GM0518"}}},
               {"subject_ref", "e1eb6da3d6a70e704c7875a8da64bc7821171eecdeb185dc6a7f33058ef63d8f"},
               {"payload", Seal({&ind_})}};
  EXPECT_EQ(Doc(Submit(As("shop-denhaag", Role::kSender), body)),
            "error sender_not_permitted : a b8 may be started only by an organisation of kind "
            "police, not by one of kind 'care_coordination'");

  const Caller politie = As("politie-avim-haaglanden", Role::kSender);
  auto counted_here = Submit(politie, body);
  ASSERT_TRUE(counted_here.ok()) << counted_here.error().ToString();
  auto tracking = service_->Tracking(politie, counted_here->id);
  ASSERT_TRUE(tracking.ok());
  EXPECT_EQ(ToJson(*tracking)["deadline"], "2027-02-23T00:00:00.000Z");  // kNow + 3 months

  body["deadline"] = "2027-03-01T00:00:00Z";  // from a reflection_start of 2026-12-01
  auto counted_by_sender = Submit(politie, body);
  ASSERT_TRUE(counted_by_sender.ok()) << counted_by_sender.error().ToString();
  tracking = service_->Tracking(politie, counted_by_sender->id);
  ASSERT_TRUE(tracking.ok());
  EXPECT_EQ(ToJson(*tracking)["deadline"], "2027-03-01T00:00:00.000Z");
  auto view = service_->Get(As("ind", Role::kRecipient), counted_by_sender->id);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(ToJson(*view)["deadline"], "2027-03-01T00:00:00.000Z");
}

}  // namespace
}  // namespace ketenpoort::server
