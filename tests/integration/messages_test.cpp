// The message API on a real demo gateway over HTTPS: submit, inbox, fetch, status, tracking,
// recall, idempotency, refusals, and durability across kill -9.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;

const std::vector<std::string> kMinorSignalRecipients = {"comensha", "meldpunt-rotterdam",
                                                         "veilig-thuis-rotterdam"};

json MinorSignal(const std::string& payload) {
  return {{"kind", "signal"},
          {"routing", {{"region", "GM0599"}, {"age_band", "minor"}, {"exploitation", "sexual"}}},
          {"subject_ref", "1f08c40c287ac474f3f3b0a4133bf082a9bb488d73524fff13b9ff39f75be697"},
          {"legal_basis", "vital_interest"},
          {"payload", payload}};
}

class MessagesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dep_ = Deployment::Create().release();
    gw_ = new GatewayProcess(dep_->config_path());
    ASSERT_TRUE(gw_->Start(dep_->port(), dep_->ca_path())) << gw_->error;
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(gw_->Terminate(), 0);
    delete gw_;
    delete dep_;
  }

  HttpsClient Client() const { return HttpsClient(dep_->ca_path()); }
  HttpResponse Post(const std::string& path, const std::string& body, const std::string& org,
                    const std::vector<std::string>& headers = {}) const {
    return Client().Post(dep_->url() + path, body, dep_->Token(org), headers);
  }
  HttpResponse Get(const std::string& path, const std::string& org) const {
    return Client().Get(dep_->url() + path, dep_->Token(org));
  }
  // Submits a minor signal from shop-denhaag sealed for `sealed_for`; the response.
  HttpResponse SubmitSignal(const std::vector<std::string>& sealed_for,
                            const std::string& content = "synthetic signal") {
    std::vector<std::string> to = sealed_for;
    to.push_back("shop-denhaag");
    return Post("/v1/messages", MinorSignal(sealer_.SealBase64("shop-denhaag", to, content)).dump(),
                "shop-denhaag");
  }
  static std::string IdOf(const HttpResponse& r) { return json::parse(r.body)["id"]; }
  static std::string ErrorCode(const HttpResponse& r) {
    return json::parse(r.body)["error"]["code"];
  }
  // Every message id in `org`'s inbox, paging with `page` messages at a time.
  std::vector<std::string> InboxIds(const std::string& org, int page = 500) const {
    std::vector<std::string> ids;
    std::string after = "0";
    for (int i = 0; i < 10000; ++i) {
      auto r = Get("/v1/inbox?limit=" + std::to_string(page) + "&after=" + after, org);
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200)
        break;
      json body = json::parse(r.body);
      for (const auto& m : body["messages"])
        ids.push_back(m["id"]);
      if (body["messages"].empty())
        break;
      after = body["next"];
    }
    return ids;
  }

  static Deployment* dep_;
  static GatewayProcess* gw_;
  Sealer sealer_{dep_->dir()};
};

Deployment* MessagesTest::dep_ = nullptr;
GatewayProcess* MessagesTest::gw_ = nullptr;

TEST_F(MessagesTest, ASubmittedSignalReachesEveryRoutedRecipientAndIsTracked) {
  auto r = SubmitSignal(kMinorSignalRecipients, "indicators: synthetic");
  ASSERT_EQ(r.status, 202) << r.body;
  json accepted = json::parse(r.body);
  EXPECT_EQ(accepted["status"], "accepted");
  EXPECT_EQ(accepted["recipients"].get<std::vector<std::string>>(), kMinorSignalRecipients);
  const std::string id = accepted["id"];
  EXPECT_EQ(id.size(), 2u + 32u);

  for (const std::string& org : kMinorSignalRecipients) {
    auto ids = InboxIds(org);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), id), 1) << org;
  }
  EXPECT_TRUE(InboxIds("ind").empty());

  auto fetched = Get("/v1/messages/" + id, "comensha");
  ASSERT_EQ(fetched.status, 200) << fetched.body;
  json message = json::parse(fetched.body);
  EXPECT_EQ(message["from"], "shop-denhaag");
  EXPECT_EQ(message["kind"], "signal");
  EXPECT_EQ(message["subject_ref"],
            "1f08c40c287ac474f3f3b0a4133bf082a9bb488d73524fff13b9ff39f75be697");
  EXPECT_EQ(message["state"], "received");  // the first fetch
  EXPECT_EQ(sealer_.Open("comensha", message["payload"]), "indicators: synthetic");

  EXPECT_EQ(Get("/v1/messages/" + id, "ind").status, 404);  // not a recipient: does not exist
  auto by_sender = Get("/v1/messages/" + id, "shop-denhaag");
  ASSERT_EQ(by_sender.status, 200);
  EXPECT_EQ(json::parse(by_sender.body)["states"]["comensha"], "received");
  EXPECT_EQ(sealer_.Open("shop-denhaag", json::parse(by_sender.body)["payload"]),
            "indicators: synthetic");

  auto assessed = Post("/v1/messages/" + id + "/status",
                       R"({"state":"assessed","reason":"indicators confirmed"})", "comensha");
  ASSERT_EQ(assessed.status, 200) << assessed.body;
  EXPECT_EQ(json::parse(assessed.body)["state"], "assessed");

  auto tracking = Get("/v1/messages/" + id + "/tracking", "shop-denhaag");
  ASSERT_EQ(tracking.status, 200) << tracking.body;
  json t = json::parse(tracking.body);
  ASSERT_EQ(t["recipients"].size(), 3u);
  json comensha = t["recipients"][0];
  EXPECT_EQ(comensha["org"], "comensha");
  EXPECT_EQ(comensha["state"], "assessed");
  std::vector<std::string> states;
  for (const auto& e : comensha["events"]) {
    states.push_back(e["state"]);
    EXPECT_EQ(e["time"].get<std::string>().size(), 24u);
  }
  EXPECT_EQ(states, (std::vector<std::string>{"delivered", "received", "assessed"}));
  EXPECT_EQ(comensha["events"][2]["reason"], "indicators confirmed");
  EXPECT_EQ(t["recipients"][1]["state"], "delivered");
  EXPECT_EQ(Get("/v1/messages/" + id + "/tracking", "comensha").status, 404);
}

TEST_F(MessagesTest, AnEnvelopeForTheWrongOrganisationIsRefusedAndNothingIsStored) {
  const auto before = InboxIds("comensha");
  // Sealed for the IND instead of the report point.
  auto wrong = SubmitSignal({"comensha", "ind", "veilig-thuis-rotterdam"});
  ASSERT_EQ(wrong.status, 422) << wrong.body;
  json e = json::parse(wrong.body)["error"];
  EXPECT_EQ(e["code"], "envelope_recipient_mismatch");
  EXPECT_EQ(e["field"], "payload");
  EXPECT_NE(e["message"].get<std::string>().find("meldpunt-rotterdam"), std::string::npos);
  // Sealed for every recipient and, in addition, for the police.
  auto extra = SubmitSignal(
      {"comensha", "meldpunt-rotterdam", "veilig-thuis-rotterdam", "politie-cpm-rotterdam"});
  ASSERT_EQ(extra.status, 422) << extra.body;
  EXPECT_NE(
      json::parse(extra.body)["error"]["message"].get<std::string>().find("politie-cpm-rotterdam"),
      std::string::npos);
  EXPECT_EQ(InboxIds("comensha"), before);
}

TEST_F(MessagesTest, GarbageIsABadRequestAndTheGatewayKeepsServing) {
  EXPECT_EQ(Post("/v1/messages", "{\"kind\":", "shop-denhaag").status, 400);
  EXPECT_EQ(ErrorCode(Post("/v1/messages", MinorSignal("%%%not base64%%%").dump(), "shop-denhaag")),
            "invalid_payload");
  auto not_cms = Post("/v1/messages", MinorSignal("AAECAwQFBgcICQ==").dump(), "shop-denhaag");
  EXPECT_EQ(not_cms.status, 422) << not_cms.body;
  json unknown = MinorSignal("AAAA");
  unknown["colour"] = "red";
  EXPECT_EQ(Post("/v1/messages", unknown.dump(), "shop-denhaag").status, 400);
  json no_route = MinorSignal("AAAA");
  no_route["routing"] = {{"region", "GM0363"}};
  no_route["kind"] = "referral";
  EXPECT_EQ(ErrorCode(Post("/v1/messages", no_route.dump(), "shop-denhaag")), "no_recipients");
  json unknown_org = MinorSignal("AAAA");
  unknown_org["recipients"] = {"nobody-here"};
  EXPECT_EQ(Post("/v1/messages", unknown_org.dump(), "shop-denhaag").status, 404);
  EXPECT_EQ(Client().Get(dep_->url() + "/healthz").status, 200);
  EXPECT_EQ(SubmitSignal(kMinorSignalRecipients).status, 202);
}

TEST_F(MessagesTest, ABodyAboveTheLimitIs413) {
  std::string huge = MinorSignal(std::string(17 * 1024 * 1024, 'A')).dump();
  auto r = Post("/v1/messages", huge, "shop-denhaag");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(Client().Get(dep_->url() + "/healthz").status, 200);
}

TEST_F(MessagesTest, ExplicitRecipientsMayBeARoutedSubsetOnly) {
  json subset = MinorSignal(sealer_.SealBase64("shop-denhaag", {"comensha"}, "to one"));
  subset["recipients"] = {"comensha"};
  auto ok = Post("/v1/messages", subset.dump(), "shop-denhaag");
  ASSERT_EQ(ok.status, 202) << ok.body;
  EXPECT_EQ(json::parse(ok.body)["recipients"], json({"comensha"}));
  json police = MinorSignal(sealer_.SealBase64("shop-denhaag", {"ind"}, "to the IND"));
  police["recipients"] = {"ind"};
  auto refused = Post("/v1/messages", police.dump(), "shop-denhaag");
  EXPECT_EQ(refused.status, 422) << refused.body;
}

TEST_F(MessagesTest, AnIdempotencyKeyReturnsTheFirstAnswerAndRefusesAnotherBody) {
  std::string body =
      MinorSignal(sealer_.SealBase64("shop-denhaag", kMinorSignalRecipients, "once")).dump();
  auto first = Post("/v1/messages", body, "shop-denhaag", {"Idempotency-Key: case-12-signal"});
  auto again = Post("/v1/messages", body, "shop-denhaag", {"Idempotency-Key: case-12-signal"});
  ASSERT_EQ(first.status, 202) << first.body;
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(IdOf(first), IdOf(again));
  auto ids = InboxIds("comensha");
  EXPECT_EQ(std::count(ids.begin(), ids.end(), IdOf(first)), 1);
  std::string other =
      MinorSignal(sealer_.SealBase64("shop-denhaag", kMinorSignalRecipients, "twice")).dump();
  auto conflict = Post("/v1/messages", other, "shop-denhaag", {"Idempotency-Key: case-12-signal"});
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(ErrorCode(conflict), "idempotency_conflict");
  // Keys belong to an organisation: another sender may use the same one.
  std::string essm =
      MinorSignal(sealer_.SealBase64("essm-rotterdam", kMinorSignalRecipients, "x")).dump();
  EXPECT_EQ(
      Post("/v1/messages", essm, "essm-rotterdam", {"Idempotency-Key: case-12-signal"}).status,
      202);
}

TEST_F(MessagesTest, OnlyTransitionsTheKindAllowsAreAccepted) {
  const std::string id = IdOf(SubmitSignal(kMinorSignalRecipients));
  const std::string path = "/v1/messages/" + id + "/status";
  EXPECT_EQ(Post(path, R"({"state":"closed"})", "meldpunt-rotterdam").status, 200);
  auto reopen = Post(path, R"({"state":"accepted"})", "meldpunt-rotterdam");
  EXPECT_EQ(reopen.status, 409);
  EXPECT_EQ(ErrorCode(reopen), "invalid_transition");
  EXPECT_EQ(ErrorCode(Post(path, R"({"state":"shredded"})", "comensha")), "unknown_state");
  EXPECT_EQ(Post(path, R"({"state":"received"})", "ind").status, 404);
  EXPECT_EQ(Post(path, R"({"state":"received","colour":"red"})", "comensha").status, 400);
  EXPECT_EQ(Post(path, R"({"state":"received"})", "comensha").status, 200);
}

TEST_F(MessagesTest, ARecalledMessageCanNoLongerBeOpened) {
  const std::string id = IdOf(SubmitSignal(kMinorSignalRecipients));
  EXPECT_EQ(Post("/v1/messages/" + id + "/recall", "", "comensha").status, 404);
  auto recall = Post("/v1/messages/" + id + "/recall", "", "shop-denhaag");
  ASSERT_EQ(recall.status, 200) << recall.body;
  EXPECT_EQ(json::parse(recall.body)["status"], "recalled");
  auto gone = Get("/v1/messages/" + id, "comensha");
  EXPECT_EQ(gone.status, 410);
  EXPECT_EQ(ErrorCode(gone), "message_recalled");
  EXPECT_EQ(Post("/v1/messages/" + id + "/status", R"({"state":"received"})", "comensha").status,
            410);
  auto tracking = json::parse(Get("/v1/messages/" + id + "/tracking", "shop-denhaag").body);
  EXPECT_TRUE(tracking["recalled"].is_string());
}

TEST_F(MessagesTest, TheInboxPagesWithACursor) {
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(SubmitSignal(kMinorSignalRecipients).status, 202);
  EXPECT_EQ(InboxIds("veilig-thuis-rotterdam", 1), InboxIds("veilig-thuis-rotterdam", 500));
  EXPECT_EQ(Get("/v1/inbox?limit=0", "comensha").status, 400);
  EXPECT_EQ(Get("/v1/inbox?after=abc", "comensha").status, 400);
}

TEST(MessagesDurabilityTest, EveryMessageAnswered202SurvivesKill9ExactlyOnce) {
  auto dep = Deployment::Create();
  Sealer sealer(dep->dir());
  const std::string body =
      MinorSignal(sealer.SealBase64("shop-denhaag", kMinorSignalRecipients, "durable")).dump();
  GatewayProcess gw(dep->config_path());
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;

  std::mutex mu;
  std::vector<std::string> accepted;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      HttpsClient client(dep->ca_path());
      for (int i = 0; i < 2000 && !stop; ++i) {
        auto r = client.Post(dep->url() + "/v1/messages", body, dep->Token("shop-denhaag"));
        if (r.status == 202) {
          std::lock_guard lock(mu);
          accepted.push_back(json::parse(r.body)["id"]);
        }
      }
    });
  }
  // Killed under load, once enough submissions were answered to show anything.
  EXPECT_TRUE(WaitFor(
      [&] {
        std::lock_guard lock(mu);
        return accepted.size() > 50;
      },
      std::chrono::seconds(30)));
  gw.Kill9();
  stop = true;
  for (auto& t : clients)
    t.join();
  ASSERT_GT(accepted.size(), 10u) << "too few submissions before the kill to show anything";
  std::printf("kill -9 after %zu messages answered 202\n", accepted.size());

  GatewayProcess again(dep->config_path());
  ASSERT_TRUE(again.Start(dep->port(), dep->ca_path())) << again.error;
  HttpsClient client(dep->ca_path());
  std::multiset<std::string> inbox;
  std::string after = "0";
  for (int page = 0; page < 1000; ++page) {
    auto r = client.Get(dep->url() + "/v1/inbox?limit=500&after=" + after, dep->Token("comensha"));
    ASSERT_EQ(r.status, 200) << r.body;
    json b = json::parse(r.body);
    if (b["messages"].empty())
      break;
    for (const auto& m : b["messages"])
      inbox.insert(m["id"].get<std::string>());
    after = b["next"];
  }
  for (const std::string& id : accepted)
    EXPECT_EQ(inbox.count(id), 1u) << id;
  EXPECT_EQ(again.Terminate(), 0);
  auto verify = RunKetenpoort({"audit", "verify", "--config", dep->config_path()});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
}

}  // namespace
}  // namespace ketenpoort::testing
