// Secure mail's time-driven rules under an injected clock, in process on a real demo deployment
// (database, directory and portal key made by `ketenpoort init --demo`): the deadline warning
// comes exactly when a recipient has not opened the message the configured time before the
// deadline, once, and never for a recipient who opened it; expiry closes the page at its time;
// a one-time code expires.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>

#include "gateway/audit/time_format.h"
#include "gateway/core/directory.h"
#include "gateway/crypto/keyring.h"
#include "gateway/messages/live_directory.h"
#include "gateway/securemail/securemail_request.h"
#include "gateway/securemail/securemail_results.h"
#include "gateway/securemail/securemail_service.h"
#include "gateway/store/database.h"
#include "gateway/store/db_key.h"
#include "gateway/store/guarded_database.h"
#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;
using server::SecureMailService;

constexpr std::int64_t kHour = 3600 * 1000;
constexpr std::int64_t kT0 = 1795326000000;  // 2026-11-22T05:40:00Z

class SecureMailClockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dep_ = Deployment::Create();
    auto key = store::ResolveKey(dep_->dir() + "/db.key");
    ASSERT_TRUE(key);
    auto db = store::Database::Open(dep_->db_path(), *key, store::OpenMode::kExisting);
    ASSERT_TRUE(db) << db.error().ToString();
    db_.emplace(std::move(*db));
    auto dir = Directory::FromJson(json::parse(ReadFileOrEmpty(dep_->dir() + "/directory.json")));
    ASSERT_TRUE(dir);
    directory_.emplace(*server::DirectorySnapshot::Make(std::move(*dir), RoutingRules{}));
    ASSERT_TRUE(keyring_.LoadKeyFile("portal", dep_->dir() + "/certs/portal.key.pem"));
    auto ca = crypto::Certificate::LoadPemFile(dep_->ca_path());
    ASSERT_TRUE(ca);
    SecureMailService::Deps d;
    d.db = &*db_;
    d.directory = &*directory_;
    d.keyring = &keyring_;
    d.trust_anchors = {*ca};
    d.options.base_url = "https://gw.example.org";
    d.options.deadline_warning_ms = 24 * kHour;
    d.options.code_ttl_ms = 10 * 60 * 1000;
    d.clock = [this] { return now_; };
    d.mailer = [this](const transports::MailMessage& m) {
      sent_.push_back(m);
      return Ok();
    };
    auto s = SecureMailService::Create(std::move(d));
    ASSERT_TRUE(s) << s.error().ToString();
    service_ = std::move(*s);
  }

  std::string Submit(const std::vector<std::string>& emails, json extra) {
    Sealer sealer(dep_->dir());
    json recipients = json::array();
    for (const auto& e : emails)
      recipients.push_back({{"email", e}});
    json body = {{"kind", "securemail"},
                 {"recipients", recipients},
                 {"payload", sealer.SealBase64("shop-denhaag", {"portal"},
                                               json{{"body", "synthetic"}}.dump())}};
    body.update(extra);
    server::Caller caller{Principal{0, "shop-denhaag", Role::kCoordinator, "coordinator-1"},
                          "127.0.0.1"};
    auto r = service_->Submit(caller, server::SecureMailSubmissionFromJson(body));
    EXPECT_TRUE(r) << r.error().ToString();
    caller_ = caller;
    return r ? r->id : "";
  }

  std::vector<transports::MailMessage> MailsTo(const std::string& to) const {
    std::vector<transports::MailMessage> out;
    for (const auto& m : sent_)
      if (m.to == to)
        out.push_back(m);
    return out;
  }
  static std::string TokenIn(const transports::MailMessage& m) {
    std::smatch match;
    std::regex_search(m.text, match, std::regex("/m/([A-Za-z0-9_-]{43,})"));
    return match[1];
  }
  static std::string CodeIn(const transports::MailMessage& m) {
    std::smatch match;
    std::regex_search(m.text, match, std::regex("([0-9]{6})"));
    return match[1];
  }
  json Tracking(const std::string& id) {
    auto t = service_->Tracking(caller_, id);
    EXPECT_TRUE(t) << t.error().ToString();
    return t ? ToJson(*t) : json();  // the document GET .../tracking answers
  }

  std::unique_ptr<Deployment> dep_;
  std::optional<store::GuardedDatabase> db_;
  std::optional<server::LiveDirectory> directory_;
  crypto::Keyring keyring_;
  std::unique_ptr<SecureMailService> service_;
  std::int64_t now_ = kT0;
  std::vector<transports::MailMessage> sent_;
  server::Caller caller_;
};

TEST_F(SecureMailClockTest, DeadlineWarningOnceAtTheConfiguredTimeOnlyForUnopened) {
  const std::string deadline = audit::FormatTime(kT0 + 48 * kHour);
  std::string id = Submit({"opens@example.org", "silent@example.org"},
                          {{"deadline", deadline}, {"sender_email", "coordinator@example.org"}});
  service_->RunDueWork();
  ASSERT_EQ(MailsTo("opens@example.org").size(), 1u);
  ASSERT_EQ(MailsTo("silent@example.org").size(), 1u);

  // One recipient opens it.
  const std::string token = TokenIn(MailsTo("opens@example.org")[0]);
  auto visit = service_->Enter({token}, "127.0.0.1");
  ASSERT_TRUE(visit) << visit.error().ToString();
  ASSERT_TRUE(service_->RequestCode({token, visit->new_session, visit->csrf}, "127.0.0.1"));
  auto session = service_->Verify({token, visit->new_session, visit->csrf},
                                  CodeIn(MailsTo("opens@example.org")[1]), "127.0.0.1");
  ASSERT_TRUE(session) << session.error().ToString();
  ASSERT_TRUE(service_->Read({token, *session}, "127.0.0.1"));

  now_ = kT0 + 24 * kHour - 1;  // one millisecond before the warning time
  service_->RunDueWork();
  EXPECT_TRUE(Tracking(id)["warnings"].empty());
  EXPECT_TRUE(MailsTo("coordinator@example.org").empty());

  now_ = kT0 + 24 * kHour;  // deadline minus the configured 24 h
  service_->RunDueWork();
  json warnings = Tracking(id)["warnings"];
  ASSERT_EQ(warnings.size(), 1u) << warnings.dump();
  EXPECT_EQ(warnings[0]["email"], "silent@example.org");
  EXPECT_EQ(warnings[0]["time"], audit::FormatTime(kT0 + 24 * kHour));
  auto to_sender = MailsTo("coordinator@example.org");
  ASSERT_EQ(to_sender.size(), 1u);
  EXPECT_NE(to_sender[0].text.find("silent@example.org"), std::string::npos);
  EXPECT_NE(to_sender[0].text.find(id), std::string::npos);

  now_ = kT0 + 30 * kHour;
  service_->RunDueWork();
  EXPECT_EQ(Tracking(id)["warnings"].size(), 1u);  // once
  EXPECT_EQ(MailsTo("coordinator@example.org").size(), 1u);
}

TEST_F(SecureMailClockTest, ExpiryClosesThePageAndCodesExpire) {
  std::string id = Submit({"late@example.org"}, {{"expires", audit::FormatTime(kT0 + kHour)}});
  service_->RunDueWork();
  const std::string token = TokenIn(MailsTo("late@example.org")[0]);
  auto visit = service_->Enter({token}, "127.0.0.1");
  ASSERT_TRUE(visit);
  ASSERT_TRUE(service_->RequestCode({token, visit->new_session, visit->csrf}, "127.0.0.1"));
  const std::string code = CodeIn(MailsTo("late@example.org")[1]);

  now_ += 10 * 60 * 1000 + 1;  // the code's ten minutes are over
  auto stale = service_->Verify({token, visit->new_session, visit->csrf}, code, "127.0.0.1");
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, "wrong_code");

  now_ = kT0 + kHour;  // the expiry (and the session's hour is over as well)
  auto gone = service_->Enter({token, visit->new_session}, "127.0.0.1");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, "message_expired");
  EXPECT_GE(service_->RunDueWork(), 1);
  EXPECT_TRUE(Tracking(id)["expired"].get<bool>());
}

TEST_F(SecureMailClockTest, AVerifiedSessionEndsAfterItsTime) {
  Submit({"session@example.org"}, json::object());
  service_->RunDueWork();
  const std::string token = TokenIn(MailsTo("session@example.org")[0]);
  auto visit = service_->Enter({token}, "127.0.0.1");
  ASSERT_TRUE(visit);
  ASSERT_TRUE(service_->RequestCode({token, visit->new_session, visit->csrf}, "127.0.0.1"));
  auto session = service_->Verify({token, visit->new_session, visit->csrf},
                                  CodeIn(MailsTo("session@example.org")[1]), "127.0.0.1");
  ASSERT_TRUE(session);
  EXPECT_TRUE(service_->Read({token, *session}, "127.0.0.1"));
  EXPECT_FALSE(service_->Enter({token, visit->new_session}, "127.0.0.1")->verified)
      << "the unverified session was replaced";
  now_ += 60 * 60 * 1000;  // the default session time
  auto late = service_->Read({token, *session}, "127.0.0.1");
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, "session_invalid");
  EXPECT_GE(service_->RunDueWork(), 1);  // expired sessions are removed
}

}  // namespace
}  // namespace ketenpoort::testing
