// The readable words, Dutch local time and payload rows of the message pages.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "adapters/kinds/registry.h"
#include "gateway/core/role.h"
#include "gateway/workspace/labels.h"
#include "gateway/workspace/local_time.h"
#include "gateway/workspace/message_view.h"

namespace ketenpoort::workspace {
namespace {

using api::Lang;
using nlohmann::json;

TEST(Labels, EveryCodeOfEveryBuiltinListAndEveryKindStateAndFieldHasAWord) {
  const KindRegistry& kinds = kinds::BuiltinKinds();
  const CodeLists& lists = kinds.code_lists();
  for (const std::string& list : lists.Names()) {
    for (int v = 1; v <= lists.Latest(list); ++v) {
      for (const std::string& code : lists.Codes(list, v))
        EXPECT_TRUE(HasLabel("code." + list, code)) << list << " " << code;
    }
  }
  for (const MessageKind* k : kinds.All()) {
    EXPECT_TRUE(HasLabel("kind", k->name())) << k->name();
    for (const std::string& s : k->lifecycle().states())
      EXPECT_TRUE(HasLabel("state", s)) << k->name() << " " << s;
    if (!k->spec().payload)
      continue;
    for (const FieldSpec& f : k->spec().payload->fields) {
      EXPECT_TRUE(HasLabel("field", f.name)) << k->name() << " " << f.name;
      for (const std::string& value : f.values)
        EXPECT_TRUE(HasLabel("enum." + f.name, value)) << f.name << " " << value;
    }
  }
  for (const std::string& s : GenericLifecycle().states())
    EXPECT_TRUE(HasLabel("state", s)) << s;
  // The audit page names the role of the token behind each entry in words too.
  for (Role r : {Role::kSender, Role::kRecipient, Role::kCoordinator, Role::kAuditor, Role::kAdmin,
                 Role::kPeer, Role::kWorkspace})
    EXPECT_TRUE(HasLabel("role", RoleName(r))) << RoleName(r);
  EXPECT_EQ(Label(Lang::kNl, "role", "workspace"), "via de werkplek");
}

TEST(Labels, AreInEnglishOnRequestAndButtonsSayWhatTheyDo) {
  EXPECT_EQ(Label(Lang::kEn, "kind", "b8"), "B8 procedure");
  EXPECT_EQ(Label(Lang::kNl, "do", "declined"), "Afwijzen");
  EXPECT_EQ(Label(Lang::kEn, "code.indicator", "debt_bondage"), "Debt bondage");
  EXPECT_FALSE(HasLabel("code.need", "made_up"));
}

TEST(LocalTime, IsDutchWinterAndSummerTimeWithTheMonthAsAWord) {
  EXPECT_EQ(LocalTimeText(Lang::kNl, "2026-12-03T13:05:00Z"), "3 december 2026 14:05");
  EXPECT_EQ(LocalTimeText(Lang::kEn, "2026-12-03T13:05:00.000Z"), "3 December 2026 14:05");
  EXPECT_EQ(LocalTimeText(Lang::kEn, "2026-07-01T08:00:00.000Z"), "1 July 2026 10:00");
  // The switches of 2026: 29 March and 25 October, at 01:00 UTC.
  EXPECT_EQ(LocalTimeText(Lang::kNl, "2026-03-29T00:59:00Z"), "29 maart 2026 01:59");
  EXPECT_EQ(LocalTimeText(Lang::kNl, "2026-03-29T01:00:00Z"), "29 maart 2026 03:00");
  EXPECT_EQ(LocalTimeText(Lang::kNl, "2026-10-25T00:59:00Z"), "25 oktober 2026 02:59");
  EXPECT_EQ(LocalTimeText(Lang::kNl, "2026-10-25T01:00:00Z"), "25 oktober 2026 02:00");
  // New Year's Eve late in the evening is the next day in Amsterdam.
  EXPECT_EQ(LocalTimeText(Lang::kNl, "2026-12-31T23:30:00Z"), "1 januari 2027 00:30");
  EXPECT_EQ(LocalTimeText(Lang::kNl, "2026-12-03T14:05:00+01:00"), "3 december 2026 14:05");
  EXPECT_EQ(DateText(Lang::kNl, "2026-03-29"), "29 maart 2026");
  EXPECT_EQ(DateText(Lang::kEn, "2026-02-30"), "2026-02-30");  // not a date: shown as it is
  EXPECT_EQ(LocalTimeText(Lang::kNl, "soon"), "soon");
  EXPECT_FALSE(ParseUtcTime("2026-12-03 13:05:00Z").has_value());
  EXPECT_EQ(ParseUtcTime("1970-01-01T00:00:01.5Z"), 1500);
}

TEST(PayloadRows, FollowTheSchemaInWordsAndNeverShowJson) {
  const json payload = json::parse(R"({
      "summary": "Zoekt een veilige plek <b>vandaag</b>", "client_ref": "2026-0042",
      "needs": ["shelter", "medical"], "urgency": "urgent", "extra": {"k": [1, 2]}})");
  auto rows = PayloadRows(Lang::kNl, kinds::BuiltinKinds(), "referral", payload);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].field, "client_ref");
  EXPECT_EQ(rows[0].label, "Dossiernummer van de afzender");
  EXPECT_EQ(rows[1].label, "Behoeften");
  EXPECT_EQ(rows[1].value, "Opvang, Medische hulp");
  EXPECT_EQ(rows[2].value, "Spoed");
  EXPECT_EQ(rows[3].field, "summary");
  EXPECT_EQ(rows[4].field, "extra");  // unknown to the schema: last, still readable
  EXPECT_EQ(rows[4].value, "k: 1, 2");
  const std::string html = RowsHtml(rows, "payload");
  EXPECT_NE(html.find("&lt;b&gt;vandaag&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_EQ(html.find('{'), std::string::npos);

  auto signal = PayloadRows(Lang::kEn, kinds::BuiltinKinds(), "signal",
                            json::parse(R"({"indicators": ["isolation"], "minor": false,
                                            "observed_on": "2026-11-30", "exploitation": "labour"})"));
  ASSERT_EQ(signal.size(), 4u);
  EXPECT_EQ(signal[0].value, "Isolation");
  EXPECT_EQ(signal[1].value, "Labour exploitation");
  EXPECT_EQ(signal[2].value, "No");
  EXPECT_EQ(signal[3].value, "30 November 2026");

  // A secure-mail reply has no schema: its fields in the document's order.
  auto reply = PayloadRows(Lang::kNl, kinds::BuiltinKinds(), "securemail",
                           json::parse(R"({"body": "Dank u", "attachments": []})"));
  ASSERT_EQ(reply.size(), 2u);
  EXPECT_EQ(reply[1].label, "Bericht");
}

}  // namespace
}  // namespace ketenpoort::workspace
