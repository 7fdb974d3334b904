#include "adapters/kinds/b8/b8_kind.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adapters/kinds/lifecycle_table.h"
#include "adapters/kinds/registry.h"

namespace ketenpoort::kinds {
namespace {

using nlohmann::json;

TEST(B8KindTest, LifecycleAllowsExactlyTheProcedure) {
  test::ExpectExactly(B8Kind().lifecycle(),
                      {{"sent", {"delivered", "undeliverable"}},
                       {"delivered", {"received", "reported", "declined", "ended"}},
                       {"received", {"reported", "declined", "ended"}},
                       {"declined", {"reported", "ended"}},
                       {"reported", {"application_filed", "ended"}},
                       {"application_filed", {"granted", "refused"}},
                       {"granted", {"extended", "ended"}},
                       {"refused", {"ended"}},
                       {"extended", {"ended"}},
                       {"undeliverable", {}},
                       {"ended", {}}});
  EXPECT_EQ(B8Kind().lifecycle().scope(), LifecycleScope::kMessage);
}

TEST(B8KindTest, PoliceReportsAndFilesImmigrationDecides) {
  test::ExpectSetters(
      B8Kind().lifecycle(),
      {
          {"reported", OrgKind::kPolice, true, false, true},
          {"declined", OrgKind::kPolice, true, false, true},
          {"application_filed", OrgKind::kPolice, true, false, true},
          {"reported", OrgKind::kImmigration, false, true, false},
          {"reported", OrgKind::kCareCoordination, false, true, false},
          {"application_filed", OrgKind::kNationalRegistration, false, true, false},
          {"granted", OrgKind::kImmigration, false, true, true},
          {"refused", OrgKind::kImmigration, false, true, true},
          {"extended", OrgKind::kImmigration, false, true, true},
          {"granted", OrgKind::kPolice, true, false, false},
          {"refused", OrgKind::kCareCoordination, false, true, false},
          {"ended", OrgKind::kPolice, true, false, true},
          {"ended", OrgKind::kImmigration, false, true, true},
          {"ended", OrgKind::kNationalRegistration, false, true, false},
          {"granted", OrgKind::kImmigration, false, false, false},  // not a party at all
      });
}

TEST(B8KindTest, PayloadStepsAndDates) {
  const CodeLists& lists = BuiltinCodeLists();
  json p = {
      {"client_ref", "p-9"}, {"step", "reflection_offered"}, {"reflection_start", "2026-11-23"}};
  EXPECT_TRUE(B8Kind().ValidatePayload(p, lists, {}, false).ok());
  p["step"] = "coffee";
  EXPECT_EQ(B8Kind().ValidatePayload(p, lists, {}, false).error().field, "step");
  p["step"] = "decision";
  p["outcome"] = "permit_maybe";
  EXPECT_EQ(B8Kind().ValidatePayload(p, lists, {}, false).error().field, "outcome");
  EXPECT_EQ(B8Kind().spec().retention_days, 1825);
}

}  // namespace
}  // namespace ketenpoort::kinds
