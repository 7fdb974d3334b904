// The secure-mail portal's presentation: Dutch and English texts, the page layout, HTML
// escaping, the compiled-in assets (assets/portal.css, assets/portal.js) and the mails the
// portal sends (notification, one-time code, deadline warning), and the enrolment card of an
// authenticator app (verification `account`). No I/O, no state: the routes in
// gateway/server/securemail_routes.cpp decide what to show and call these to render it.
//
//   // (compiled in examples_test.cpp)
//   Lang lang = ParseLang(query_lang, accept_language);           // kNl unless English asked
//   std::string html = Layout(lang, Text(lang, "title_verify"),
//                             "<p>" + HtmlEscape(org_name) + "</p>", "/m/TOKEN");
//   // a full HTML document: <link> to /m/assets/portal.css, <script src> to portal.js
//   MailContent m = NotificationMail(lang, {.sender = "SHOP Den Haag", .link = url, ...});
//
// Every value that comes from a person (names, file names, bodies) goes through HtmlEscape. Pages
// carry no inline script or style, so kContentSecurityPolicy can forbid both.
#pragma once

#include <string>
#include <string_view>

#include "gateway/api/html_page.h"

namespace ketenpoort::portal {

// The page language and HTML escaping of every browser page (gateway/api/html_page.h).
using api::HtmlEscape;
using api::Lang;
using api::LangCode;
using api::ParseLang;

// The text for `key` in `lang`; the key itself when unknown (a bug shows, never crashes).
std::string_view Text(Lang lang, std::string_view key);

// A complete page: title, header with the language switch (links to `self_path`?lang=..),
// `body_html` inside <main>.
std::string Layout(Lang lang, std::string_view title, std::string_view body_html,
                   std::string_view self_path);

// The assets served under /m/assets/.
std::string_view StyleSheet();
std::string_view Script();
std::string_view Favicon();  // image/svg+xml

// For portal pages: only our own scripts, styles, images and frames; no plugins except the
// browser's own PDF viewer inside our frames; forms post to us only.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";
// For attachments shown inline (in a frame of a portal page): no script, nothing loaded.
inline constexpr std::string_view kInlineFilePolicy =
    "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'";

struct MailContent {
  std::string subject;
  std::string text;
  std::string html;
};

struct NotificationFacts {
  std::string sender;        // organisation name (and user, when known)
  std::string link;          // https://HOST/m/TOKEN
  std::string verify_url;    // https://HOST/m/verify-gateway
  std::string fingerprint;   // SHA-256 of the gateway certificate, colon hex
  std::string subject;       // shown only when not empty (the sender's choice)
  std::string verification;  // email_code | access_code | sms
  std::string deadline;      // RFC 3339 or empty
};

MailContent NotificationMail(Lang lang, const NotificationFacts& facts);
MailContent CodeMail(Lang lang, std::string_view code, std::string_view sender);
std::string CodeSms(Lang lang, std::string_view code);
// To the sender: `recipient` has not opened message `message_id` and the deadline is near.
MailContent DeadlineWarningMail(Lang lang, std::string_view message_id, std::string_view recipient,
                                std::string_view deadline);

// What the enrolment card of a secure-mail account (verification `account`) shows. The values
// come from gateway/crypto/totp.h and qr_svg.h; the card's page title is Text("title_enrol").
struct EnrolmentFacts {
  std::string secret_base32;  // TotpSecretBase32(secret); shown in groups of four
  std::string otpauth_uri;    // OtpAuthUri(...); a link for a phone that has the app
  std::string qr_svg;         // QrSvg(otpauth_uri): trusted markup, inserted WITHOUT escaping
  std::string csrf;           // the session's CSRF token, posted as the hidden field "csrf"
  std::string action;         // where the code form posts, e.g. "/m/TOKEN/enrol"
};

// The HTML fragment of the enrolment card (for Layout's body): instructions, the QR code
// (id="totp-qr"), the key (id="totp-key"), the otpauth:// link (id="totp-link") and a form
// (POST to `action`: hidden "csrf", "code" with inputmode="numeric",
// autocomplete="one-time-code", pattern="[0-9]{6}", and a submit button). The card is
// id="enrol". Everything but qr_svg is escaped; no script, no style attribute.
std::string EnrolmentCard(Lang lang, const EnrolmentFacts& facts);

}  // namespace ketenpoort::portal
