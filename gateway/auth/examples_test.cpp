// The examples at the top of gateway/auth's headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "gateway/auth/acting_user.h"
#include "gateway/auth/api_token.h"
#include "gateway/auth/peer_binding.h"
#include "gateway/auth/token_cache.h"
#include "gateway/core/directory.h"
#include "gateway/crypto/crypto_test_util.h"
#include "gateway/store/test_support.h"

namespace ketenpoort::auth {
namespace {

// A peer gateway's TLS client certificate, from a throwaway CA.
struct PeerCert {
  crypto::testing::TempDir dir;
  crypto::testing::TestPki pki{dir};
  crypto::testing::TestParty gw_b = pki.Issue("gw-b", {.tls_client = true});
};

// gateway/auth/acting_user.h
TEST(AuthExamples, ActingUser) {
  Principal workspace{.token_id = 3, .org = "comensha", .role = Role::kWorkspace};
  auto who = ActAs(workspace, "j.devries");
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->user, "j.devries");
  EXPECT_EQ(ActAs(workspace, std::nullopt).error().code, "acting_user_required");
  EXPECT_EQ(ActAs(workspace, "J de Vries").error().code, "invalid_acting_user");
  EXPECT_EQ(ActAs(Principal{.role = Role::kCoordinator}, "j.devries").error().kind,
            ErrorKind::kPermissionDenied);
}

// gateway/auth/api_token.h
TEST(AuthExamples, ApiToken) {
  store::test::TempDir dir;
  auto opened = store::test::MigratedDatabase(dir.File("kp.db"));
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  store::Database& db = *opened;
  PeerCert certs;
  const crypto::Certificate& gw_b_cert = certs.gw_b.cert;

  auto token = IssueApiToken(db, "shop-denhaag", Role::kSender, "a.dekker");
  ASSERT_TRUE(token.ok()) << token.error().ToString();
  EXPECT_EQ(token->rfind("kpt_", 0), 0u);
  auto who = AuthenticateApiToken(db, *token);
  ASSERT_TRUE(who.ok()) << who.error().ToString();
  EXPECT_EQ(who->org, "shop-denhaag");
  EXPECT_EQ(who->role, Role::kSender);
  auto peer = IssuePeerToken(db, "gw-b",
                             {.gateway_url = "https://gw-b.example.org:8443",
                              .cert_sha256 = gw_b_cert.Sha256Fingerprint()});
  ASSERT_TRUE(peer.ok()) << peer.error().ToString();
  auto bound = AuthenticateApiToken(db, *peer);
  ASSERT_TRUE(bound.ok());
  EXPECT_EQ(bound->role, Role::kPeer);
  EXPECT_EQ(bound->peer, (PeerBinding{.gateway_url = "https://gw-b.example.org:8443",
                                      .cert_sha256 = gw_b_cert.Sha256Fingerprint()}));
}

// gateway/auth/peer_binding.h
TEST(AuthExamples, PeerBinding) {
  PeerCert certs;
  const crypto::Certificate& cert = certs.gw_b.cert;
  auto directory =
      Directory::FromOrganisations({Organisation{.id = "politie-noord",
                                                 .name = "Politie Noord",
                                                 .kind = OrgKind::kPolice,
                                                 .regions = {"NL"},
                                                 .accepts = {"signal"},
                                                 .gateway_url = "https://gw-b.example.org:8443"},
                                    Organisation{.id = "comensha",
                                                 .name = "CoMensha",
                                                 .kind = OrgKind::kNationalRegistration,
                                                 .regions = {"NL"},
                                                 .accepts = {"signal"}}});
  ASSERT_TRUE(directory.ok()) << directory.error().ToString();

  auto run = [&](const Principal& principal, std::string_view client_cert_sha256,
                 const std::string& from) -> Status {
    PeerBinding b{.gateway_url = "https://gw-b.example.org:8443",
                  .cert_sha256 = cert.Sha256Fingerprint()};
    KP_RETURN_IF_ERROR(ValidatePeerBinding(b));
    KP_RETURN_IF_ERROR(CheckPeerCertificate(principal, client_cert_sha256));
    KP_RETURN_IF_ERROR(CheckServedByPeer(principal, *directory->Find(from)));
    return Ok();
  };
  const Principal principal{.token_id = 7,
                            .org = "gw-b",
                            .role = Role::kPeer,
                            .peer = {.gateway_url = "https://gw-b.example.org:8443",
                                     .cert_sha256 = cert.Sha256Fingerprint()}};
  EXPECT_TRUE(run(principal, cert.Sha256Fingerprint(), "politie-noord").ok());

  Status other_cert = run(principal, "", "politie-noord");
  ASSERT_FALSE(other_cert.ok());
  EXPECT_EQ(other_cert.error().kind, ErrorKind::kPermissionDenied);
  EXPECT_EQ(other_cert.error().code, "peer_certificate_mismatch");
  Status served_here = run(principal, cert.Sha256Fingerprint(), "comensha");
  ASSERT_FALSE(served_here.ok());
  EXPECT_EQ(served_here.error().code, "sender_not_served_by_peer");
  Principal unbound = principal;
  unbound.peer = {};
  Status old_token = run(unbound, cert.Sha256Fingerprint(), "politie-noord");
  ASSERT_FALSE(old_token.ok());
  EXPECT_EQ(old_token.error().code, "peer_token_unbound");
  Principal sender{.token_id = 8, .org = "comensha", .role = Role::kSender};
  EXPECT_TRUE(CheckPeerCertificate(sender, "").ok());  // other roles pass untouched
}

// gateway/auth/token_cache.h
TEST(AuthExamples, TokenCache) {
  store::test::TempDir dir;
  auto opened = store::test::MigratedDatabase(dir.File("kp.db"));
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  store::Database& db = *opened;
  auto issued = IssueApiToken(db, "comensha", Role::kRecipient, "");
  ASSERT_TRUE(issued.ok());
  const std::string token = *issued;

  auth::TokenCache cache({.ttl = std::chrono::milliseconds(1000)});
  int database_reads = 0;
  auto authenticate = [&]() -> Result<Principal> {
    if (auto known = cache.Find(token))
      return *known;  // no database, no audit
    ++database_reads;
    auto principal = AuthenticateApiToken(db, token);
    if (principal)
      cache.Remember(token, *principal);
    return principal;
  };
  ASSERT_TRUE(authenticate().ok());
  auto again = authenticate();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->org, "comensha");
  EXPECT_EQ(database_reads, 1);
  EXPECT_EQ(cache.Find("kpt_unknown"), std::nullopt);
}

}  // namespace
}  // namespace ketenpoort::auth
