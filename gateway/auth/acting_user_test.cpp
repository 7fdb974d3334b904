#include "gateway/auth/acting_user.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace ketenpoort::auth {
namespace {

Principal Of(Role role, std::string user = {}) {
  return Principal{.token_id = 11, .org = "comensha", .role = role, .user = std::move(user)};
}

TEST(ActingUserTest, AWorkspaceTokenActsAsTheNamedPersonAndKeepsTheRest) {
  auto who = ActAs(Of(Role::kWorkspace), "j.devries");
  ASSERT_TRUE(who.ok()) << who.error().ToString();
  EXPECT_EQ(who->user, "j.devries");
  EXPECT_EQ(who->org, "comensha");
  EXPECT_EQ(who->role, Role::kWorkspace);
  EXPECT_EQ(who->token_id, 11);
  // A user the workspace token was issued with does not outrank the person named.
  auto named = ActAs(Of(Role::kWorkspace, "ws-1"), "a.bakker");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->user, "a.bakker");
  EXPECT_TRUE(ActAs(Of(Role::kWorkspace), std::string(64, 'a')).ok());
  EXPECT_TRUE(ActAs(Of(Role::kWorkspace), "0_x-y.z").ok());
}

TEST(ActingUserTest, AWorkspaceTokenMustNameOnePersonByUsername) {
  auto missing = ActAs(Of(Role::kWorkspace), std::nullopt);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(missing.error().code, "acting_user_required");
  EXPECT_EQ(missing.error().field, "Ketenpoort-Acting-User");
  for (const std::string& bad :
       std::vector<std::string>{"", "J.devries", "j devries", ".devries", "j.devries, a.bakker",
                                "j/devries", std::string(65, 'a'), std::string("j\0d", 3)}) {
    auto r = ActAs(Of(Role::kWorkspace), bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument) << bad;
    EXPECT_EQ(r.error().code, "invalid_acting_user") << bad;
    EXPECT_EQ(r.error().field, "Ketenpoort-Acting-User");
    if (!bad.empty()) {
      EXPECT_EQ(r.error().message.find(bad), std::string::npos) << "the value is not echoed";
    }
  }
}

TEST(ActingUserTest, NoOtherTokenMayNameAPerson) {
  for (Role role : {Role::kSender, Role::kRecipient, Role::kCoordinator, Role::kAuditor,
                    Role::kAdmin, Role::kPeer}) {
    for (const char* header : {"j.devries", ""}) {
      auto r = ActAs(Of(role, "fixed"), header);
      ASSERT_FALSE(r.ok()) << RoleName(role);
      EXPECT_EQ(r.error().kind, ErrorKind::kPermissionDenied);
      EXPECT_EQ(r.error().code, "acting_user_not_allowed");
      EXPECT_EQ(r.error().field, "Ketenpoort-Acting-User");
      EXPECT_EQ(r.error().message.find("j.devries"), std::string::npos);
    }
    // Without the header nothing changes: a token issued with --user keeps that user.
    auto plain = ActAs(Of(role, "fixed"), std::nullopt);
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(plain->user, "fixed");
    EXPECT_EQ(plain->role, role);
  }
}

}  // namespace
}  // namespace ketenpoort::auth
