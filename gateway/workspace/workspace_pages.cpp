#include "gateway/workspace/workspace_pages.h"

#include <map>
#include <utility>

namespace ketenpoort::assets {
extern const std::string_view workspace_css;
extern const std::string_view workspace_favicon_svg;
}  // namespace ketenpoort::assets

namespace ketenpoort::workspace {

namespace {

using api::HtmlEscape;
using Texts = api::PageTexts;

// key -> {Dutch, English}
const Texts& AllTexts() {
  static const Texts texts = {
      {"brand", {"Ketenpoort werkplek", "Ketenpoort workspace"}},
      {"other_lang", {"English", "Nederlands"}},
      {"title_login", {"Inloggen", "Log in"}},
      {"login_intro",
       {"Log in met uw gebruikersnaam, uw wachtwoord en de code uit uw authenticator-app.",
        "Log in with your username, your password and the code from your authenticator app."}},
      {"username", {"Gebruikersnaam", "Username"}},
      {"password", {"Wachtwoord", "Password"}},
      {"code",
       {"Code uit de authenticator-app (6 cijfers)", "Code from the authenticator app (6 digits)"}},
      {"login", {"Inloggen", "Log in"}},
      {"login_failed",
       {"Inloggen is niet gelukt. Controleer uw gebruikersnaam, wachtwoord en code. Na te veel "
        "mislukte pogingen wordt het account een tijd geblokkeerd.",
        "Logging in did not work. Check your username, password and code. After too many "
        "failed attempts the account is locked for a while."}},
      {"form_expired",
       {"Het formulier was verlopen. Probeer het opnieuw.",
        "The form had expired. Please try again."}},
      {"logged_out", {"U bent uitgelogd.", "You have logged out."}},
      {"title_inbox", {"Postvak in", "Inbox"}},
      {"signed_in_as", {"Ingelogd als", "Logged in as"}},
      {"organisation", {"Organisatie", "Organisation"}},
      {"roles", {"Rollen", "Roles"}},
      {"inbox_soon",
       {"Hier komen de ontvangen berichten en meldingen van uw organisatie.",
        "Your organisation's received messages and notices will appear here."}},
      {"logout", {"Uitloggen", "Log out"}},
      {"role_coordinator", {"zorgcoördinator", "care coordinator"}},
      {"role_caseworker", {"hulpverlener", "caseworker"}},
      {"role_auditor", {"auditor", "auditor"}},
      {"role_admin", {"beheerder", "administrator"}},
  };
  return texts;
}

std::string Layout(Lang lang, std::string_view title, std::string_view body_html,
                   std::string_view self_path) {
  const api::PageHead head{.brand = Text(lang, "brand"),
                           .stylesheet = "/assets/workspace.css",
                           .script = {},
                           .icon = "/assets/favicon.svg",
                           .other_lang = Text(lang, "other_lang")};
  return api::PageLayout(lang, head, title, body_html, self_path);
}

std::string CsrfField(const std::string& csrf) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + HtmlEscape(csrf) + "\">";
}

}  // namespace

std::string_view Text(Lang lang, std::string_view key) {
  return api::TextIn(AllTexts(), lang, key);
}

std::string LoginPage(Lang lang, const LoginForm& form) {
  std::string b = "<div class=\"card\">";
  // The live region is always there, so that a screen reader announces what appears in it.
  b += "<div id=\"status\" aria-live=\"assertive\">";
  if (!form.notice.empty()) {
    const bool ok = form.notice == "logged_out";
    b += "<p id=\"notice\" role=\"alert\" class=\"" + std::string(ok ? "ok" : "error") +
         "\" data-notice=\"" + HtmlEscape(form.notice) + "\">" +
         HtmlEscape(Text(lang, form.notice)) + "</p>";
  }
  b += "</div>";
  b += "<p>" + HtmlEscape(Text(lang, "login_intro")) + "</p>";
  b += "<form id=\"login\" method=\"post\" action=\"/login\">" + CsrfField(form.csrf);
  b += "<label for=\"username\">" + HtmlEscape(Text(lang, "username")) + "</label>";
  b += "<input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" "
       "autocapitalize=\"none\" spellcheck=\"false\" required autofocus value=\"" +
       HtmlEscape(form.username) + "\">";
  b += "<label for=\"password\">" + HtmlEscape(Text(lang, "password")) + "</label>";
  b += "<input type=\"password\" id=\"password\" name=\"password\" "
       "autocomplete=\"current-password\" required>";
  b += "<label for=\"code\">" + HtmlEscape(Text(lang, "code")) + "</label>";
  b += "<input type=\"text\" id=\"code\" name=\"code\" inputmode=\"numeric\" "
       "autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" maxlength=\"6\" required>";
  b += "<button type=\"submit\" id=\"login-submit\">" + HtmlEscape(Text(lang, "login")) +
       "</button></form></div>";
  return Layout(lang, Text(lang, "title_login"), b, "/login");
}

std::string InboxPage(Lang lang, const InboxFacts& f) {
  std::string roles;
  for (StaffRole r : f.roles) {
    if (!roles.empty())
      roles += ", ";
    roles += Text(lang, "role_" + std::string(StaffRoleName(r)));
  }
  std::string b = "<div class=\"card\" id=\"who\">";
  b += "<p>" + HtmlEscape(Text(lang, "signed_in_as")) + ": <strong id=\"display-name\">" +
       HtmlEscape(f.display_name) + "</strong></p>";
  b += "<p>" + HtmlEscape(Text(lang, "organisation")) + ": <span id=\"organisation\">" +
       HtmlEscape(f.org_name) + "</span></p>";
  b += "<p>" + HtmlEscape(Text(lang, "roles")) + ": <span id=\"roles\">" + HtmlEscape(roles) +
       "</span></p>";
  b += "<form id=\"logout\" method=\"post\" action=\"/logout\">" + CsrfField(f.csrf) +
       "<button type=\"submit\" id=\"logout-submit\" class=\"secondary\">" +
       HtmlEscape(Text(lang, "logout")) + "</button></form></div>";
  b += "<div class=\"card\" id=\"inbox\"><p>" + HtmlEscape(Text(lang, "inbox_soon")) + "</p></div>";
  return Layout(lang, Text(lang, "title_inbox"), b, "/inbox");
}

std::string_view StyleSheet() {
  return assets::workspace_css;
}

std::string_view Favicon() {
  return assets::workspace_favicon_svg;
}

}  // namespace ketenpoort::workspace
