#include "gateway/messages/federation_message.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "gateway/store/message_repository.h"

namespace ketenpoort::delivery {
namespace {

using nlohmann::json;

FederationMessage Sample() {
  return FederationMessage{
      .id = "m-0123456789abcdef",
      .kind = "signal",
      .from = "shop-denhaag",
      .recipients = {"comensha", "politie-avim-haaglanden"},
      .routing = {{"region", "GM0518"}, {"age_band", "adult"}},
      .subject_ref = "a5808f56c6117d6730668e4953802f6dc18344669da05905ec56f481e7d27675",
      .legal_basis = "vital_interest",
      .deadline_ms = 1796058000000,  // 2026-11-30T17:00:00.000Z
      .expires_ms = std::nullopt,
      .created_ms = 1795428000123,  // 2026-11-23T10:00:00.123Z
      .payload = ToBytes("synthetic envelope")};
}

// The bytes a peer gateway receives: this must not change without a new API version, since
// gateways of different releases deliver to each other.
TEST(FederationMessageTest, WritesTheWireFormatByteForByte) {
  EXPECT_EQ(
      ToJson(Sample()).dump(),
      R"({"created":"2026-11-23T10:00:00.123Z","deadline":"2026-11-30T17:00:00.000Z",)"
      R"("expires":null,"from":"shop-denhaag","id":"m-0123456789abcdef","kind":"signal",)"
      R"("legal_basis":"vital_interest","payload":"c3ludGhldGljIGVudmVsb3Bl",)"
      R"("recipients":["comensha","politie-avim-haaglanden"],)"
      R"("routing":{"age_band":"adult","region":"GM0518"},"subject_ref":"a5808f56c6117d6730668e4953802f6dc18344669da05905ec56f481e7d27675"})");
}

TEST(FederationMessageTest, TheHeaderIsTheWireFormatWithoutThePayload) {
  json header = HeaderToJson(Sample());
  json wire = ToJson(Sample());
  EXPECT_FALSE(header.contains("payload"));
  wire.erase("payload");
  EXPECT_EQ(header, wire);
}

TEST(FederationMessageTest, ReadsBackWhatItWrote) {
  FederationMessage m = Sample();
  auto back = FederationMessageFromJson(json::parse(ToJson(m).dump()));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, m);

  // No subject, no legal basis, an expiry and no deadline survive as well.
  m.subject_ref = "";
  m.legal_basis = "";
  m.deadline_ms = std::nullopt;
  m.expires_ms = 1798020000000;  // 2026-12-23T10:00:00.000Z
  back = FederationMessageFromJson(ToJson(m));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, m);
}

TEST(FederationMessageTest, NullAndAbsentOptionalFieldsAreTheSame) {
  json wire = ToJson(Sample());
  wire.erase("deadline");
  wire.erase("subject_ref");
  wire["legal_basis"] = nullptr;
  auto m = FederationMessageFromJson(wire);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->deadline_ms, std::nullopt);
  EXPECT_EQ(m->subject_ref, "");
  EXPECT_EQ(m->legal_basis, "");
}

TEST(FederationMessageTest, RefusesEveryMalformedField) {
  struct Case {
    std::string what;
    std::function<void(json&)> change;
    std::string code;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"an unknown key", [](json& w) { w["priority"] = "high"; }, "unknown_field", "priority"},
      {"the recalled flag of a fetched message", [](json& w) { w["recalled"] = false; },
       "unknown_field", "recalled"},
      {"no kind", [](json& w) { w.erase("kind"); }, "invalid_request", "kind"},
      {"a kind of the wrong type", [](json& w) { w["kind"] = 7; }, "invalid_request", "kind"},
      {"routing not an object", [](json& w) { w["routing"] = "GM0518"; }, "invalid_request",
       "routing"},
      {"a routing value not a string", [](json& w) { w["routing"]["region"] = 518; },
       "invalid_request", "routing.region"},
      {"an unknown routing key", [](json& w) { w["routing"]["colour"] = "red"; },
       "unknown_routing_key", "routing.colour"},
      {"an unknown legal basis", [](json& w) { w["legal_basis"] = "curiosity"; },
       "invalid_legal_basis", "legal_basis"},
      {"no id", [](json& w) { w.erase("id"); }, "invalid_request", "id"},
      {"an id of the wrong type", [](json& w) { w["id"] = 42; }, "invalid_request", "id"},
      {"an id with a space", [](json& w) { w["id"] = "m 1"; }, "invalid_message_id", "id"},
      {"an id too long", [](json& w) { w["id"] = std::string(129, 'a'); }, "invalid_message_id",
       "id"},
      {"no sender", [](json& w) { w.erase("from"); }, "invalid_request", "from"},
      {"a sender of the wrong type", [](json& w) { w["from"] = json::array(); }, "invalid_request",
       "from"},
      {"no recipients", [](json& w) { w.erase("recipients"); }, "invalid_request", "recipients"},
      {"no recipient at all", [](json& w) { w["recipients"] = json::array(); }, "invalid_request",
       "recipients"},
      {"recipients not an array", [](json& w) { w["recipients"] = "comensha"; }, "invalid_request",
       "recipients"},
      {"a recipient twice",
       [](json& w) {
         w["recipients"] = {"comensha", "comensha"};
       },
       "invalid_request", "recipients[1]"},
      {"a subject that is a name", [](json& w) { w["subject_ref"] = "Jan de Vries"; },
       "invalid_subject_ref", "subject_ref"},
      {"a subject of the wrong type", [](json& w) { w["subject_ref"] = 3; }, "invalid_request",
       "subject_ref"},
      {"a deadline that is no time", [](json& w) { w["deadline"] = "next week"; }, "invalid_time",
       "deadline"},
      {"an expiry that is no time", [](json& w) { w["expires"] = "2026-13-01"; }, "invalid_time",
       "expires"},
      {"no created", [](json& w) { w.erase("created"); }, "invalid_request", "created"},
      {"a created of the wrong type", [](json& w) { w["created"] = 1795428000123; },
       "invalid_request", "created"},
      {"a created that is no time", [](json& w) { w["created"] = "yesterday"; }, "invalid_time",
       "created"},
      {"no payload", [](json& w) { w.erase("payload"); }, "invalid_request", "payload"},
      {"a payload of the wrong type", [](json& w) { w["payload"] = json::object(); },
       "invalid_request", "payload"},
      {"a payload that is not base64", [](json& w) { w["payload"] = "not base64!"; },
       "invalid_payload", "payload"},
  };
  for (const Case& c : cases) {
    json wire = ToJson(Sample());
    c.change(wire);
    auto m = FederationMessageFromJson(wire);
    ASSERT_FALSE(m.ok()) << c.what;
    EXPECT_EQ(m.error().kind, ErrorKind::kInvalidArgument) << c.what;
    EXPECT_EQ(m.error().code, c.code) << c.what << ": " << m.error().ToString();
    EXPECT_EQ(m.error().field, c.field) << c.what << ": " << m.error().ToString();
  }
  for (const json& not_an_object : {json::array(), json("message"), json(nullptr)}) {
    auto m = FederationMessageFromJson(not_an_object);
    ASSERT_FALSE(m.ok()) << not_an_object.dump();
    EXPECT_EQ(m.error().code, "unknown_field") << not_an_object.dump();
  }
}

TEST(FederationMessageTest, NamesTheIdOfARefusedBodyOnlyWhenItIsAnId) {
  json wire = ToJson(Sample());
  wire["payload"] = 1;
  EXPECT_EQ(MessageIdOf(wire), "m-0123456789abcdef");
  wire["id"] = "m 1; drop";
  EXPECT_EQ(MessageIdOf(wire), "");
  wire["id"] = 1;
  EXPECT_EQ(MessageIdOf(wire), "");
  EXPECT_EQ(MessageIdOf(json::array({"m-1"})), "");
}

TEST(FederationMessageTest, TakesTheStoredMessageForTheRecipientsGiven) {
  store::MessageRecord r;
  r.id = "m-0123456789abcdef";
  r.kind = "signal";
  r.sender_org = "shop-denhaag";
  r.sender_user = "medewerker-1";  // never on the wire
  r.subject_ref = "a5808f56c6117d6730668e4953802f6dc18344669da05905ec56f481e7d27675";
  r.routing = {{"region", "GM0518"}, {"age_band", "adult"}};
  r.legal_basis = "vital_interest";
  r.deadline_ms = 1796058000000;
  r.created_ms = 1795428000123;
  r.recalled_ms = 1795428000999;  // shown by message fetch beside the header, not in it
  r.payload = ToBytes("synthetic envelope");
  r.payload_sha256 = {1, 2, 3};
  EXPECT_EQ(FederationMessageOf(r, {"comensha", "politie-avim-haaglanden"}), Sample());
  r.payload.reset();  // recalled, purged or not loaded
  EXPECT_TRUE(FederationMessageOf(r, {"comensha"}).payload.empty());
}

}  // namespace
}  // namespace ketenpoort::delivery
