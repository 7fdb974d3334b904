// The peer binding: what a peer token is issued with, carries into its Principal, and is
// checked against (the connection's client certificate, the sender's directory entry).
#include "gateway/auth/peer_binding.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "gateway/auth/api_token.h"
#include "gateway/store/database.h"
#include "gateway/store/db_key.h"
#include "gateway/store/migrations.h"
#include "gateway/store/test_support.h"

namespace ketenpoort::auth {
namespace {

// Fingerprints as Certificate::Sha256Fingerprint() writes them (synthetic values).
std::string Fingerprint(char nibble) {
  std::string out;
  for (int i = 0; i < 32; ++i) {
    if (i > 0)
      out.push_back(':');
    out += std::string(2, nibble);
  }
  return out;
}

const std::string kGwB = "https://gw-b.example.org:8443";
const std::string kGwC = "https://gw-c.example.org:8443";

Principal PeerB() {
  return Principal{.token_id = 7,
                   .org = "gw-b",
                   .role = Role::kPeer,
                   .user = "",
                   .peer = {.gateway_url = kGwB, .cert_sha256 = Fingerprint('B')}};
}

TEST(PeerBindingTest, AFingerprintIsThirtyTwoUpperCaseHexPairs) {
  EXPECT_TRUE(IsSha256Fingerprint(Fingerprint('B')));
  EXPECT_TRUE(IsSha256Fingerprint(Fingerprint('0')));
  EXPECT_FALSE(IsSha256Fingerprint(""));
  EXPECT_FALSE(IsSha256Fingerprint(Fingerprint('b')));            // lower case
  EXPECT_FALSE(IsSha256Fingerprint(Fingerprint('B').substr(3)));  // 31 bytes
  EXPECT_FALSE(IsSha256Fingerprint(Fingerprint('B') + ":BB"));    // 33 bytes
  std::string dashed = Fingerprint('B');
  dashed[2] = '-';
  EXPECT_FALSE(IsSha256Fingerprint(dashed));
}

TEST(PeerBindingTest, ABindingNeedsAnHttpsGatewayUrlAndAFingerprint) {
  EXPECT_TRUE(ValidatePeerBinding({.gateway_url = kGwB, .cert_sha256 = Fingerprint('B')}));
  auto no_url = ValidatePeerBinding({.gateway_url = "gw-b", .cert_sha256 = Fingerprint('B')});
  ASSERT_FALSE(no_url);
  EXPECT_EQ(no_url.error().code, "invalid_peer_binding");
  EXPECT_EQ(no_url.error().field, "gateway_url");
  auto no_cert = ValidatePeerBinding({.gateway_url = kGwB, .cert_sha256 = "3F:A1"});
  ASSERT_FALSE(no_cert);
  EXPECT_EQ(no_cert.error().field, "cert_sha256");
}

TEST(PeerBindingTest, APeerMustPresentTheCertificateItsTokenWasIssuedFor) {
  EXPECT_TRUE(CheckPeerCertificate(PeerB(), Fingerprint('B')));
  for (const std::string& presented : {std::string(), Fingerprint('C')}) {
    auto refused = CheckPeerCertificate(PeerB(), presented);
    ASSERT_FALSE(refused) << presented;
    EXPECT_EQ(refused.error().code, "peer_certificate_mismatch");
    EXPECT_EQ(refused.error().kind, ErrorKind::kPermissionDenied);
    // Ids only: the token's id and gateway, never a fingerprint.
    EXPECT_NE(refused.error().message.find("7"), std::string::npos);
    EXPECT_EQ(refused.error().message.find(Fingerprint('B')), std::string::npos);
  }
  Principal unbound = PeerB();
  unbound.peer = {};
  auto old = CheckPeerCertificate(unbound, Fingerprint('B'));
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().code, "peer_token_unbound");
}

TEST(PeerBindingTest, OtherRolesNeedNoCertificate) {
  for (Role role :
       {Role::kSender, Role::kRecipient, Role::kCoordinator, Role::kAuditor, Role::kAdmin}) {
    Principal p{.token_id = 1, .org = "shop-denhaag", .role = role};
    EXPECT_TRUE(CheckPeerCertificate(p, "")) << RoleName(role);
  }
}

TEST(PeerBindingTest, APeerSpeaksOnlyForOrganisationsItsGatewayServes) {
  Organisation on_b{.id = "comensha", .gateway_url = "https://GW-B.example.org:8443/"};
  Organisation on_c{.id = "meldpunt-rotterdam", .gateway_url = kGwC};
  Organisation here{.id = "shop-denhaag"};
  EXPECT_TRUE(CheckServedByPeer(PeerB(), on_b));
  for (const Organisation& o : {on_c, here}) {
    auto refused = CheckServedByPeer(PeerB(), o);
    ASSERT_FALSE(refused) << o.id;
    EXPECT_EQ(refused.error().code, "sender_not_served_by_peer");
    EXPECT_EQ(refused.error().kind, ErrorKind::kPermissionDenied);
  }
  Principal unbound = PeerB();
  unbound.peer = {};
  EXPECT_FALSE(CheckServedByPeer(unbound, on_b));
  Principal sender{.token_id = 2,
                   .org = "gw-b",
                   .role = Role::kSender,
                   .peer = PeerB().peer};  // not a peer token, whatever it carries
  EXPECT_FALSE(CheckServedByPeer(sender, on_b));
}

class PeerTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto db = store::Database::Open(dir_.File("t.db"), store::DbKey::Generate(),
                                    store::OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_.emplace(std::move(*db));
    ASSERT_TRUE(store::Migrate(*db_).ok());
  }
  store::test::TempDir dir_;
  std::optional<store::Database> db_;
};

TEST_F(PeerTokenTest, APeerTokenCarriesItsBindingIntoThePrincipal) {
  const PeerBinding binding{.gateway_url = kGwB, .cert_sha256 = Fingerprint('B')};
  auto token = IssuePeerToken(*db_, "gw-b", binding);
  ASSERT_TRUE(token.ok()) << token.error().ToString();
  auto who = AuthenticateApiToken(*db_, *token);
  ASSERT_TRUE(who.ok()) << who.error().ToString();
  EXPECT_EQ(who->org, "gw-b");
  EXPECT_EQ(who->role, Role::kPeer);
  EXPECT_EQ(who->peer, binding);
  EXPECT_TRUE(CheckPeerCertificate(*who, Fingerprint('B')));
}

TEST_F(PeerTokenTest, NoPeerTokenWithoutACompleteBinding) {
  auto unbound = IssueApiToken(*db_, "gw-b", Role::kPeer, "");
  ASSERT_FALSE(unbound.ok());
  EXPECT_EQ(unbound.error().code, "peer_binding_required");
  auto half = IssuePeerToken(*db_, "gw-b", {.gateway_url = kGwB, .cert_sha256 = ""});
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.error().code, "invalid_peer_binding");
  // Nothing was stored for either.
  auto count = db_->Prepare("SELECT count(*) FROM api_tokens");
  ASSERT_TRUE(count.ok());
  ASSERT_TRUE(count->Step().ok());
  EXPECT_EQ(count->ColumnInt64(0), 0);
  // Other roles are issued as before, without a binding.
  auto sender = IssueApiToken(*db_, "shop-denhaag", Role::kSender, "a.dekker");
  ASSERT_TRUE(sender.ok());
  EXPECT_TRUE(AuthenticateApiToken(*db_, *sender)->peer.empty());
}

}  // namespace
}  // namespace ketenpoort::auth
