#include "gateway/store/token_repository.h"

#include <gtest/gtest.h>

#include <string>

#include "gateway/crypto/random.h"
#include "gateway/store/migrations.h"
#include "gateway/store/test_support.h"

namespace ketenpoort::store {
namespace {

using test::TempDir;

class TokenRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto db = test::MigratedDatabase(dir_.File("k.db"));
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_.emplace(std::move(*db));
  }

  static crypto::Digest NewTokenHash() { return crypto::Sha256(AsBytes(crypto::RandomToken(32))); }

  TempDir dir_;
  std::optional<Database> db_;
};

TEST_F(TokenRepositoryTest, InsertThenFind) {
  TokenRepository tokens(*db_);
  crypto::Digest hash = NewTokenHash();
  auto id = tokens.Insert(hash, "shop-denhaag", "coordinator", "j.jansen", 1700000000);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_GT(*id, 0);

  auto found = tokens.FindActiveByHash(hash);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  const TokenRecord& r = **found;
  EXPECT_EQ(r.id, *id);
  EXPECT_EQ(r.org, "shop-denhaag");
  EXPECT_EQ(r.role, "coordinator");
  EXPECT_EQ(r.user, "j.jansen");
  EXPECT_EQ(r.created_at, 1700000000);
  EXPECT_FALSE(r.revoked_at.has_value());
}

TEST_F(TokenRepositoryTest, APeerTokenKeepsItsGatewayAndCertificate) {
  TokenRepository tokens(*db_);
  const PeerBinding binding{.gateway_url = "https://gw-b.example.org:8443",
                            .cert_sha256 = "3F:A1:00:09"};
  crypto::Digest peer_hash = NewTokenHash();
  ASSERT_TRUE(tokens.Insert(peer_hash, "gw-b", "peer", "", 1, binding).ok());
  crypto::Digest other_hash = NewTokenHash();
  ASSERT_TRUE(tokens.Insert(other_hash, "politie", "sender", "", 1).ok());

  auto peer = tokens.FindActiveByHash(peer_hash);
  ASSERT_TRUE(peer.ok() && peer->has_value());
  EXPECT_EQ((*peer)->peer, binding);
  auto other = tokens.FindActiveByHash(other_hash);
  ASSERT_TRUE(other.ok() && other->has_value());
  EXPECT_TRUE((*other)->peer.empty());
}

TEST_F(TokenRepositoryTest, SystemClientHasEmptyUser) {
  TokenRepository tokens(*db_);
  crypto::Digest hash = NewTokenHash();
  ASSERT_TRUE(tokens.Insert(hash, "politie", "sender", "", 1).ok());
  auto found = tokens.FindActiveByHash(hash);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->user, "");
}

TEST_F(TokenRepositoryTest, UnknownHashIsNotFound) {
  TokenRepository tokens(*db_);
  ASSERT_TRUE(tokens.Insert(NewTokenHash(), "politie", "sender", "", 1).ok());
  auto found = tokens.FindActiveByHash(NewTokenHash());
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST_F(TokenRepositoryTest, RevokedTokenIsNotFound) {
  TokenRepository tokens(*db_);
  crypto::Digest hash = NewTokenHash();
  auto id = tokens.Insert(hash, "politie", "sender", "", 1);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(tokens.Revoke(*id, 5).ok());
  auto found = tokens.FindActiveByHash(hash);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());

  // Revoking again is fine and keeps the first time.
  ASSERT_TRUE(tokens.Revoke(*id, 9).ok());
  auto stmt = db_->Prepare("SELECT revoked_at FROM api_tokens WHERE id = ?");
  ASSERT_TRUE(stmt.ok());
  stmt->Bind(1, *id);
  ASSERT_TRUE(*stmt->Step());
  EXPECT_EQ(stmt->ColumnInt64(0), 5);
}

TEST_F(TokenRepositoryTest, RevokeUnknownIdIsNotFound) {
  TokenRepository tokens(*db_);
  Status s = tokens.Revoke(12345, 1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "token_not_found");
  EXPECT_EQ(s.error().kind, ErrorKind::kNotFound);
}

TEST_F(TokenRepositoryTest, SameHashTwiceIsAConflict) {
  TokenRepository tokens(*db_);
  crypto::Digest hash = NewTokenHash();
  ASSERT_TRUE(tokens.Insert(hash, "politie", "sender", "", 1).ok());
  auto again = tokens.Insert(hash, "politie", "sender", "", 2);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "constraint_violation");
  EXPECT_EQ(again.error().kind, ErrorKind::kConflict);
}

TEST_F(TokenRepositoryTest, RejectsUnknownRoleAndEmptyOrg) {
  TokenRepository tokens(*db_);
  auto role = tokens.Insert(NewTokenHash(), "politie", "superuser", "", 1);
  ASSERT_FALSE(role.ok());
  EXPECT_EQ(role.error().code, "unknown_role");
  EXPECT_EQ(role.error().field, "role");
  auto org = tokens.Insert(NewTokenHash(), "", "sender", "", 1);
  ASSERT_FALSE(org.ok());
  EXPECT_EQ(org.error().code, "org_required");
}

TEST_F(TokenRepositoryTest, OnlyTheHashIsStored) {
  TokenRepository tokens(*db_);
  const std::string token = "kpt_" + crypto::RandomToken(32);
  const crypto::Digest hash = crypto::Sha256(AsBytes(token));
  ASSERT_TRUE(tokens.Insert(hash, "politie", "sender", "", 1).ok());
  auto stmt = db_->Prepare("SELECT token_hash FROM api_tokens");
  ASSERT_TRUE(stmt.ok());
  ASSERT_TRUE(*stmt->Step());
  EXPECT_EQ(stmt->ColumnBlob(0), Bytes(hash.begin(), hash.end()));
  // A hash of the wrong length cannot be stored at all.
  EXPECT_FALSE(db_->Exec("INSERT INTO api_tokens(token_hash, org, role, created_at) "
                         "VALUES(x'00', 'o', 'sender', 1)")
                   .ok());
}

}  // namespace
}  // namespace ketenpoort::store
