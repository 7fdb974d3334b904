#include "gateway/securemail/portal/portal_pages.h"

#include <map>
#include <utility>

namespace ketenpoort::assets {
extern const std::string_view portal_css;
extern const std::string_view portal_js;
extern const std::string_view portal_favicon_svg;
}  // namespace ketenpoort::assets

namespace ketenpoort::portal {

namespace {

using Texts = api::PageTexts;

// key -> {Dutch, English}
const Texts& AllTexts() {
  static const Texts texts = {
      {"brand", {"Ketenpoort beveiligde mail", "Ketenpoort secure mail"}},
      {"other_lang", {"English", "Nederlands"}},
      {"title_message", {"Beveiligd bericht", "Secure message"}},
      {"title_verify", {"Bevestig dat u de ontvanger bent", "Confirm that you are the recipient"}},
      {"title_gone", {"Bericht niet beschikbaar", "Message not available"}},
      {"title_unknown", {"Onbekende link", "Unknown link"}},
      {"title_verify_gateway", {"Is deze mail echt?", "Is this mail genuine?"}},
      {"from", {"Van", "From"}},
      {"subject", {"Onderwerp", "Subject"}},
      {"sent", {"Verstuurd", "Sent"}},
      {"deadline", {"Nodig voor", "Needed by"}},
      {"intro_email_code",
       {"We sturen een code naar uw e-mailadres. Vul die hieronder in.",
        "We send a code to your e-mail address. Enter it below."}},
      {"intro_sms",
       {"We sturen een code per sms naar uw telefoon. Vul die hieronder in.",
        "We send a code by text message to your phone. Enter it below."}},
      {"intro_access_code",
       {"Vul de toegangscode in die de afzender u apart heeft gegeven.",
        "Enter the access code that the sender gave you separately."}},
      {"send_code", {"Stuur mij een code", "Send me a code"}},
      {"send_new_code", {"Stuur een nieuwe code", "Send a new code"}},
      {"code_sent", {"De code is verstuurd.", "The code has been sent."}},
      {"code_send_failed",
       {"De code kon niet worden verstuurd. Probeer het later opnieuw.",
        "The code could not be sent. Please try again later."}},
      {"code", {"Code", "Code"}},
      {"access_code", {"Toegangscode", "Access code"}},
      {"confirm", {"Bevestigen", "Confirm"}},
      {"wrong_code",
       {"Deze code klopt niet of is verlopen.", "This code is wrong or has expired."}},
      {"attempts_left", {"Pogingen over", "Attempts left"}},
      {"locked",
       {"Te veel onjuiste pogingen: de toegang is geblokkeerd.",
        "Too many wrong attempts: access is locked."}},
      {"locked_new_code",
       {"Vraag een nieuwe code aan om het opnieuw te proberen.",
        "Request a new code to try again."}},
      {"locked_ask_sender",
       {"Vraag de afzender het bericht opnieuw te sturen.",
        "Ask the sender to send the message again."}},
      {"recalled",
       {"De afzender heeft dit bericht ingetrokken.", "The sender has withdrawn this message."}},
      {"expired", {"Dit bericht is verlopen.", "This message has expired."}},
      {"unknown",
       {"Deze link is onbekend of niet meer geldig. Misschien is er een nieuwere mail.",
        "This link is unknown or no longer valid. There may be a newer mail."}},
      {"session_expired",
       {"Uw sessie is verlopen; laad de pagina opnieuw.",
        "Your session has expired; reload the page."}},
      {"attachments", {"Bijlagen", "Attachments"}},
      {"no_attachments", {"Geen bijlagen.", "No attachments."}},
      {"download", {"Downloaden", "Download"}},
      {"preview", {"Bekijken", "Preview"}},
      {"reply", {"Beveiligd antwoorden", "Reply securely"}},
      {"reply_body", {"Uw antwoord", "Your reply"}},
      {"reply_files", {"Bestanden toevoegen", "Add files"}},
      {"reply_send", {"Antwoord versturen", "Send reply"}},
      {"reply_sent", {"Uw antwoord is beveiligd verstuurd.", "Your reply was sent securely."}},
      {"reply_failed", {"Uw antwoord kon niet worden verstuurd.", "Your reply could not be sent."}},
      {"reply_too_large",
       {"Dit bestand is groter dan deze gateway aanneemt",
        "This file is larger than this gateway accepts"}},
      {"verify_gateway_intro",
       {"Een echte mail van Ketenpoort linkt alleen naar dit adres. De vingerafdruk (SHA-256) "
        "van het certificaat van deze gateway is:",
        "A genuine Ketenpoort mail links only to this address. The fingerprint (SHA-256) of this "
        "gateway's certificate is:"}},
      {"verify_gateway_how",
       {"Vergelijk die met de vingerafdruk in de mail en met wat uw browser toont bij het slotje "
        "in de adresbalk. Verschillen ze, open dan niets en neem contact op met de afzender.",
        "Compare it with the fingerprint in the mail and with what your browser shows behind the "
        "padlock in the address bar. If they differ, open nothing and contact the sender."}},
      // Verification `account`: an authenticator app (TOTP).
      {"intro_account",
       {"Vul de code van 6 cijfers uit uw authenticator-app in.",
        "Enter the 6-digit code from your authenticator app."}},
      {"title_enrol", {"Authenticator-app instellen", "Set up your authenticator app"}},
      {"enrol_intro",
       {"Dit adres gebruikt een authenticator-app. Scan de code met een authenticator-app, of "
        "typ de sleutel over, en vul dan de code in die de app toont.",
        "This address uses an authenticator app. Scan the code with an authenticator app, or "
        "type the key, then enter the code it shows."}},
      {"totp_key", {"Sleutel", "Key"}},
      {"totp_open_app",
       {"Op deze telefoon? Open de sleutel in uw authenticator-app.",
        "On this phone? Open the key in your authenticator app."}},
      {"app_code", {"Code uit de app", "Code from the app"}},
      {"wrong_app_code",
       {"Deze code klopt niet. Vul de nieuwste code uit de app in en controleer of de klok van "
        "uw telefoon goed staat.",
        "This code is wrong. Enter the newest code from the app and check that your phone's "
        "clock is right."}},
  };
  return texts;
}

// "GEZDGNBVGY3T" -> "GEZD GNBV GY3T": easier to read and to type over.
std::string GroupedInFours(std::string_view key) {
  std::string out;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (i > 0 && i % 4 == 0)
      out += ' ';
    out += key[i];
  }
  return out;
}

}  // namespace

std::string_view Text(Lang lang, std::string_view key) {
  return api::TextIn(AllTexts(), lang, key);
}

std::string Layout(Lang lang, std::string_view title, std::string_view body_html,
                   std::string_view self_path) {
  const api::PageHead head{.brand = Text(lang, "brand"),
                           .stylesheet = "/m/assets/portal.css",
                           .script = "/m/assets/portal.js",
                           .icon = "/m/assets/favicon.svg",
                           .other_lang = Text(lang, "other_lang")};
  return api::PageLayout(lang, head, title, body_html, self_path);
}

std::string_view StyleSheet() {
  return assets::portal_css;
}

std::string_view Script() {
  return assets::portal_js;
}

std::string_view Favicon() {
  return assets::portal_favicon_svg;
}

MailContent NotificationMail(Lang lang, const NotificationFacts& f) {
  const bool en = lang == Lang::kEn;
  MailContent m;
  if (!f.subject.empty())
    m.subject = f.subject;
  else
    m.subject = en ? "Secure message from " + f.sender : "Beveiligd bericht van " + f.sender;
  std::string how;
  if (f.verification == "access_code") {
    how = en ? "You need the access code the sender gives you separately (not in this mail)."
             : "U heeft de toegangscode nodig die de afzender u apart geeft (niet in deze mail).";
  } else if (f.verification == "sms") {
    how = en ? "To open it you receive a code by text message."
             : "Om het te openen krijgt u een code per sms.";
  } else {
    how = en ? "To open it you receive a code at this e-mail address."
             : "Om het te openen krijgt u een code op dit e-mailadres.";
  }
  std::string genuine =
      en ? "Is this mail genuine? Open only links that begin with " +
               f.verify_url.substr(
                   0, f.verify_url.size() - std::string_view("verify-gateway").size()) +
               " . On " + f.verify_url +
               " the gateway shows the fingerprint of its certificate; it must be:"
         : "Is deze mail echt? Open alleen links die beginnen met " +
               f.verify_url.substr(
                   0, f.verify_url.size() - std::string_view("verify-gateway").size()) +
               " . Op " + f.verify_url +
               " toont de gateway de vingerafdruk van zijn certificaat; die moet zijn:";
  std::string intro = en ? f.sender + " sent you a secure message through Ketenpoort."
                         : f.sender + " heeft u via Ketenpoort een beveiligd bericht gestuurd.";
  std::string deadline;
  if (!f.deadline.empty())
    deadline = (en ? "Needed by: " : "Nodig voor: ") + f.deadline;
  std::string open = en ? "Open the message:" : "Open het bericht:";
  m.text = intro + "\n\n" + open + "\n" + f.link + "\n\n" + how + "\n" +
           (deadline.empty() ? "" : deadline + "\n") + "\n" + genuine + "\n" + f.fingerprint + "\n";
  m.html = "<!DOCTYPE html><html lang=\"" + std::string(LangCode(lang)) + "\"><body>";
  m.html += "<p>" + HtmlEscape(intro) + "</p>";
  m.html += "<p><a href=\"" + HtmlEscape(f.link) + "\">" + HtmlEscape(open) + "</a><br>" +
            HtmlEscape(f.link) + "</p>";
  m.html += "<p>" + HtmlEscape(how) + "</p>";
  if (!deadline.empty())
    m.html += "<p>" + HtmlEscape(deadline) + "</p>";
  m.html += "<p>" + HtmlEscape(genuine) + "<br><code>" + HtmlEscape(f.fingerprint) + "</code></p>";
  m.html += "</body></html>";
  return m;
}

MailContent CodeMail(Lang lang, std::string_view code, std::string_view sender) {
  const bool en = lang == Lang::kEn;
  MailContent m;
  m.subject = en ? "Your code for a secure message" : "Uw code voor een beveiligd bericht";
  std::string line = en ? "Your code to open the secure message from " + std::string(sender) +
                              " is: " + std::string(code)
                        : "Uw code om het beveiligde bericht van " + std::string(sender) +
                              " te openen is: " + std::string(code);
  std::string note = en ? "The code is valid for a short time. Never share it."
                        : "De code is kort geldig. Deel hem met niemand.";
  m.text = line + "\n\n" + note + "\n";
  m.html = "<!DOCTYPE html><html><body><p>" + HtmlEscape(line) + "</p><p>" + HtmlEscape(note) +
           "</p></body></html>";
  return m;
}

std::string CodeSms(Lang lang, std::string_view code) {
  return lang == Lang::kEn ? "Ketenpoort code: " + std::string(code)
                           : "Ketenpoort-code: " + std::string(code);
}

MailContent DeadlineWarningMail(Lang lang, std::string_view message_id, std::string_view recipient,
                                std::string_view deadline) {
  const bool en = lang == Lang::kEn;
  MailContent m;
  m.subject = en ? "Not opened yet: secure message " + std::string(message_id)
                 : "Nog niet geopend: beveiligd bericht " + std::string(message_id);
  std::string line =
      en ? std::string(recipient) + " has not opened secure message " + std::string(message_id) +
               ", which is needed by " + std::string(deadline) + "."
         : std::string(recipient) + " heeft beveiligd bericht " + std::string(message_id) +
               " nog niet geopend; het is nodig voor " + std::string(deadline) + ".";
  m.text = line + "\n";
  m.html = "<!DOCTYPE html><html><body><p>" + HtmlEscape(line) + "</p></body></html>";
  return m;
}

std::string EnrolmentCard(Lang lang, const EnrolmentFacts& f) {
  std::string b = "<div class=\"card\" id=\"enrol\">";
  b += "<p>" + HtmlEscape(Text(lang, "enrol_intro")) + "</p>";
  b += "<div id=\"totp-qr\">" + f.qr_svg + "</div>";  // trusted: QrSvg's own markup
  b += "<p>" + HtmlEscape(Text(lang, "totp_key")) + ": <code id=\"totp-key\" class=\"fp\">" +
       HtmlEscape(GroupedInFours(f.secret_base32)) + "</code></p>";
  b += "<p><a id=\"totp-link\" href=\"" + HtmlEscape(f.otpauth_uri) + "\">" +
       HtmlEscape(Text(lang, "totp_open_app")) + "</a></p>";
  b += "<form method=\"post\" action=\"" + HtmlEscape(f.action) + "\">";
  b += "<input type=\"hidden\" name=\"csrf\" value=\"" + HtmlEscape(f.csrf) + "\">";
  b += "<label for=\"code\">" + HtmlEscape(Text(lang, "app_code")) + "</label>";
  b += "<input type=\"text\" id=\"code\" name=\"code\" inputmode=\"numeric\" "
       "autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" maxlength=\"6\" required>";
  b += "<button type=\"submit\" id=\"confirm\">" + HtmlEscape(Text(lang, "confirm")) +
       "</button></form>";
  b += "</div>";
  return b;
}

}  // namespace ketenpoort::portal
