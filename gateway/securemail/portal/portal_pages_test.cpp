#include "gateway/securemail/portal/portal_pages.h"

#include <gtest/gtest.h>

#include <string>

namespace ketenpoort::portal {
namespace {

TEST(PortalPagesTest, EscapesEverythingAPersonTyped) {
  EXPECT_EQ(HtmlEscape("<script>alert('x')&\"</script>"),
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

EnrolmentFacts SampleEnrolment() {
  return EnrolmentFacts{
      .secret_base32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
      .otpauth_uri =
          "otpauth://totp/SHOP%20Den%20Haag:a@example.org?secret="
          "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=SHOP%20Den%20Haag&algorithm=SHA1"
          "&digits=6&period=30",
      .qr_svg = "<svg viewBox=\"0 0 29 29\" role=\"img\"><path d=\"M4 4h7v1h-7z\"/></svg>",
      .csrf = "csrf-token-1",
      .action = "/m/TOKEN/enrol",
  };
}

TEST(PortalPagesTest, EnrolmentCardShowsQrKeyLinkAndForm) {
  const EnrolmentFacts f = SampleEnrolment();
  const std::string html = EnrolmentCard(Lang::kEn, f);
  EXPECT_EQ(html.rfind("<div class=\"card\" id=\"enrol\">", 0), 0u);
  EXPECT_NE(html.find("<div id=\"totp-qr\">" + f.qr_svg + "</div>"), std::string::npos);
  EXPECT_NE(html.find("<code id=\"totp-key\" class=\"fp\">GEZD GNBV GY3T QOJQ GEZD GNBV GY3T "
                      "QOJQ</code>"),
            std::string::npos);
  EXPECT_NE(html.find("<a id=\"totp-link\" href=\"otpauth://totp/SHOP%20Den%20Haag:a@example.org?"
                      "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&amp;issuer=SHOP%20Den%20Haag&amp;"
                      "algorithm=SHA1&amp;digits=6&amp;period=30\">"),
            std::string::npos);
  EXPECT_NE(html.find("<form method=\"post\" action=\"/m/TOKEN/enrol\">"), std::string::npos);
  EXPECT_NE(html.find("<input type=\"hidden\" name=\"csrf\" value=\"csrf-token-1\">"),
            std::string::npos);
  EXPECT_NE(html.find("<input type=\"text\" id=\"code\" name=\"code\" inputmode=\"numeric\" "
                      "autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\""),
            std::string::npos);
  EXPECT_NE(html.find("<button type=\"submit\" id=\"confirm\">Confirm</button></form>"),
            std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("style="), std::string::npos);
}

TEST(PortalPagesTest, EnrolmentCardEscapesEverythingButTheQr) {
  EnrolmentFacts f = SampleEnrolment();
  f.secret_base32 = "AB<script>";
  f.otpauth_uri = "otpauth://totp/x\"><script>alert(1)</script>";
  f.csrf = "\" onfocus=\"x";
  f.action = "/m/T'O\"K<E>N/enrol";
  const std::string html = EnrolmentCard(Lang::kNl, f);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("AB&lt;s crip t&gt;"), std::string::npos);  // grouped, then escaped
  EXPECT_NE(html.find("href=\"otpauth://totp/x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""),
            std::string::npos);
  EXPECT_NE(html.find("value=\"&quot; onfocus=&quot;x\""), std::string::npos);
  EXPECT_NE(html.find("action=\"/m/T&#39;O&quot;K&lt;E&gt;N/enrol\""), std::string::npos);
  EXPECT_NE(html.find(f.qr_svg), std::string::npos);  // the trusted markup, as is
}

TEST(PortalPagesTest, EnrolmentCardInBothLanguages) {
  const EnrolmentFacts f = SampleEnrolment();
  const std::string nl = EnrolmentCard(Lang::kNl, f);
  const std::string en = EnrolmentCard(Lang::kEn, f);
  EXPECT_NE(nl.find("Dit adres gebruikt een authenticator-app."), std::string::npos);
  EXPECT_NE(nl.find("Sleutel: <code"), std::string::npos);
  EXPECT_NE(nl.find(">Bevestigen</button>"), std::string::npos);
  EXPECT_NE(en.find("This address uses an authenticator app. Scan the code with an authenticator "
                    "app, or type the key, then enter the code it shows."),
            std::string::npos);
  EXPECT_NE(en.find("Key: <code"), std::string::npos);
  EXPECT_NE(en.find(">Code from the app</label>"), std::string::npos);
  for (const char* key : {"intro_account", "title_enrol", "enrol_intro", "totp_key",
                          "totp_open_app", "app_code", "wrong_app_code"}) {
    EXPECT_NE(Text(Lang::kNl, key), key) << key;
    EXPECT_NE(Text(Lang::kEn, key), key) << key;
    EXPECT_NE(Text(Lang::kNl, key), Text(Lang::kEn, key)) << key;
  }
  EXPECT_EQ(Text(Lang::kEn, "intro_account"),
            "Enter the 6-digit code from your authenticator app.");
  EXPECT_EQ(Text(Lang::kNl, "intro_account"),
            "Vul de code van 6 cijfers uit uw authenticator-app in.");
}

}  // namespace
}  // namespace ketenpoort::portal
