#include "gateway/portal/portal_pages.h"

#include <gtest/gtest.h>

namespace ketenpoort::portal {
namespace {

TEST(PortalPagesTest, EscapesEverythingAPersonTyped) {
  EXPECT_EQ(Escape("<script>alert('x')&\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&amp;&quot;&lt;/script&gt;");
}

TEST(PortalPagesTest, LanguageFromQueryThenHeader) {
  EXPECT_EQ(ParseLang("en"), Lang::kEn);
  EXPECT_EQ(ParseLang("nl", "en-GB"), Lang::kNl);
  EXPECT_EQ(ParseLang("", "en-GB,en;q=0.9"), Lang::kEn);
  EXPECT_EQ(ParseLang("", "nl-NL,nl;q=0.9,en;q=0.5"), Lang::kNl);
  EXPECT_EQ(ParseLang("fr", ""), Lang::kNl);
}

TEST(PortalPagesTest, LayoutHasNoInlineScriptOrStyle) {
  std::string html = Layout(Lang::kEn, "Title <x>", "<p>body</p>", "/m/abc");
  EXPECT_NE(html.find("<html lang=\"en\">"), std::string::npos);
  EXPECT_NE(html.find("Title &lt;x&gt;"), std::string::npos);
  EXPECT_NE(html.find("<script src=\"/m/assets/portal.js\""), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("style="), std::string::npos);
  EXPECT_NE(html.find("width=device-width"), std::string::npos);
  EXPECT_NE(html.find("/m/abc?lang=nl"), std::string::npos);
  EXPECT_NE(StyleSheet().find("max-width"), std::string::npos);
  EXPECT_NE(Script().find("X-CSRF-Token"), std::string::npos);
}

TEST(PortalPagesTest, NotificationNeverCarriesTheSubjectUnlessAsked) {
  NotificationFacts f{"SHOP Den Haag",
                      "https://gw.example.org/m/TOKEN",
                      "https://gw.example.org/m/verify-gateway",
                      "AB:CD",
                      "",
                      "email_code",
                      ""};
  MailContent m = NotificationMail(Lang::kNl, f);
  EXPECT_EQ(m.subject, "Beveiligd bericht van SHOP Den Haag");
  EXPECT_NE(m.text.find("https://gw.example.org/m/TOKEN"), std::string::npos);
  EXPECT_NE(m.text.find("https://gw.example.org/m/verify-gateway"), std::string::npos);
  EXPECT_NE(m.text.find("AB:CD"), std::string::npos);
  EXPECT_NE(m.html.find("href=\"https://gw.example.org/m/TOKEN\""), std::string::npos);
  f.subject = "Stuurgroep 12 december";
  EXPECT_EQ(NotificationMail(Lang::kEn, f).subject, "Stuurgroep 12 december");
}

}  // namespace
}  // namespace ketenpoort::portal
