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
      // The inbox (inbox_page.h).
      {"notices_title", {"Meldingen", "Notices"}},
      {"notices_none", {"Geen meldingen.", "No notices."}},
      {"received_title", {"Ontvangen berichten", "Received messages"}},
      {"received_none", {"Geen ontvangen berichten.", "No received messages."}},
      {"sent_title", {"Verzonden berichten", "Sent messages"}},
      {"sent_none", {"Geen verzonden berichten.", "No sent messages."}},
      {"list_cut",
       {"Alleen de nieuwste berichten staan hier; de lijst is ingekort.",
        "Only the newest messages are shown here; the list was cut short."}},
      {"badge_new", {"Nieuw", "New"}},
      {"badge_overdue", {"Te laat", "Overdue"}},
      {"badge_recalled", {"Teruggetrokken", "Recalled"}},
      {"open_message", {"Bericht openen", "Open the message"}},
      {"kind", {"Soort", "Kind"}},
      {"from", {"Van", "From"}},
      {"to", {"Aan", "To"}},
      {"state", {"Status", "State"}},
      {"recipients_states", {"Ontvangers", "Recipients"}},
      {"deadline", {"Termijn", "Deadline"}},
      {"urgency", {"Urgentie", "Urgency"}},
      {"created", {"Verzonden op", "Sent on"}},
      {"expires", {"Verloopt op", "Expires on"}},
      {"time", {"Tijd", "Time"}},
      // One message (message_page.h).
      {"message_facts", {"Over dit bericht", "About this message"}},
      {"content_title", {"Inhoud", "Content"}},
      {"signature_checked", {"handtekening gecontroleerd", "signature checked"}},
      {"legal_basis", {"Grondslag", "Legal basis"}},
      {"legal_basis_none", {"Niet vermeld", "Not stated"}},
      {"recalled_label", {"Teruggetrokken", "Recalled"}},
      {"attachments_title", {"Bijlagen", "Attachments"}},
      {"attachment", {"Bijlage", "Attachment"}},
      {"thread_title", {"De casus", "The case"}},
      {"thread_message", {"Bericht", "Message"}},
      {"this_message", {"dit bericht", "this message"}},
      {"follows_link", {"Het bericht waar dit op volgt", "The message this follows"}},
      {"thread_start_link", {"Het eerste bericht van de casus", "The case's first message"}},
      {"tracking_title", {"Verloop per ontvanger", "Progress per recipient"}},
      {"by_gateway", {"de gateway", "the gateway"}},
      {"actions_title", {"Wat u kunt doen", "What you can do"}},
      {"reason_code", {"Reden", "Reason"}},
      {"choose", {"Kies…", "Choose…"}},
      {"reason_text", {"Toelichting (niet verplicht)", "Explanation (optional)"}},
      {"reason_text_other",
       {"Toelichting (verplicht bij de reden Anders)",
        "Explanation (required for the reason Other)"}},
      {"for_recipient", {"Voor ontvanger", "For recipient"}},
      {"all_recipients", {"Alle ontvangers", "All recipients"}},
      {"ask_question", {"Een vraag stellen aan de afzender", "Ask the sender a question"}},
      {"answer_question", {"Deze vraag beantwoorden", "Answer this question"}},
      {"re_refer", {"Opnieuw verwijzen", "Refer again"}},
      {"recall", {"Bericht terugtrekken", "Recall the message"}},
      {"recall_explained",
       {"De inhoud wordt verwijderd; ontvangers kunnen het bericht daarna niet meer openen.",
        "The content is deleted; recipients can no longer open the message."}},
      // What a page says after an action (page_notices.h).
      {"status_saved", {"De status is opgeslagen.", "The state has been saved."}},
      {"recalled", {"Het bericht is teruggetrokken.", "The message has been recalled."}},
      {"nothing_changed", {"Er is niets veranderd.", "Nothing has changed."}},
      {"error_transition",
       {"Deze stap kan nu niet: de status van het bericht laat dat niet toe of is intussen "
        "veranderd.",
        "This step is not possible now: the message's state does not allow it or has changed "
        "meanwhile."}},
      {"error_reason_code", {"Kies een reden uit de lijst.", "Choose a reason from the list."}},
      {"error_reason_required",
       {"Bij de reden Anders hoort een toelichting.", "The reason Other needs an explanation."}},
      {"error_gone",
       {"Dit bericht is teruggetrokken of verlopen.", "This message was recalled or has expired."}},
      {"error_gateway",
       {"De gateway kon dit nu niet verwerken. Probeer het later opnieuw.",
        "The gateway could not handle this now. Try again later."}},
      {"error_unreadable",
       {"De inhoud kon niet worden geopend of de handtekening klopt niet. Neem contact op met "
        "de afzender.",
        "The content could not be opened or its signature does not match. Contact the "
        "sender."}},
      {"error_invalid_input",
       {"Het formulier is niet goed ingevuld.", "The form was not filled in correctly."}},
      {"error_attachment",
       {"De bijlage kon niet worden geopend.", "The attachment could not be opened."}},
      // The audit trail (audit_page.h).
      {"filter_subject", {"Cliëntpseudoniem", "Client pseudonym"}},
      {"filter_actor", {"Gebruiker", "User"}},
      {"filter_from", {"Vanaf (datum)", "From (date)"}},
      {"filter_to", {"Tot en met (datum)", "To (date, inclusive)"}},
      {"filter", {"Filteren", "Filter"}},
      {"audit_entries", {"Vermeldingen", "Entries"}},
      {"audit_caption",
       {"Wie deed wat, wanneer en op welke grondslag (nieuwste eerst)",
        "Who did what, when and on what basis (newest first)"}},
      {"audit_none", {"Geen vermeldingen.", "No entries."}},
      {"audit_cut",
       {"Alleen de nieuwste vermeldingen staan hier; verfijn het filter of gebruik audit export.",
        "Only the newest entries are shown; narrow the filter or use audit export."}},
      {"col_time", {"Tijd", "Time"}},
      {"col_what", {"Wat", "What"}},
      {"col_who", {"Wie", "Who"}},
      {"col_about", {"Waarover", "About"}},
      {"col_basis", {"Grondslag", "Basis"}},
      {"col_outcome", {"Uitkomst", "Outcome"}},
      {"client", {"cliënt", "client"}},
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
