#include "gateway/audit/audit_view.h"

#include <gtest/gtest.h>

namespace ketenpoort::audit {
namespace {

AuditEntry Opened() {
  AuditEntry e;
  e.seq = 9;
  e.time_ms = 1795339201123;  // 2026-11-22T09:20:01.123Z
  e.event = std::string(event::kOpen);
  e.subject_ref = "1f08c40c287ac474f3f3b0a4133bf082a9bb488d73524fff13b9ff39f75be697";
  e.user = "coordinator-2";
  e.organisation = "comensha";
  e.role = "recipient";
  e.action = std::string(action::kRead);
  e.object = "m-00ff";
  e.authorisation_basis = "vital_interest";
  e.outcome = std::string(kOutcomeSuccess);
  e.source_address = "192.0.2.7";
  return e;
}

TEST(AuditViewTest, SaysWhoDidWhatWhenOnWhatBasisInEnglish) {
  EXPECT_EQ(RenderLine(Opened(), Language::kEnglish),
            "2026-11-22 09:20:01 UTC  comensha (recipient, user coordinator-2) opened message "
            "m-00ff on the basis of vital interest from 192.0.2.7: done");
}

TEST(AuditViewTest, SaysTheSameInDutch) {
  EXPECT_EQ(RenderLine(Opened(), Language::kDutch),
            "2026-11-22 09:20:01 UTC  comensha (ontvanger, gebruiker coordinator-2) heeft "
            "bericht geopend: m-00ff op grond van vitaal belang vanaf 192.0.2.7: gelukt");
}

TEST(AuditViewTest, MarksBreakGlassAndRefusals) {
  AuditEntry e = Opened();
  e.break_glass = true;
  e.outcome = "message_recalled";
  std::string en = RenderLine(e, Language::kEnglish);
  EXPECT_NE(en.find("[BREAK-GLASS]"), std::string::npos);
  EXPECT_NE(en.find("refused (message_recalled)"), std::string::npos);
  EXPECT_NE(RenderLine(e, Language::kDutch).find("[NOODTOEGANG]"), std::string::npos);
}

TEST(AuditViewTest, ShowsUnknownEventsAsTheyAreAndOneLinePerEntry) {
  AuditEntry e = Opened();
  e.event = "future_event";
  EXPECT_NE(RenderLine(e, Language::kEnglish).find("future_event"), std::string::npos);
  EXPECT_EQ(RenderView({Opened(), e}, Language::kEnglish).find('\n'),
            RenderLine(Opened(), Language::kEnglish).size());
  EXPECT_EQ(ParseLanguage("nl"), Language::kDutch);
  EXPECT_EQ(ParseLanguage(""), Language::kEnglish);
  EXPECT_FALSE(ParseLanguage("fr").has_value());
}

}  // namespace
}  // namespace ketenpoort::audit
