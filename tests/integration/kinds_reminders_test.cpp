// Deadlines on a running gateway: an urgent referral nobody answers escalates within its
// configured time — a notice to the sender in tracking and at GET /v1/notices, an audit entry,
// and an e-mail to the receiving organisation's contact address through a real SMTP server on
// loopback (aiosmtpd). Configured to one second, so the test takes seconds, not hours. The mail
// is durable: committed with the notice, retried while the relay is down, and sent once after
// the daemon was killed with it unsent.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <thread>

#include "tests/e2e/servers/test_servers.h"
#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;

// A gateway that mails through the relay at `smtp_url` and escalates after one second.
std::unique_ptr<Deployment> DeploymentWithRelay(const std::string& smtp_url) {
  auto dep = Deployment::Create();
  json config = json::parse(ReadFileOrEmpty(dep->config_path()));
  config["smtp"] = {{"url", smtp_url}, {"from", "ketenpoort@example.org"}};
  config["reminders"] = {{"interval_ms", 50}};
  config["kinds"] = {{"referral", {{"answer_ms", {{"urgent", 1000}}}}}};
  std::ofstream(dep->config_path()) << config.dump(2);
  return dep;
}

// Submits a referral (urgent unless said otherwise) from shop-denhaag to wende-denhaag; its id.
std::string SubmitUrgent(HttpsClient& client, const Deployment& dep, const std::string& subject,
                         const std::string& urgency = "urgent") {
  Sealer sealer(dep.dir());
  json body = {{"kind", "referral"},
               {"routing",
                {{"region", "GM0518"},
                 {"age_band", "adult"},
                 {"gender", "male"},
                 {"topic", "shelter"},
                 {"urgency", urgency}}},
               {"subject_ref", subject},
               {"legal_basis", "consent"},
               {"payload", sealer.SealBase64("shop-denhaag", {"wende-denhaag", "shop-denhaag"},
                                             "synthetic referral")}};
  auto r = client.Post(dep.url() + "/v1/messages", body.dump(), dep.Token("shop-denhaag"));
  EXPECT_EQ(r.status, 202) << r.body;
  return r.status == 202 ? json::parse(r.body)["id"].get<std::string>() : "";
}

// Waits (up to 15 s) until the message's first notice shows mail state `state`.
bool WaitForMailState(HttpsClient& client, const Deployment& dep, const std::string& id,
                      const std::string& state) {
  for (int i = 0; i < 300; ++i) {
    auto t = client.Get(dep.url() + "/v1/messages/" + id + "/tracking", dep.Token("shop-denhaag"));
    if (t.status == 200) {
      json notices = json::parse(t.body)["notices"];
      if (!notices.empty() && notices[0]["mail"] == state)
        return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::size_t MailsAbout(const SmtpSink& smtp, const std::string& id) {
  std::size_t n = 0;
  for (const json& m : smtp.Received())
    n += m["subject"].get<std::string>().find(id) != std::string::npos;
  return n;
}

TEST(KindsRemindersTest, AnUnansweredUrgentReferralEscalatesByNoticeAuditAndMail) {
  SmtpSink smtp;
  ASSERT_TRUE(smtp.Start()) << smtp.error;
  auto dep = DeploymentWithRelay(smtp.url());
  GatewayProcess gw(dep->config_path());
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
  HttpsClient client(dep->ca_path());
  auto submit = [&](const std::string& subject) { return SubmitUrgent(client, *dep, subject); };
  const std::string late =
      submit("74255ba0f1b459f5bc04a9648579132b0dd493c1928574fe4d589679bc340c6b");
  const std::string answered =
      submit("884aabe7ab3d5cd23cf9efe42b2f58cf14efdd0fd3de335c15606c1137fcdd68");
  ASSERT_FALSE(late.empty());
  ASSERT_FALSE(answered.empty());
  auto accepted = client.Post(dep->url() + "/v1/messages/" + answered + "/status",
                              R"({"state":"accepted"})", dep->Token("wende-denhaag"));
  ASSERT_EQ(accepted.status, 200) << accepted.body;

  // Two mails, in either order: the escalation of the late one to the shelter, and the
  // answer to the other one to the coordinator who sent it.
  auto mails = smtp.WaitForMails(2, 15000);
  ASSERT_EQ(mails.size(), 2u);
  auto about = [&](const std::string& id) {
    for (const json& m : mails) {
      if (m["subject"].get<std::string>().find(id) != std::string::npos)
        return m;
    }
    return json::object();
  };
  EXPECT_EQ(about(late)["rcpt_to"], json({"aanmelding@wende-denhaag.example.org"}));
  EXPECT_EQ(about(answered)["rcpt_to"], json({"zorgcoordinatie@shop-denhaag.example.org"}));
  EXPECT_NE(about(answered)["text"].get<std::string>().find("wende-denhaag: accepted"),
            std::string::npos)
      << about(answered).dump();
  for (const json& m : mails)
    EXPECT_EQ(m["text"].get<std::string>().find("pseudonym"), std::string::npos);

  json tracking;
  WaitFor(  // the mail state is recorded just after the send
      [&] {
        auto t = client.Get(dep->url() + "/v1/messages/" + late + "/tracking",
                            dep->Token("shop-denhaag"));
        EXPECT_EQ(t.status, 200) << t.body;
        tracking = t.status == 200 ? json::parse(t.body) : json::object();
        return !tracking["notices"].empty() && tracking["notices"][0]["mail"] == "sent";
      },
      std::chrono::seconds(5));
  ASSERT_EQ(tracking["notices"].size(), 1u) << tracking.dump();
  EXPECT_EQ(tracking["notices"][0]["type"], "escalation");
  EXPECT_EQ(tracking["notices"][0]["to"], "shop-denhaag");
  EXPECT_EQ(tracking["notices"][0]["about"], "wende-denhaag");
  EXPECT_EQ(tracking["notices"][0]["mail"], "sent");

  auto notices = client.Get(dep->url() + "/v1/notices", dep->Token("shop-denhaag"));
  ASSERT_EQ(notices.status, 200);
  json listed = json::parse(notices.body)["notices"];
  ASSERT_EQ(listed.size(), 2u) << listed.dump();
  EXPECT_EQ(listed[0]["message_id"], answered);
  EXPECT_EQ(listed[0]["type"], "status");
  EXPECT_EQ(listed[1]["message_id"], late);
  EXPECT_EQ(listed[1]["type"], "escalation");
  EXPECT_TRUE(
      json::parse(
          client.Get(dep->url() + "/v1/notices", dep->Token("wende-denhaag")).body)["notices"]
          .empty());

  auto answered_tracking =
      client.Get(dep->url() + "/v1/messages/" + answered + "/tracking", dep->Token("shop-denhaag"));
  // The answered one did not escalate: its only notice is the answer.
  json answered_notices = json::parse(answered_tracking.body)["notices"];
  ASSERT_EQ(answered_notices.size(), 1u) << answered_notices.dump();
  EXPECT_EQ(answered_notices[0]["type"], "status");
  EXPECT_EQ(answered_notices[0]["reason"], "accepted");

  auto audit = client.Get(
      dep->url() +
          "/v1/audit?subject_ref=74255ba0f1b459f5bc04a9648579132b0dd493c1928574fe4d589679bc340c6b",
      dep->Token("shop-denhaag.auditor"));
  ASSERT_EQ(audit.status, 200) << audit.body;
  const json entries = json::parse(audit.body)["entries"];
  int reminders = 0;
  for (const json& e : entries)
    reminders += e["event"] == "reminder" && e["object"] == late;
  EXPECT_EQ(reminders, 1) << audit.body;
  // Still one mail about it after many more passes of the worker: a message submitted now
  // escalates a second after, some twenty passes later (interval 50 ms), and its mail proves
  // those passes ran.
  const std::string later =
      submit("abe11abcd6459a1ca7072660996ae2cf38fd5babb0144e49e91aceb0881d3d29");
  ASSERT_FALSE(later.empty());
  mails = smtp.WaitForMails(3, 15000);
  ASSERT_EQ(mails.size(), 3u);
  EXPECT_NE(mails[2]["subject"].get<std::string>().find(later), std::string::npos);
  EXPECT_EQ(smtp.Received().size(), 3u);
  EXPECT_EQ(gw.Terminate(), 0);
  auto verify = RunKetenpoort({"audit", "verify", "--config", dep->config_path()});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
}

// A normal referral escalates too, after the answer time of its urgency (kinds.referral.answer_ms).
TEST(KindsRemindersTest, ANormalReferralNobodyAnswersEscalatesAfterItsOwnAnswerTime) {
  SmtpSink smtp;
  ASSERT_TRUE(smtp.Start()) << smtp.error;
  auto dep = DeploymentWithRelay(smtp.url());
  json config = json::parse(ReadFileOrEmpty(dep->config_path()));
  config["kinds"] = {{"referral", {{"answer_ms", {{"normal", 1000}, {"urgent", 3600000}}}}}};
  std::ofstream(dep->config_path()) << config.dump(2);
  GatewayProcess gw(dep->config_path());
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
  HttpsClient client(dep->ca_path());
  const std::string urgent = SubmitUrgent(
      client, *dep, "5e565ce632913dff68ef686b1a65bb02b5c0cb07142bf20d778335107b3d5dfc", "urgent");
  const std::string normal = SubmitUrgent(
      client, *dep, "092efe05bfd07dcdd41002d6b8b606d6c4d52460b793460c03147c3e4226fbff", "normal");
  ASSERT_FALSE(normal.empty());
  auto mails = smtp.WaitForMails(1, 15000);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(mails[0]["subject"].get<std::string>().find(normal), std::string::npos);
  auto listed = json::parse(
      client.Get(dep->url() + "/v1/notices", dep->Token("shop-denhaag")).body)["notices"];
  ASSERT_EQ(listed.size(), 1u) << listed.dump();  // the urgent one has an hour
  EXPECT_EQ(listed[0]["message_id"], normal);
  EXPECT_EQ(listed[0]["type"], "escalation");
  EXPECT_NE(listed[0]["reason"].get<std::string>().find("normal message"), std::string::npos);
  EXPECT_EQ(gw.Terminate(), 0);
}

TEST(KindsRemindersTest, ANoticeMailUnsentWhenTheDaemonIsKilledIsSentOnceAfterRestart) {
  const int smtp_port = FreeLoopbackPort();  // nothing listens there yet: the relay is down
  auto dep = DeploymentWithRelay("smtp://127.0.0.1:" + std::to_string(smtp_port));
  HttpsClient client(dep->ca_path());
  std::string late;
  {
    GatewayProcess gw(dep->config_path());
    ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
    late = SubmitUrgent(client, *dep,
                        "c9eb4b2d42b2537c12266161f724f7a465d4a02e536dff32b66ef425ca6d44ad");
    ASSERT_FALSE(late.empty());
    // The notice is committed and its mail was tried: the relay refused the connection.
    ASSERT_TRUE(WaitForMailState(client, *dep, late, "failed")) << gw.Log();
    gw.Kill9();  // with the mail unsent
  }
  SmtpSink smtp({.port = smtp_port});  // the relay is back
  ASSERT_TRUE(smtp.Start()) << smtp.error;
  GatewayProcess gw(dep->config_path());
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
  auto mails = smtp.WaitForMails(1, 15000);
  ASSERT_EQ(mails.size(), 1u) << gw.Log();
  EXPECT_EQ(mails[0]["rcpt_to"], json({"aanmelding@wende-denhaag.example.org"}));
  EXPECT_NE(mails[0]["subject"].get<std::string>().find(late), std::string::npos);
  EXPECT_TRUE(WaitForMailState(client, *dep, late, "sent"));
  // Another escalation mailed proves the worker ran passes after the first mail was sent.
  const std::string later = SubmitUrgent(
      client, *dep, "6cc3de3dd0db62f582103e4ded537fc3c9fc69d0afd77c2deba8273ed90aeead");
  ASSERT_FALSE(later.empty());
  ASSERT_TRUE(WaitForMailState(client, *dep, later, "sent")) << gw.Log();
  EXPECT_EQ(MailsAbout(smtp, late), 1u);
  EXPECT_EQ(MailsAbout(smtp, later), 1u);
  EXPECT_EQ(gw.Terminate(), 0);
}

TEST(KindsRemindersTest, ANoticeMailIsRetriedThroughAnSmtpOutageUntilTheRelayTakesIt) {
  const int smtp_port = FreeLoopbackPort();  // nothing listens there yet: the relay is down
  auto dep = DeploymentWithRelay("smtp://127.0.0.1:" + std::to_string(smtp_port));
  HttpsClient client(dep->ca_path());
  GatewayProcess gw(dep->config_path());
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
  const std::string late = SubmitUrgent(
      client, *dep, "c5eff6a1d9bbacb7f824e7e4c3c753f633c9412d6464aa50a4cbba892390fa67");
  ASSERT_FALSE(late.empty());
  ASSERT_TRUE(WaitForMailState(client, *dep, late, "failed")) << gw.Log();
  SmtpSink smtp({.port = smtp_port});  // the outage ends, the daemon keeps running
  ASSERT_TRUE(smtp.Start()) << smtp.error;
  auto mails = smtp.WaitForMails(1, 15000);
  ASSERT_EQ(mails.size(), 1u) << gw.Log();
  EXPECT_NE(mails[0]["subject"].get<std::string>().find(late), std::string::npos);
  EXPECT_TRUE(WaitForMailState(client, *dep, late, "sent"));
  EXPECT_EQ(gw.Terminate(), 0);
}

}  // namespace
}  // namespace ketenpoort::testing
