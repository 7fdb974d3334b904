// Adding a message kind is one folder and one registration line. This test is that folder: it
// defines a small kind, `callback` (a shelter is asked to call a coordinator back; if nobody has
// after the configured time, the coordinator gets a reminder), with a deadline rule of its own
// and its setting under `kinds.callback` in gateway.json. Nothing outside this file knows it;
// the one registration line is `kinds.Add(CallbackKind())` below, where a product kind's line
// is `KP_KIND(...)` in adapters/kinds/kinds.inc.
//
// The gateway runs in this process (server::Gateway, as `ketenpoort serve` runs it) because the
// kind exists only here; it is driven over real HTTPS with the demo deployment's tokens.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

#include "adapters/kinds/registry.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/deadline_rules.h"
#include "gateway/core/message_kind.h"
#include "gateway/server/gateway.h"
#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;

// ---- the kind's folder: its spec and its deadline rule ----

struct CallbackSettings {
  std::int64_t after_ms = kHourMs;
};

std::vector<Notice> CallbackNotices(const CaseFacts& c, const CallbackSettings& s,
                                    std::int64_t now) {
  std::vector<Notice> out;
  for (const CaseDelivery& d : c.deliveries) {
    if (d.state != "delivered" && d.state != "received")
      continue;  // on its way, or called back
    if (now < c.created_ms + s.after_ms)
      continue;
    out.push_back({.key = "callback:" + d.org,
                   .type = "reminder",
                   .to_org = c.sender_org,
                   .about_org = d.org,
                   .due_ms = c.created_ms + s.after_ms,
                   .reason = "no call back from " + d.org + " on " + c.message_id});
  }
  return out;
}

const MessageKind& CallbackKind() {
  static const MessageKind kind([] {
    KindSpec s;
    s.name = "callback";
    s.summary = "ask an organisation to call a coordinator back";
    s.required_routing = {"region"};
    s.enum_routing = {{"urgency", {"normal"}}};  // a callback is never urgent
    s.payload = PayloadSchema{.fields = {{.name = "phone_slot", .type = FieldType::kString}}};
    s.lifecycle = Lifecycle(
        {
            {"sent", {"delivered", "undeliverable"}},
            {"undeliverable", {}},
            {"delivered", {"received", "called_back"}},
            {"received", {"called_back"}},
            {"called_back", {}},
        },
        {{"called_back", {.by = StateRule::By::kRecipient}}});
    s.answer_states = {"called_back"};
    s.deadline = MakeDeadlineRule<CallbackSettings>(
        [](const JsonFields& f) -> Result<CallbackSettings> {
          KP_RETURN_IF_ERROR(f.OnlyKeys({"after_ms"}));
          CallbackSettings s;
          KP_ASSIGN_OR_RETURN(s.after_ms, f.OptionalInteger("after_ms", s.after_ms, 1, kDayMs));
          return s;
        },
        CallbackNotices);
    return s;
  }());
  return kind;
}

// ---- the test ----

// The demo deployment, with wende-denhaag accepting callbacks in region GM0518 (deployment
// data, which any kind needs), reminders checked every 50 ms and `kinds.callback` set.
std::unique_ptr<Deployment> CallbackDeployment(int after_ms) {
  auto dep = Deployment::Create();
  json config = json::parse(ReadFileOrEmpty(dep->config_path()));
  config["reminders"] = {{"interval_ms", 50}};
  config["kinds"] = {{"callback", {{"after_ms", after_ms}}}};
  std::ofstream(dep->config_path()) << config.dump(2);

  const std::string directory_path = dep->dir() + "/" + config["directory"].get<std::string>();
  json directory = json::parse(ReadFileOrEmpty(directory_path));
  for (json& org : directory["organisations"]) {
    if (org["id"] == "wende-denhaag")
      org["accepts"].push_back("callback");
  }
  std::ofstream(directory_path) << directory.dump(2);
  const std::string routes_path = dep->dir() + "/" + config["routes"].get<std::string>();
  json routes = json::parse(ReadFileOrEmpty(routes_path));
  routes["rules"].push_back({{"id", "callback-wende"},
                             {"description", "Callbacks in The Hague go to Wende."},
                             {"match", {{"kind", "callback"}, {"region", "GM0518"}}},
                             {"to", {"wende-denhaag"}}});
  std::ofstream(routes_path) << routes.dump(2);
  return dep;
}

std::string Submit(const HttpsClient& client, const Deployment& dep) {
  Sealer sealer(dep.dir());
  json body = {{"kind", "callback"},
               {"routing", {{"region", "GM0518"}}},
               {"payload", sealer.SealBase64("shop-denhaag", {"wende-denhaag", "shop-denhaag"},
                                             R"({"phone_slot":"morning"})")}};
  auto r = client.Post(dep.url() + "/v1/messages", body.dump(), dep.Token("shop-denhaag"));
  EXPECT_EQ(r.status, 202) << r.body;
  return r.status == 202 ? json::parse(r.body)["id"].get<std::string>() : "";
}

json Notices(const HttpsClient& client, const Deployment& dep, const std::string& org) {
  auto r = client.Get(dep.url() + "/v1/notices", dep.Token(org));
  EXPECT_EQ(r.status, 200) << r.body;
  return r.status == 200 ? json::parse(r.body)["notices"] : json::array();
}

TEST(KindExtensionTest, AKindOfThisTestAloneRunsWithItsLifecycleAndItsOwnDeadlineRule) {
  auto dep = CallbackDeployment(/*after_ms=*/1000);
  auto config = config::LoadGatewayConfig(dep->config_path());
  ASSERT_TRUE(config.ok()) << config.error().ToString();

  // The build's own kinds do not know `callback`, so its settings are refused by name.
  auto without = server::Gateway::Open(*config);
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.error().code, "invalid_config");
  EXPECT_NE(without.error().field.find("kinds.callback"), std::string::npos)
      << without.error().field;

  KindRegistry registry(kinds::BuiltinCodeLists());
  for (const MessageKind* k : kinds::BuiltinKinds().All())
    registry.Add(*k);
  registry.Add(CallbackKind());  // the registration line
  auto gateway = server::Gateway::Open(*config, registry);
  ASSERT_TRUE(gateway.ok()) << gateway.error().ToString();
  ASSERT_TRUE((*gateway)->Start().ok());
  HttpsClient client(dep->ca_path());

  // Its header rules hold: urgency, when given, must be normal.
  auto urgent = client.Post(dep->url() + "/v1/messages",
                            json{{"kind", "callback"},
                                 {"routing", {{"region", "GM0518"}, {"urgency", "urgent"}}},
                                 {"payload", "AA=="}}
                                .dump(),
                            dep->Token("shop-denhaag"));
  EXPECT_EQ(urgent.status, 400) << urgent.body;
  EXPECT_NE(urgent.body.find("invalid_routing_value"), std::string::npos) << urgent.body;
  EXPECT_NE(urgent.body.find("routing.urgency"), std::string::npos) << urgent.body;

  // One callback is answered at once, the other is not. The answered one is older, and the
  // worker takes open messages oldest first, so when the other's reminder is there, the
  // answered one's due time has passed and the worker has already decided on it.
  const std::string answered = Submit(client, *dep);
  const std::string waiting = Submit(client, *dep);
  ASSERT_FALSE(answered.empty());
  ASSERT_FALSE(waiting.empty());
  // Its lifecycle holds: a state of another kind is refused, its own state is accepted.
  auto wrong = client.Post(dep->url() + "/v1/messages/" + answered + "/status",
                           R"({"state":"accepted"})", dep->Token("wende-denhaag"));
  EXPECT_EQ(wrong.status, 409) << wrong.body;
  auto called = client.Post(dep->url() + "/v1/messages/" + answered + "/status",
                            R"({"state":"called_back"})", dep->Token("wende-denhaag"));
  ASSERT_EQ(called.status, 200) << called.body;

  // Its deadline rule runs in the gateway's reminder worker with `kinds.callback.after_ms`.
  // The sender also has the answer to the other one as a notice (messages/sender_notice.h).
  json notices;
  auto of_type = [&](const std::string& type) {
    json out = json::array();
    for (const json& n : notices) {
      if (n["type"] == type)
        out.push_back(n);
    }
    return out;
  };
  ASSERT_TRUE(WaitFor(
      [&] {
        notices = Notices(client, *dep, "shop-denhaag");
        return !of_type("reminder").empty();
      },
      std::chrono::seconds(15)))
      << "no reminder for the unanswered callback";
  json reminders = of_type("reminder");
  ASSERT_EQ(reminders.size(), 1u) << notices.dump();  // the answered one has none
  EXPECT_EQ(reminders[0]["message_id"], waiting);
  EXPECT_EQ(reminders[0]["about"], "wende-denhaag");
  json answers = of_type("status");
  ASSERT_EQ(answers.size(), 1u) << notices.dump();
  EXPECT_EQ(answers[0]["message_id"], answered);
  EXPECT_EQ(answers[0]["reason"], "called_back");
  EXPECT_EQ(notices.size(), 2u) << notices.dump();
  EXPECT_TRUE(Notices(client, *dep, "wende-denhaag").empty());
  (*gateway)->Stop();
}

TEST(KindExtensionTest, AMistypedSettingOfTheKindStopsTheGatewayFromOpening) {
  auto dep = CallbackDeployment(/*after_ms=*/0);  // below its minimum of 1 ms
  auto config = config::LoadGatewayConfig(dep->config_path());
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  KindRegistry registry(kinds::BuiltinCodeLists());
  registry.Add(CallbackKind());
  auto gateway = server::Gateway::Open(*config, registry);
  ASSERT_FALSE(gateway.ok());
  EXPECT_EQ(gateway.error().code, "invalid_config");
  EXPECT_EQ(gateway.error().field, dep->config_path() + ": kinds.callback.after_ms");
}

}  // namespace
}  // namespace ketenpoort::testing
