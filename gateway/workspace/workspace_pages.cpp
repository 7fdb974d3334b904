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
      {"too_many_attempts",
       {"Te veel mislukte inlogpogingen vanaf dit netwerk. Probeer het over een kwartier opnieuw.",
        "Too many failed log-ins from this network. Try again in a quarter of an hour."}},
      {"title_inbox", {"Postvak in", "Inbox"}},
      {"signed_in_as", {"Ingelogd als", "Logged in as"}},
      {"organisation", {"Organisatie", "Organisation"}},
      {"roles", {"Rollen", "Roles"}},
      {"inbox_soon",
       {"Hier komen de ontvangen berichten en meldingen van uw organisatie.",
        "Your organisation's received messages and notices will appear here."}},
      {"logout", {"Uitloggen", "Log out"}},
      {"nav_label", {"Hoofdmenu", "Main menu"}},
      {"nav_inbox", {"Postvak in", "Inbox"}},
      {"nav_compose", {"Nieuw bericht", "New message"}},
      {"nav_audit", {"Audittrail", "Audit trail"}},
      {"title_error", {"Dat lukte niet", "That did not work"}},
      {"back_to_inbox", {"Terug naar het postvak in", "Back to the inbox"}},
      {"gateway_unavailable",
       {"De gateway is nu niet bereikbaar. Probeer het over een paar minuten opnieuw.",
        "The gateway cannot be reached now. Try again in a few minutes."}},
      {"no_gateway_link",
       {"Deze werkplek is niet ingesteld om berichten van uw organisatie te openen.",
        "This workspace is not set up to open your organisation's messages."}},
      {"not_allowed", {"Dit mag u met uw rol niet doen.", "Your role does not allow this."}},
      {"not_found",
       {"Dit bericht bestaat niet of is niet voor u.",
        "This message does not exist or is not for you."}},
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

std::string StaffLayout(Lang lang, const StaffNav& nav, std::string_view title,
                        std::string_view body_html, std::string_view self_path) {
  std::string roles;
  bool auditor = false;
  for (StaffRole r : nav.roles) {
    if (!roles.empty())
      roles += ", ";
    roles += Text(lang, "role_" + std::string(StaffRoleName(r)));
    auditor = auditor || r == StaffRole::kAuditor;
  }
  auto link = [&](std::string_view href, std::string_view key, std::string_view id) {
    const bool here = self_path.substr(0, href.size()) == href;
    return "<li><a id=\"" + std::string(id) + "\" href=\"" + std::string(href) + "\"" +
           (here ? " aria-current=\"page\"" : "") + ">" + HtmlEscape(Text(lang, key)) + "</a></li>";
  };
  std::string b = "<nav id=\"nav\" aria-label=\"" + HtmlEscape(Text(lang, "nav_label")) + "\"><ul>";
  b += link("/inbox", "nav_inbox", "nav-inbox");
  b += link("/compose", "nav_compose", "nav-compose");
  if (auditor)
    b += link("/audit", "nav_audit", "nav-audit");
  b += "</ul></nav>";
  b += "<div id=\"who\" class=\"who\"><span id=\"display-name\">" + HtmlEscape(nav.display_name) +
       "</span> · <span id=\"organisation\">" + HtmlEscape(nav.org_name) +
       "</span> · <span id=\"roles\">" + HtmlEscape(roles) + "</span>";
  b += "<form id=\"logout\" method=\"post\" action=\"/logout\">" + CsrfField(nav.csrf) +
       "<button type=\"submit\" id=\"logout-submit\" class=\"secondary\">" +
       HtmlEscape(Text(lang, "logout")) + "</button></form></div>";
  b += body_html;
  return Layout(lang, title, b, self_path);
}

std::string_view StyleSheet() {
  return assets::workspace_css;
}

std::string_view Favicon() {
  return assets::workspace_favicon_svg;
}

}  // namespace ketenpoort::workspace
