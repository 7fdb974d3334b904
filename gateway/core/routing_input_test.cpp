#include <gtest/gtest.h>

#include "gateway/core/routing_rules.h"

namespace ketenpoort {
namespace {

using nlohmann::json;

TEST(RoutingInputFromJsonTest, ReadsKindRoutingAndLegalBasis) {
  auto in = RoutingInputFromJson(json::parse(
      R"({"kind":"signal","routing":{"region":"GM0599","age_band":"minor"},"legal_basis":"consent"})"));
  ASSERT_TRUE(in.ok()) << in.error().ToString();
  EXPECT_EQ(in->kind, "signal");
  EXPECT_EQ(in->routing.at("region"), "GM0599");
  EXPECT_EQ(in->routing.at("age_band"), "minor");
  EXPECT_EQ(in->legal_basis, LegalBasis::kConsent);
}

TEST(RoutingInputFromJsonTest, LegalBasisAndRoutingAreOptional) {
  auto in = RoutingInputFromJson(json::parse(R"({"kind":"b8","legal_basis":null})"));
  ASSERT_TRUE(in.ok()) << in.error().ToString();
  EXPECT_TRUE(in->routing.empty());
  EXPECT_FALSE(in->legal_basis.has_value());
}

struct Bad {
  const char* name;
  const char* body;
  const char* code;
  const char* field;
};

class RoutingInputBadTest : public testing::TestWithParam<Bad> {};

TEST_P(RoutingInputBadTest, IsA400NamingTheField) {
  auto in = RoutingInputFromJson(json::parse(GetParam().body));
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(in.error().code, GetParam().code) << in.error().message;
  EXPECT_EQ(in.error().field, GetParam().field) << in.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RoutingInputBadTest,
    testing::Values(Bad{"MissingKind", R"({"routing":{}})", "invalid_request", "kind"},
                    Bad{"KindNotString", R"({"kind":7})", "invalid_request", "kind"},
                    Bad{"RoutingNotObject", R"({"kind":"signal","routing":[1]})", "invalid_request",
                        "routing"},
                    Bad{"RoutingValueNotString", R"({"kind":"signal","routing":{"region":5}})",
                        "invalid_request", "routing.region"},
                    Bad{"UnknownRoutingKey", R"({"kind":"signal","routing":{"shoe_size":"42"}})",
                        "unknown_routing_key", "routing.shoe_size"},
                    Bad{"UnknownLegalBasis", R"({"kind":"signal","legal_basis":"because"})",
                        "invalid_legal_basis", "legal_basis"}),
    [](const testing::TestParamInfo<Bad>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ketenpoort
