// The reminder worker on a real SQLCipher database with the demo directory, driven by a clock
// the test moves: months of deadlines pass in milliseconds.
#include "gateway/deadlines/reminder_worker.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "adapters/kinds/registry.h"
#include "gateway/audit/audit_log.h"
#include "gateway/messages/live_directory.h"
#include "gateway/store/db_key.h"
#include "gateway/store/kind_repository.h"
#include "gateway/store/message_repository.h"
#include "gateway/store/migrations.h"
#include "gateway/store/test_support.h"

namespace ketenpoort::server {
namespace {

constexpr std::int64_t kT0 = 1795392000000;  // 2026-11-23T00:00:00Z

std::string ReadSource(const std::string& path) {
  std::ifstream in(std::string(KP_SOURCE_DIR) + "/" + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct SentMail {
  std::string to, subject, text;
};

class ReminderWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto db = store::Database::Open(dir_.File("r.db"), store::DbKey::Generate(),
                                    store::OpenMode::kCreate);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(store::Migrate(*db).ok());
    db_.emplace(std::move(*db));
    auto directory = Directory::Parse(ReadSource("config/demo/organisations.json"));
    ASSERT_TRUE(directory.ok()) << directory.error().ToString();
    directory_.emplace(*server::DirectorySnapshot::Make(std::move(*directory), RoutingRules{}));
  }

  ReminderWorker Worker(bool with_mail = true) {
    ReminderWorker::Config c;
    c.db = &*db_;
    c.directory = &*directory_;
    c.kinds = &kinds::BuiltinKinds();
    c.deadlines = *c.kinds->ConfigureDeadlines({});  // each rule's defaults
    c.clock = [this] { return now_; };
    c.jitter = [] { return 0.0; };  // retries at half the un-jittered delay, exactly
    if (with_mail) {
      c.send_mail = [this](const std::string& to, const std::string& subject,
                           const std::string& text) -> Status {
        ++attempts_;
        if (relay_down_)
          return Unavailable("smtp_failed", "the relay is down");
        mails_.push_back({to, subject, text});
        return Ok();
      };
    }
    return ReminderWorker(std::move(c));
  }

  void Add(const std::string& id, const std::string& kind, const std::string& sender,
           std::map<std::string, std::string> routing,
           std::map<std::string, std::string> deliveries) {
    store::MessageRecord m;
    m.id = id;
    m.kind = kind;
    m.sender_org = sender;
    m.subject_ref = "pseudonym-" + id;
    m.routing = std::move(routing);
    m.legal_basis = "consent";
    m.created_ms = kT0;
    m.payload = Bytes{1};
    m.payload_sha256 = Bytes(32, 0);
    ASSERT_TRUE(db_->Write([&](store::Database& db) {
                     return store::MessageRepository(db).Insert(m, deliveries, "gateway");
                   })
                    .ok());
  }

  void SetState(const std::string& id, const std::string& org, const std::string& state) {
    ASSERT_TRUE(db_->Write([&](store::Database& db) {
                     return store::MessageRepository(db).SetState(id, org, state, now_, org, "");
                   })
                    .ok());
  }

  // An urgent referral to wende-denhaag, unanswered at its escalation time, with the relay down.
  void AddUrgentWhileTheRelayIsDown() {
    Add("m-urgent", "referral", "shop-denhaag",
        {{"region", "GM0518"}, {"age_band", "adult"}, {"urgency", "urgent"}},
        {{"wende-denhaag", "delivered"}});
    relay_down_ = true;
    now_ = kT0 + 4 * kHourMs;
  }

  std::vector<audit::StoredEntry> Reminders() {
    auto all = db_->Read([&](store::Database& db) { return audit::AuditLog().Query(db, {}); });
    std::vector<audit::StoredEntry> out;
    for (const auto& e : *all) {
      if (e.entry.event == "reminder")
        out.push_back(e);
    }
    return out;
  }

  store::test::TempDir dir_;
  std::optional<store::GuardedDatabase> db_;
  std::optional<server::LiveDirectory> directory_;
  std::int64_t now_ = kT0;
  std::vector<SentMail> mails_;
  bool relay_down_ = false;
  int attempts_ = 0;
};

TEST_F(ReminderWorkerTest, AnUnansweredUrgentReferralEscalatesOnceToSenderAndByMail) {
  Add("m-urgent", "referral", "shop-denhaag",
      {{"region", "GM0518"}, {"age_band", "adult"}, {"urgency", "urgent"}},
      {{"wende-denhaag", "delivered"}});
  Add("m-normal", "referral", "shop-denhaag",
      {{"region", "GM0518"}, {"age_band", "adult"}, {"urgency", "normal"}},
      {{"dehaven-denhaag", "delivered"}});
  ReminderWorker worker = Worker();
  now_ = kT0 + 4 * kHourMs - 1;
  EXPECT_EQ(worker.RunOnce()->notices, 0);
  now_ = kT0 + 4 * kHourMs;
  auto pass = worker.RunOnce();
  ASSERT_TRUE(pass.ok()) << pass.error().ToString();
  EXPECT_EQ(pass->notices, 1);
  EXPECT_EQ(pass->mailed, 1);
  ASSERT_EQ(mails_.size(), 1u);
  EXPECT_EQ(mails_[0].to, "aanmelding@wende-denhaag.example.org");
  EXPECT_NE(mails_[0].text.find("m-urgent"), std::string::npos);
  EXPECT_EQ(mails_[0].text.find("pseudonym"), std::string::npos);  // never the pseudonym
  // Dutch first, English beside it.
  EXPECT_EQ(mails_[0].subject.rfind("Ketenpoort: escalatie / escalation", 0), 0u)
      << mails_[0].subject;
  EXPECT_LT(mails_[0].text.find("Ketenpoort escalatie voor"),
            mails_[0].text.find("Ketenpoort escalation for"))
      << mails_[0].text;
  auto notices = db_->Read([&](store::Database& db) {
    return store::KindRepository(db).NoticesTo("shop-denhaag", 0, 10);
  });
  ASSERT_EQ(notices->size(), 1u);
  EXPECT_EQ((*notices)[0].type, "escalation");
  EXPECT_EQ((*notices)[0].about_org, "wende-denhaag");
  EXPECT_EQ((*notices)[0].mail_state, "sent");
  auto audited = Reminders();
  ASSERT_EQ(audited.size(), 1u);
  EXPECT_EQ(audited[0].entry.object, "m-urgent");
  EXPECT_EQ(audited[0].entry.organisation, "shop-denhaag");
  EXPECT_EQ(audited[0].entry.subject_ref, "pseudonym-m-urgent");
  // Later passes record nothing twice.
  now_ += kDayMs;
  EXPECT_EQ(worker.RunOnce()->notices, 0);
  EXPECT_EQ(mails_.size(), 1u);
  EXPECT_EQ(Reminders().size(), 1u);
}

// In a case across two gateways each makes its own organisations' notices: with the sender on
// a peer gateway, this one (the recipient's) records and mails no escalation for it; the
// sender's gateway does, from the same states that status reports keep in step.
TEST_F(ReminderWorkerTest, NoNoticeIsMadeHereForAnOrganisationOfAPeerGateway) {
  nlohmann::json orgs = nlohmann::json::parse(ReadSource("config/demo/organisations.json"));
  for (auto& o : orgs["organisations"]) {
    if (o["id"] == "shop-denhaag")
      o["gateway"] = "https://gw-a.example.org:8443";
  }
  auto directory = Directory::Parse(orgs.dump());
  ASSERT_TRUE(directory.ok()) << directory.error().ToString();
  directory_->Replace(*server::DirectorySnapshot::Make(std::move(*directory), RoutingRules{}));
  Add("m-urgent", "referral", "shop-denhaag",
      {{"region", "GM0518"}, {"age_band", "adult"}, {"urgency", "urgent"}},
      {{"wende-denhaag", "delivered"}});
  ReminderWorker worker = Worker();
  now_ = kT0 + 4 * kHourMs;
  auto pass = worker.RunOnce();
  ASSERT_TRUE(pass.ok()) << pass.error().ToString();
  EXPECT_EQ(pass->notices, 0);
  EXPECT_TRUE(mails_.empty());
  EXPECT_TRUE(Reminders().empty());
}

// The notice is committed before its mail; a mail the relay refuses is tried again after the
// backoff, until sent; a restarted worker (a new object on the same database) picks it up.
TEST_F(ReminderWorkerTest, AFailedMailIsRetriedAfterItsBackoffUntilSentOnce) {
  AddUrgentWhileTheRelayIsDown();
  {
    ReminderWorker worker = Worker();
    auto pass = worker.RunOnce();
    ASSERT_TRUE(pass.ok()) << pass.error().ToString();
    EXPECT_EQ(pass->notices, 1);
    EXPECT_EQ(pass->mailed, 0);
  }
  auto notice = [&] {
    return db_->Read([](store::Database& db) {
      return store::KindRepository(db).NoticesFor("m-urgent")->at(0);
    });
  };
  EXPECT_EQ(notice().mail_state, "failed");
  EXPECT_EQ(notice().mail_error, "smtp_failed");
  EXPECT_EQ(attempts_, 1);
  ReminderWorker restarted = Worker();
  // Before the retry is due (d(1) = 30 s, equal jitter at r = 0: 15 s), nothing is tried.
  now_ += 14999;
  EXPECT_EQ(restarted.RunOnce()->mailed, 0);
  EXPECT_EQ(attempts_, 1);
  now_ += 1;
  EXPECT_EQ(restarted.RunOnce()->mailed, 0);  // the relay is still down
  EXPECT_EQ(attempts_, 2);
  EXPECT_EQ(notice().mail_attempts, 2);
  relay_down_ = false;
  now_ += kHourMs;
  EXPECT_EQ(restarted.RunOnce()->mailed, 1);
  EXPECT_EQ(notice().mail_state, "sent");
  now_ += kDayMs;
  EXPECT_EQ(restarted.RunOnce()->mailed, 0);
  EXPECT_EQ(mails_.size(), 1u);
  EXPECT_EQ(attempts_, 3);
}

TEST_F(ReminderWorkerTest, AMailStillUnsentAtItsExpiryIsGivenUp) {
  AddUrgentWhileTheRelayIsDown();
  ReminderWorker worker = Worker();
  EXPECT_EQ(worker.RunOnce()->notices, 1);
  // The gateway was down past the expiry (24 h from the notice): no late mail at all.
  now_ += kDayMs + 1;
  relay_down_ = false;
  EXPECT_EQ(worker.RunOnce()->mailed, 0);
  auto n = db_->Read(
      [](store::Database& db) { return store::KindRepository(db).NoticesFor("m-urgent")->at(0); });
  EXPECT_EQ(n.mail_state, "failed");
  EXPECT_EQ(n.mail_error, "mail_expired");
  EXPECT_FALSE(n.mail_next_ms.has_value());
  now_ += kDayMs;
  EXPECT_EQ(worker.RunOnce()->mailed, 0);
  EXPECT_EQ(attempts_, 1);
  EXPECT_TRUE(mails_.empty());
}

TEST_F(ReminderWorkerTest, AnAnsweredUrgentReferralDoesNotEscalate) {
  Add("m-urgent", "referral", "shop-denhaag",
      {{"region", "GM0518"}, {"age_band", "adult"}, {"urgency", "urgent"}},
      {{"wende-denhaag", "delivered"}});
  SetState("m-urgent", "wende-denhaag", "accepted");
  ReminderWorker worker = Worker();
  now_ = kT0 + 30 * kDayMs;
  EXPECT_EQ(worker.RunOnce()->notices, 0);
  EXPECT_TRUE(mails_.empty());
}

TEST_F(ReminderWorkerTest, B8RemindsPoliceAndTheCoordinatorUntilTheVictimReports) {
  Add("m-b8", "b8", "politie-avim-haaglanden", {{"region", "GM0518"}},
      {{"ind", "delivered"}, {"comensha", "delivered"}, {"shop-denhaag", "delivered"}});
  Add("m-b8-reported", "b8", "politie-avim-haaglanden", {{"region", "GM0518"}},
      {{"ind", "delivered"}, {"comensha", "delivered"}, {"shop-denhaag", "delivered"}});
  for (const char* org : {"ind", "comensha", "shop-denhaag"})
    SetState("m-b8-reported", org, "reported");
  ReminderWorker worker = Worker();
  const std::int64_t end = 1803340800000;  // 2027-02-23T00:00:00Z: three months on
  now_ = end - 14 * kDayMs - 1;
  EXPECT_EQ(worker.RunOnce()->notices, 0);
  now_ = end - 14 * kDayMs;
  EXPECT_EQ(worker.RunOnce()->notices, 2);
  ASSERT_EQ(mails_.size(), 2u);
  std::set<std::string> to = {mails_[0].to, mails_[1].to};
  EXPECT_EQ(to, (std::set<std::string>{"avim@politie-haaglanden.example.org",
                                       "zorgcoordinatie@shop-denhaag.example.org"}));
  now_ = end - 3 * kDayMs;
  EXPECT_EQ(worker.RunOnce()->notices, 2);
  // The police record the report: no reminder at the end.
  for (const char* org : {"ind", "comensha", "shop-denhaag"})
    SetState("m-b8", org, "reported");
  now_ = end;
  EXPECT_EQ(worker.RunOnce()->notices, 0);
  EXPECT_EQ(Reminders().size(), 4u);
  EXPECT_EQ(db_->Read([&](store::Database& db) {
                 return store::KindRepository(db).NoticesTo("politie-avim-haaglanden", 0, 10);
               })
                ->size(),
            2u);
  EXPECT_EQ(db_->Read([&](store::Database& db) {
                 return store::KindRepository(db).NoticesTo("shop-denhaag", 0, 10);
               })
                ->size(),
            2u);
  EXPECT_TRUE(db_->Read([&](store::Database& db) {
                   return store::KindRepository(db).NoticesTo("ind", 0, 10);
                 })
                  ->empty());
}

TEST_F(ReminderWorkerTest, WithoutMailNoticesAreStillRecordedAndAudited) {
  Add("m-urgent", "referral", "shop-denhaag",
      {{"region", "GM0518"}, {"age_band", "adult"}, {"urgency", "urgent"}},
      {{"wende-denhaag", "received"}});
  ReminderWorker worker = Worker(/*with_mail=*/false);
  now_ = kT0 + kDayMs;
  EXPECT_EQ(worker.RunOnce()->notices, 1);
  auto notices = db_->Read(
      [&](store::Database& db) { return store::KindRepository(db).NoticesFor("m-urgent"); });
  ASSERT_EQ(notices->size(), 1u);
  EXPECT_EQ((*notices)[0].mail_state, "not_configured");
  EXPECT_EQ(Reminders().size(), 1u);
}

TEST_F(ReminderWorkerTest, PayloadsArePurgedAfterTheKindsRetention) {
  Add("m-old", "signal", "shop-denhaag", {{"region", "GM0599"}, {"age_band", "adult"}},
      {{"comensha", "delivered"}});
  ReminderWorker worker = Worker();
  now_ = kT0 + 365 * kDayMs - 1;
  EXPECT_EQ(worker.RunOnce()->purged, 0);
  now_ = kT0 + 365 * kDayMs + 1;
  EXPECT_EQ(worker.RunOnce()->purged, 1);
  auto m = db_->Read([&](store::Database& db) {
    return store::MessageRepository(db).Find("m-old", /*with_payload=*/true);
  });
  EXPECT_FALSE((*m)->payload.has_value());
  EXPECT_EQ(worker.RunOnce()->purged, 0);
}

TEST_F(ReminderWorkerTest, StartAndStopRunPassesOnAThread) {
  Add("m-urgent", "referral", "shop-denhaag",
      {{"region", "GM0518"}, {"age_band", "adult"}, {"urgency", "urgent"}},
      {{"wende-denhaag", "delivered"}});
  now_ = kT0 + kDayMs;
  ReminderWorker worker = Worker(false);
  worker.Start();
  for (int i = 0; i < 200; ++i) {
    {
      if (!db_->Read([&](store::Database& db) {
                return store::KindRepository(db).NoticesFor("m-urgent");
              })
               ->empty())
        break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  worker.Stop();
  EXPECT_EQ(db_->Read([&](store::Database& db) {
                 return store::KindRepository(db).NoticesFor("m-urgent");
               })
                ->size(),
            1u);
}

}  // namespace
}  // namespace ketenpoort::server
