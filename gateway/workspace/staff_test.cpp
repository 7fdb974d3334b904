// Staff accounts, their credentials, the login with its lock-out, and sessions with their idle
// expiry, on a real workspace database (SQLCipher in a temporary folder).
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "gateway/crypto/password_hash.h"
#include "gateway/store/guarded_database.h"
#include "gateway/workspace/staff_credentials.h"
#include "gateway/workspace/staff_login.h"
#include "gateway/workspace/staff_repository.h"
#include "gateway/workspace/staff_sessions.h"
#include "gateway/workspace/workspace_test_util.h"

namespace ketenpoort::workspace {
namespace {

constexpr crypto::PasswordCost kFast = crypto::kMinimumPasswordCost;
constexpr std::int64_t kNow = 1'796'000'000'000;  // a fixed time, ms (2026-11)

class StaffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = test::FreshWorkspaceDatabase(dir_);
    ASSERT_TRUE(opened) << opened.error().message;
    db_.emplace(std::move(*opened));
  }

  IssuedCredentials Add(const std::string& username) {
    auto c = db_->Write([&](store::Database& db) {
      return AddStaff(db,
                      {.org = "shop-denhaag",
                       .username = username,
                       .display_name = "Jet de Vries",
                       .roles = {StaffRole::kCoordinator}},
                      kFast, kNow);
    });
    EXPECT_TRUE(c) << c.error().message;
    return c ? *c : IssuedCredentials{};
  }

  std::string CodeAt(const std::string& username, std::int64_t now_ms) {
    return db_->Read([&](store::Database& db) {
      return test::TotpCode(test::SecretOf(db, username), now_ms / 1000);
    });
  }

  StaffAccount Account(const std::string& username) {
    auto a = db_->Read(
        [&](store::Database& db) { return StaffRepository(db).FindByUsername(username); });
    EXPECT_TRUE(a && *a);
    return a && *a ? **a : StaffAccount{};
  }

  store::test::TempDir dir_;
  std::optional<store::GuardedDatabase> db_;
};

TEST_F(StaffTest, AddStoresOnlyAHashAndIssuesWorkingCredentials) {
  IssuedCredentials c = Add("j.devries");
  EXPECT_EQ(c.password.size(), 23u);
  EXPECT_EQ(c.totp_secret.size(), 32u);
  EXPECT_EQ(c.otpauth_uri.rfind("otpauth://totp/Ketenpoort%20workspace:j.devries?secret=", 0), 0u);
  StaffAccount a = Account("j.devries");
  EXPECT_EQ(a.org, "shop-denhaag");
  EXPECT_EQ(a.display_name, "Jet de Vries");
  EXPECT_NE(a.password_hash.find("$argon2id$"), std::string::npos);
  EXPECT_EQ(a.password_hash.find(c.password), std::string::npos);
  EXPECT_TRUE(crypto::VerifyPassword(a.password_hash, c.password));
}

TEST_F(StaffTest, AddRefusesBadInputAndTakenUsernames) {
  Add("j.devries");
  auto again = db_->Write([&](store::Database& db) {
    return AddStaff(db,
                    {.org = "ind",
                     .username = "j.devries",
                     .display_name = "X",
                     .roles = {StaffRole::kAuditor}},
                    kFast, kNow);
  });
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "username_taken");
  for (const NewStaff& bad : {NewStaff{"ind", "J de Vries", "X", {StaffRole::kAdmin}},
                              NewStaff{"ind", "ok", "", {StaffRole::kAdmin}},
                              NewStaff{"ind", "ok", "Line\nbreak", {StaffRole::kAdmin}},
                              NewStaff{"ind", "ok", "X", {}}}) {
    auto r = db_->Write([&](store::Database& db) { return AddStaff(db, bad, kFast, kNow); });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument) << r.error().code;
  }
}

TEST_F(StaffTest, RolesParseToACanonicalSet) {
  auto r = ParseStaffRoles("admin,coordinator,admin");
  ASSERT_TRUE(r);
  EXPECT_EQ(StaffRolesText(*r), "coordinator,admin");
  EXPECT_EQ(ParseStaffRoles("boss").error().code, "unknown_role");
  EXPECT_EQ(ParseStaffRoles("").error().code, "roles_required");
  EXPECT_EQ(ParseStaffRoles("auditor,").error().code, "unknown_role");
}

TEST_F(StaffTest, LoginNeedsUsernamePasswordAndCode) {
  IssuedCredentials c = Add("j.devries");
  StaffLogin login(*db_, LockoutPolicy{}, kFast);
  const std::string code = CodeAt("j.devries", kNow);
  auto ok = login.LogIn({"j.devries", c.password, code}, kNow);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->token.size(), 43u);
  // The same code a second time is a replay: refused, although password and code are right.
  auto replay = login.LogIn({"j.devries", c.password, code}, kNow + 1000);
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code, "login_failed");
}

TEST_F(StaffTest, EveryRefusalLooksTheSame) {
  IssuedCredentials c = Add("j.devries");
  Add("disabled");
  ASSERT_TRUE(db_->Write(
      [&](store::Database& db) { return StaffRepository(db).SetDisabled("disabled", true); }));
  StaffLogin login(*db_, LockoutPolicy{}, kFast);
  const std::string code = CodeAt("j.devries", kNow);
  std::optional<Error> first;
  for (const LoginAttempt& a :
       {LoginAttempt{"nobody", c.password, code}, LoginAttempt{"j.devries", "wrong", code},
        LoginAttempt{"j.devries", c.password, "000000x"},
        LoginAttempt{"disabled", c.password, code}}) {
    auto r = login.LogIn(a, kNow);
    ASSERT_FALSE(r);
    if (!first)
      first = r.error();
    EXPECT_EQ(r.error().kind, ErrorKind::kUnauthenticated);
    EXPECT_EQ(r.error().code, first->code);
    EXPECT_EQ(r.error().message, first->message);
  }
}

TEST_F(StaffTest, WrongPasswordsAndWrongCodesLockOutThenUnlockInTime) {
  IssuedCredentials c = Add("j.devries");
  const LockoutPolicy policy{.max_failures = 3, .lock_ms = 60000};
  StaffLogin login(*db_, policy, kFast);
  std::int64_t t = kNow;
  // Two wrong passwords and one wrong code: three failures lock the account.
  ASSERT_FALSE(login.LogIn({"j.devries", "wrong", CodeAt("j.devries", t)}, t));
  EXPECT_EQ(Account("j.devries").failed_attempts, 1);
  ASSERT_FALSE(login.LogIn({"j.devries", "wrong again", CodeAt("j.devries", t)}, t));
  const std::string good = CodeAt("j.devries", t);
  const std::string bad = good == "123456" ? "654321" : "123456";
  ASSERT_FALSE(login.LogIn({"j.devries", c.password, bad}, t));
  StaffAccount a = Account("j.devries");
  EXPECT_TRUE(a.LockedAt(t));
  EXPECT_EQ(a.locked_until_ms, t + 60000);
  // Locked: the right password and code are refused, and not counted.
  t += 31000;
  EXPECT_FALSE(login.LogIn({"j.devries", c.password, CodeAt("j.devries", t)}, t));
  EXPECT_EQ(Account("j.devries").locked_until_ms, kNow + 60000);
  // After the lock: in again.
  t = kNow + 61000;
  auto in = login.LogIn({"j.devries", c.password, CodeAt("j.devries", t)}, t);
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(Account("j.devries").failed_attempts, 0);
}

TEST_F(StaffTest, AGoodLoginClearsTheCount) {
  IssuedCredentials c = Add("j.devries");
  StaffLogin login(*db_, LockoutPolicy{.max_failures = 3, .lock_ms = 60000}, kFast);
  ASSERT_FALSE(login.LogIn({"j.devries", "wrong", "000000"}, kNow));
  ASSERT_FALSE(login.LogIn({"j.devries", "wrong", "000000"}, kNow));
  ASSERT_TRUE(login.LogIn({"j.devries", c.password, CodeAt("j.devries", kNow)}, kNow));
  EXPECT_EQ(Account("j.devries").failed_attempts, 0);
  EXPECT_FALSE(Account("j.devries").LockedAt(kNow));
}

TEST_F(StaffTest, ResetIssuesNewCredentialsUnlocksAndEndsSessions) {
  IssuedCredentials old = Add("j.devries");
  StaffLogin login(*db_, LockoutPolicy{.max_failures = 1, .lock_ms = 60000}, kFast);
  auto session = login.LogIn({"j.devries", old.password, CodeAt("j.devries", kNow)}, kNow);
  ASSERT_TRUE(session);
  ASSERT_FALSE(login.LogIn({"j.devries", "wrong", "000000"}, kNow + 30000));
  ASSERT_TRUE(Account("j.devries").LockedAt(kNow + 30000));
  auto fresh = db_->Write([&](store::Database& db) { return ResetStaff(db, "j.devries", kFast); });
  ASSERT_TRUE(fresh);
  EXPECT_NE(fresh->password, old.password);
  EXPECT_NE(fresh->totp_secret, old.totp_secret);
  EXPECT_FALSE(Account("j.devries").LockedAt(kNow + 30000));
  auto gone = db_->Write([&](store::Database& db) {
    return StaffSessions(db).Touch(session->token, kNow + 30000, 900000);
  });
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
  // The old password is refused, the new one works (with a policy that does not lock at the
  // first failure).
  StaffLogin relaxed(*db_, LockoutPolicy{}, kFast);
  const std::int64_t t = kNow + 60000;
  EXPECT_FALSE(relaxed.LogIn({"j.devries", old.password, CodeAt("j.devries", t)}, t));
  EXPECT_TRUE(relaxed.LogIn({"j.devries", fresh->password, CodeAt("j.devries", t)}, t));
  auto unknown = db_->Write([&](store::Database& db) { return ResetStaff(db, "nobody", kFast); });
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, "staff_not_found");
}

TEST_F(StaffTest, SessionsExpireWhenIdleAndOnLogout) {
  Add("j.devries");
  const std::int64_t id = Account("j.devries").id;
  const std::int64_t idle = 15 * 60000;
  auto touch = [&](const std::string& token, std::int64_t now) {
    auto r =
        db_->Write([&](store::Database& db) { return StaffSessions(db).Touch(token, now, idle); });
    EXPECT_TRUE(r);
    return r ? *r : std::optional<ActiveSession>();
  };
  auto s = db_->Write([&](store::Database& db) { return StaffSessions(db).Create(id, kNow); });
  ASSERT_TRUE(s);
  // Used within the idle time, again and again: each use moves the limit on.
  auto seen = touch(s->token, kNow + idle);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->account.username, "j.devries");
  EXPECT_EQ(seen->csrf, s->csrf);
  ASSERT_TRUE(touch(s->token, kNow + 2 * idle));
  // Idle for longer: gone, and gone for good.
  EXPECT_FALSE(touch(s->token, kNow + 3 * idle + 1));
  EXPECT_FALSE(touch(s->token, kNow + 2 * idle + 1));
  // Logout ends a session at once; unknown and empty tokens find nothing.
  auto t = db_->Write([&](store::Database& db) { return StaffSessions(db).Create(id, kNow); });
  ASSERT_TRUE(t);
  ASSERT_TRUE(db_->Write([&](store::Database& db) { return StaffSessions(db).End(t->token); }));
  EXPECT_FALSE(touch(t->token, kNow));
  EXPECT_FALSE(touch("", kNow));
  EXPECT_FALSE(touch("not-a-token", kNow));
}

TEST_F(StaffTest, IdleSessionsAreSweptTogether) {
  Add("j.devries");
  const std::int64_t id = Account("j.devries").id;
  const std::int64_t idle = 60000;
  auto create = [&](std::int64_t at) {
    return db_->Write([&](store::Database& db) { return StaffSessions(db).Create(id, at); });
  };
  auto old1 = create(kNow);
  auto old2 = create(kNow + 1000);
  auto fresh = create(kNow + idle + 5000);
  ASSERT_TRUE(old1 && old2 && fresh);
  auto swept = db_->Write(
      [&](store::Database& db) { return StaffSessions(db).EndIdle(kNow + idle + 5000, idle); });
  ASSERT_TRUE(swept);
  EXPECT_EQ(*swept, 2);
  auto still = db_->Write([&](store::Database& db) {
    return StaffSessions(db).Touch(fresh->token, kNow + idle + 5000, idle);
  });
  ASSERT_TRUE(still);
  EXPECT_TRUE(*still);
}

TEST_F(StaffTest, DisablingEndsSessionsAndRefusesLogin) {
  IssuedCredentials c = Add("j.devries");
  StaffLogin login(*db_, LockoutPolicy{}, kFast);
  auto s = login.LogIn({"j.devries", c.password, CodeAt("j.devries", kNow)}, kNow);
  ASSERT_TRUE(s);
  auto done = db_->Write(
      [&](store::Database& db) { return StaffRepository(db).SetDisabled("j.devries", true); });
  ASSERT_TRUE(done);
  EXPECT_TRUE(*done);
  auto gone = db_->Write(
      [&](store::Database& db) { return StaffSessions(db).Touch(s->token, kNow, 900000); });
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
  const std::int64_t t = kNow + 30000;
  EXPECT_FALSE(login.LogIn({"j.devries", c.password, CodeAt("j.devries", t)}, t));
}

TEST_F(StaffTest, TheTokenIsStoredOnlyAsItsHash) {
  Add("j.devries");
  const std::int64_t id = Account("j.devries").id;
  auto s = db_->Write([&](store::Database& db) { return StaffSessions(db).Create(id, kNow); });
  ASSERT_TRUE(s);
  auto stored = db_->Read([&](store::Database& db) -> Result<std::string> {
    KP_ASSIGN_OR_RETURN(store::Statement q,
                        db.Prepare("SELECT hex(token_hash) FROM staff_sessions"));
    KP_ASSIGN_OR_RETURN(bool row, q.Step());
    return row ? q.ColumnText(0) : std::string();
  });
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->size(), 64u);
  EXPECT_EQ(stored->find(s->token), std::string::npos);
}

}  // namespace
}  // namespace ketenpoort::workspace
