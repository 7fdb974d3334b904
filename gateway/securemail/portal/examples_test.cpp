// The examples at the top of gateway/portal's headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "gateway/crypto/random.h"
#include "gateway/crypto/totp.h"
#include "gateway/securemail/portal/portal_pages.h"
#include "gateway/securemail/portal/qr_svg.h"

namespace ketenpoort::portal {
namespace {

// gateway/securemail/portal/portal_pages.h
TEST(PortalExamples, PortalPages) {
  const std::string query_lang;
  const std::string accept_language = "de-DE,de;q=0.9";
  const std::string org_name = "SHOP <Den Haag>";
  const std::string url = "https://gw.example.org/m/TOKEN";
  Lang lang = ParseLang(query_lang, accept_language);  // kNl unless English asked
  EXPECT_EQ(lang, Lang::kNl);
  EXPECT_EQ(ParseLang("", "en-GB,en;q=0.8"), Lang::kEn);
  std::string html =
      Layout(lang, Text(lang, "title_verify"), "<p>" + HtmlEscape(org_name) + "</p>", "/m/TOKEN");
  EXPECT_NE(html.find("<p>SHOP &lt;Den Haag&gt;</p>"), std::string::npos) << html;
  EXPECT_NE(html.find("/m/assets/portal.css"), std::string::npos);
  EXPECT_NE(html.find("<script src=\""), std::string::npos);
  EXPECT_NE(html.find("portal.js"), std::string::npos);
  NotificationFacts facts;  // {.sender = "SHOP Den Haag", .link = url, ...}
  facts.sender = "SHOP Den Haag";
  facts.link = url;
  MailContent m = NotificationMail(lang, facts);
  EXPECT_NE(m.text.find(url), std::string::npos);
  EXPECT_FALSE(m.subject.empty());
}

// gateway/securemail/portal/qr_svg.h
TEST(PortalExamples, QrSvg) {
  const std::string email = "a@example.org";
  const Bytes secret = crypto::NewTotpSecret();
  std::string card_qr_svg;
  auto run = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(std::string svg, QrSvg(crypto::OtpAuthUri("Ketenpoort", email, secret)));
    card_qr_svg = svg;  // inserted into the page as is (see EnrolmentCard)
    return Ok();
  };
  ASSERT_TRUE(run().ok());
  EXPECT_EQ(card_qr_svg.rfind("<svg", 0), 0u) << card_qr_svg.substr(0, 80);
}

}  // namespace
}  // namespace ketenpoort::portal
