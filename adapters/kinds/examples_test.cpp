// The examples at the top of adapters/kinds' headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <gtest/gtest.h>

#include "adapters/kinds/b8/b8_kind.h"
#include "adapters/kinds/lifecycle_table.h"
#include "adapters/kinds/referral/referral_kind.h"
#include "adapters/kinds/registry.h"
#include "adapters/kinds/signal/signal_kind.h"
#include "gateway/api/http_status.h"

namespace ketenpoort::kinds {
namespace {

// adapters/kinds/registry.h
TEST(KindsExamples, Registry) {
  const KindRegistry& kinds = kinds::BuiltinKinds();
  ASSERT_NE(kinds.Find("b8"), nullptr);
  EXPECT_EQ(kinds.Find("b8")->spec().retention_days, 1825);
  EXPECT_EQ(kinds.code_lists().Latest("exploitation"), 2);
}

// adapters/kinds/lifecycle_table.h
TEST(KindsExamples, LifecycleTable) {
  test::ExpectExactly(ReferralKind().lifecycle(),
                      {{"sent", {"delivered", "undeliverable"}},
                       {"delivered", {"received", "accepted", "declined", "needs_info", "closed"}},
                       {"received", {"accepted", "declined", "needs_info", "closed"}},
                       {"needs_info", {"received", "accepted", "declined", "closed"}},
                       {"accepted", {"intake_planned", "closed"}},
                       {"intake_planned", {"closed"}},
                       {"declined", {"closed"}},
                       {"undeliverable", {}},
                       {"closed", {}}});
}

// adapters/kinds/b8/b8_kind.h
TEST(KindsExamples, B8Kind) {
  const MessageKind& k = B8Kind();
  EXPECT_TRUE(k.lifecycle().CheckSetter("granted", OrgKind::kImmigration, false, true).ok());
  Status police = k.lifecycle().CheckSetter("granted", OrgKind::kPolice, true, false);
  ASSERT_FALSE(police.ok());
  EXPECT_EQ(api::HttpStatus(police.error().kind), 403);
}

// adapters/kinds/referral/referral_kind.h
TEST(KindsExamples, ReferralKind) {
  const MessageKind& k = ReferralKind();
  EXPECT_TRUE(k.lifecycle().Check("received", "accepted").ok());
  Status police = k.lifecycle().CheckSetter("accepted", OrgKind::kPolice, false, true);
  ASSERT_FALSE(police.ok());
  EXPECT_EQ(api::HttpStatus(police.error().kind), 403);
}

// adapters/kinds/signal/signal_kind.h
TEST(KindsExamples, SignalKind) {
  const MessageKind& k = SignalKind();
  EXPECT_TRUE(k.lifecycle().Check("received", "assessed").ok());
}

}  // namespace
}  // namespace ketenpoort::kinds
