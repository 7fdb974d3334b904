// GatewayLink's opening of a file sealed apart from its message (a secure-mail reply's upload),
// in memory: the plaintext comes back only when the envelope and the ciphertext belong together.
#include <gtest/gtest.h>

#include <string>

#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/detached_envelope.h"
#include "gateway/workspace/gateway_link.h"

namespace ketenpoort::workspace {
namespace {

using crypto::testing::TempDir;
using crypto::testing::TestPki;

struct Sealed {
  std::string ciphertext;
  Bytes envelope;
};

Sealed Seal(const crypto::Certificate& to, const std::string& plain) {
  auto sealer = crypto::DetachedSealer::Create({to});
  EXPECT_TRUE(sealer.ok());
  auto head = sealer->Update(AsBytes(plain));
  EXPECT_TRUE(head.ok());
  auto done = sealer->Finish();
  EXPECT_TRUE(done.ok());
  Sealed s;
  s.ciphertext.assign(head->begin(), head->end());
  s.ciphertext.append(done->ciphertext_tail.begin(), done->ciphertext_tail.end());
  s.envelope = done->envelope_der;
  return s;
}

TEST(GatewayLink, OpensADetachedFileInMemoryAndRefusesAChangedOne) {
  TempDir dir;
  TestPki pki(dir);
  auto shop = pki.Issue("shop", {.smime = true});
  auto other = pki.Issue("other", {.smime = true});
  crypto::testing::WriteFile(dir.File("shop.token"), std::string_view("kpt_synthetic\n"));
  WorkspaceOrganisation org{.id = "shop",
                            .gateway_url = "https://127.0.0.1:1",
                            .ca_file = pki.ca_path,
                            .token_file = dir.File("shop.token"),
                            .key_file = shop.key_path,
                            .cert_file = shop.cert_path,
                            .pseudonym_key_file = dir.File("none.key")};
  auto link = GatewayLink::Open(org);
  ASSERT_TRUE(link.ok()) << link.error().ToString();

  const std::string plain(300 * 1024, 'x');  // more than one read of the reader
  Sealed s = Seal(shop.cert, plain);
  auto opened = (*link)->OpenDetached(s.envelope, s.ciphertext);
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  EXPECT_EQ(std::string(opened->begin(), opened->end()), plain);

  std::string changed = s.ciphertext;
  changed[10] ^= 1;
  EXPECT_FALSE((*link)->OpenDetached(s.envelope, changed).ok());
  EXPECT_FALSE((*link)->OpenDetached(s.envelope, s.ciphertext.substr(1)).ok());
  // Sealed for someone else: this organisation's key does not open it.
  Sealed foreign = Seal(other.cert, "not for shop");
  EXPECT_FALSE((*link)->OpenDetached(foreign.envelope, foreign.ciphertext).ok());
}

}  // namespace
}  // namespace ketenpoort::workspace
