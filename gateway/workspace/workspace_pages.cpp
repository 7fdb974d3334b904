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
      {"older_messages", {"Oudere berichten", "Older messages"}},
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
      {"sent", {"Het bericht is verzonden.", "The message has been sent."}},
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
      // The compose pages (compose_pages.h) and the forms of the kinds (kind_form.h).
      {"title_compose", {"Nieuw bericht", "New message"}},
      {"compose_intro",
       {"Kies wat voor bericht u wilt opstellen.", "Choose the kind of message to write."}},
      {"compose_none",
       {"Uw organisatie kan geen van deze berichten beginnen.",
        "Your organisation cannot start any of these messages."}},
      {"compose_not_allowed",
       {"Alleen zorgcoördinatoren en hulpverleners kunnen berichten opstellen.",
        "Only care coordinators and caseworkers can write messages."}},
      {"unknown_kind", {"Dit soort bericht bestaat niet.", "There is no such kind of message."}},
      {"kind_not_allowed",
       {"Uw organisatie kan dit soort bericht niet beginnen.",
        "Your organisation cannot start this kind of message."}},
      {"follows_required",
       {"Een vraag of antwoord stelt u op vanuit het bericht waar het over gaat.",
        "Write a question or an answer from the message it is about."}},
      {"follow_up_kind_mismatch",
       {"Een vervolg is van hetzelfde soort als het bericht dat het volgt.",
        "A follow-up is of the same kind as the message it follows."}},
      {"no_pseudonym_secret",
       {"Deze werkplek kan voor uw organisatie geen pseudoniemen van cliënten maken.",
        "This workspace cannot make client pseudonyms for your organisation."}},
      {"form_invalid",
       {"Het bericht is niet verstuurd. Verbeter deze velden:",
        "The message was not sent. Correct these fields:"}},
      {"no_recipients",
       {"Geen enkele organisatie ontvangt dit bericht met deze gegevens; er is niets verstuurd. "
        "Vul meer gegevens in, zoals de regio of het onderwerp.",
        "No organisation receives this message with these details; nothing was sent. Give more "
        "details, such as the region or the topic."}},
      {"gateway_refused",
       {"De gateway heeft het bericht geweigerd; er is niets verstuurd. Code:",
        "The gateway refused the message; nothing was sent. Code:"}},
      {"required_note", {"Velden met * zijn verplicht.", "Fields marked * are required."}},
      {"gw_idempotency_conflict",
       {"Dit formulier is al verstuurd met andere gegevens; er is niets verstuurd. Begin een nieuw "
        "bericht.",
        "This form was already sent with other details; nothing was sent. Start a new message."}},
      {"gw_recipient_outside_region",
       {"Die organisatie werkt niet in de regio van deze casus; er is niets verstuurd.",
        "That organisation does not serve the region of this case; nothing was sent."}},
      {"gw_subject_mismatch",
       {"Het vervolg gaat niet over dezelfde cliënt; er is niets verstuurd.",
        "The follow-up is not about the same client; nothing was sent."}},
      {"gw_sender_not_permitted",
       {"Uw organisatie mag dit soort bericht niet beginnen; er is niets verstuurd.",
        "Your organisation may not start this kind of message; nothing was sent."}},
      {"gw_recipient_not_party",
       {"Alleen de partijen van dit bericht kunnen hierover vragen en antwoorden; er is niets "
        "verstuurd.",
        "Only the parties of this message can ask and answer about it; nothing was sent."}},
      {"gw_invalid_transition",
       {"Hier kan nu geen vraag of antwoord bij: er staat al een vraag open, of er is er geen. Er "
        "is niets verstuurd.",
        "No question or answer fits here now: one is open already, or none is. Nothing was "
        "sent."}},

      {"hint_client_number",
       {"Het cliëntnummer uit uw eigen registratie. De werkplek maakt er het pseudoniem van dat "
        "met het bericht meegaat; het nummer zelf verlaat uw organisatie niet.",
        "The client number of your own records. The workspace turns it into the pseudonym that "
        "goes with the message; the number itself does not leave your organisation."}},
      {"preview", {"Controleren", "Check"}},
      {"send", {"Versturen", "Send"}},
      {"preview_title", {"Dit bericht gaat naar", "This message goes to"}},
      {"preview_intro",
       {"Er is nog niets verstuurd. Klopt alles, kies dan Versturen.",
        "Nothing has been sent yet. If all is right, choose Send."}},
      {"legal_basis_would_add",
       {"Met een grondslag gaat het bericht ook naar:",
        "With a legal basis the message also goes to:"}},
      {"legal_basis_ask",
       {"Kies bij Grondslag de grondslag als het bericht ook naar hen moet.",
        "Choose the legal basis under Legal basis if the message is to reach them too."}},
      {"deadline_note", {"Termijn:", "Deadline:"}},
      {"follows_note", {"Vervolg op bericht", "Follow-up of message"}},
      {"choose", {"— kies —", "— choose —"}},
      {"not_given", {"— niet opgegeven —", "— not given —"}},
      {"yes", {"Ja", "Yes"}},
      {"no", {"Nee", "No"}},
      {"kind_referral", {"Verwijzing", "Referral"}},
      {"kind_referral_about",
       {"een cliënt verwijzen naar opvang of zorg", "refer a client to shelter or care"}},
      {"kind_signal", {"Signaal mensenhandel", "Trafficking signal"}},
      {"kind_signal_about",
       {"een (mogelijk) signaal van mensenhandel aan CoMensha, politie of meldpunt",
        "a (possible) sign of human trafficking to CoMensha, the police or a report point"}},
      {"kind_b8", {"B8-procedure", "B8 procedure"}},
      {"kind_b8_about",
       {"de verblijfsregeling voor slachtoffers van mensenhandel (politie, IND)",
        "the residence procedure for victims of trafficking (police, IND)"}},
      {"kind_question", {"Vraag", "Question"}},
      {"kind_answer", {"Antwoord", "Answer"}},
      {"kind_securemail", {"Beveiligde e-mail", "Secure mail"}},
      {"field_client_number", {"Cliëntnummer", "Client number"}},
      {"field_follow_reason", {"Reden van het vervolg", "Reason for the follow-up"}},
      {"field_recipients",
       {"Ontvangers (leeg: volgens de routering)", "Recipients (none: by the routing)"}},
      {"field_legal_basis", {"Grondslag", "Legal basis"}},
      {"field_region", {"Regio", "Region"}},
      {"field_age_band", {"Leeftijd", "Age"}},
      {"field_gender", {"Gender", "Gender"}},
      {"field_exploitation", {"Soort uitbuiting", "Type of exploitation"}},
      {"field_topic", {"Onderwerp (voor de routering)", "Topic (for the routing)"}},
      {"field_urgency", {"Urgentie", "Urgency"}},
      {"field_client_ref", {"Uw dossiernummer", "Your case reference"}},
      {"field_needs", {"Behoeften", "Needs"}},
      {"field_life_domains", {"Levensdomeinen", "Life domains"}},
      {"field_language", {"Taal van de cliënt", "Client's language"}},
      {"field_summary", {"Samenvatting", "Summary"}},
      {"field_attachments",
       {"Bijlagen (namen, één per regel)", "Attachments (names, one per line)"}},
      {"field_indicators", {"Signalen", "Indicators"}},
      {"field_minor", {"Minderjarig", "Minor"}},
      {"field_location", {"Plaats", "Location"}},
      {"field_observed_on", {"Waargenomen op", "Observed on"}},
      {"field_description", {"Beschrijving", "Description"}},
      {"field_identity",
       {"Identiteitsgegevens (alleen met een grondslag)",
        "Identity details (only with a legal "
        "basis)"}},
      {"field_step", {"Stap", "Step"}},
      {"field_reflection_start", {"Begin van de bedenktijd", "Start of the reflection period"}},
      {"field_report_date", {"Datum van de aangifte", "Date of the report"}},
      {"field_application_date", {"Datum van de aanvraag", "Date of the application"}},
      {"field_outcome", {"Uitkomst", "Outcome"}},
      {"field_notes", {"Aantekeningen", "Notes"}},
      {"field_text", {"Tekst", "Text"}},
      {"value_urgency_normal", {"Normaal", "Normal"}},
      {"value_urgency_urgent", {"Spoed", "Urgent"}},
      {"value_step_reflection_offered", {"Bedenktijd aangeboden", "Reflection period offered"}},
      {"value_step_report", {"Aangifte", "Report to the police"}},
      {"value_step_cooperation",
       {"Medewerking aan het onderzoek",
        "Cooperation with the "
        "investigation"}},
      {"value_step_application", {"Aanvraag verblijfsvergunning", "Residence permit application"}},
      {"value_step_decision", {"Besluit", "Decision"}},
      {"value_step_extension", {"Verlenging", "Extension"}},
      {"value_step_end", {"Einde", "End"}},
      {"legal_basis_consent", {"Toestemming van de cliënt", "The client's consent"}},
      {"legal_basis_legal_obligation", {"Wettelijke plicht", "Legal obligation"}},
      {"legal_basis_vital_interest", {"Vitaal belang", "Vital interest"}},
      {"legal_basis_public_task", {"Publieke taak", "Public task"}},
      {"region_GM0518", {"Den Haag (GM0518)", "The Hague (GM0518)"}},
      {"region_GM0599", {"Rotterdam (GM0599)", "Rotterdam (GM0599)"}},
      {"region_GM0268", {"Nijmegen (GM0268)", "Nijmegen (GM0268)"}},
      {"region_NL", {"Heel Nederland", "All of the Netherlands"}},
      {"code_age_band_minor", {"Minderjarig (onder 18)", "Minor (under 18)"}},
      {"code_age_band_adult", {"Volwassen (18 of ouder)", "Adult (18 or over)"}},
      {"code_age_band_unknown", {"Onbekend", "Unknown"}},
      {"code_decline_reason_no_place", {"Geen plek", "No place"}},
      {"code_decline_reason_wrong_target_group", {"Andere doelgroep", "Another target group"}},
      {"code_decline_reason_safety", {"Veiligheid", "Safety"}},
      {"code_decline_reason_other", {"Anders", "Other"}},
      {"code_exploitation_sexual", {"Seksuele uitbuiting", "Sexual exploitation"}},
      {"code_exploitation_labour", {"Arbeidsuitbuiting", "Labour exploitation"}},
      {"code_exploitation_criminal", {"Criminele uitbuiting", "Criminal exploitation"}},
      {"code_exploitation_other", {"Overige uitbuiting", "Other exploitation"}},
      {"code_gender_female", {"Vrouw", "Female"}},
      {"code_gender_male", {"Man", "Male"}},
      {"code_gender_non_binary", {"Non-binair", "Non-binary"}},
      {"code_gender_unknown", {"Onbekend", "Unknown"}},
      {"code_indicator_no_id_documents", {"Geen identiteitspapieren", "No identity documents"}},
      {"code_indicator_debt_bondage", {"Schuldslavernij", "Debt bondage"}},
      {"code_indicator_restricted_movement",
       {"Beperkte bewegingsvrijheid", "Restricted freedom of movement"}},
      {"code_indicator_excessive_hours", {"Extreem lange werktijden", "Excessive working hours"}},
      {"code_indicator_little_or_no_pay", {"Weinig of geen loon", "Little or no pay"}},
      {"code_indicator_violence_or_threats", {"Geweld of bedreiging", "Violence or threats"}},
      {"code_indicator_isolation", {"Isolement", "Isolation"}},
      {"code_indicator_deceptive_recruitment", {"Misleidende werving", "Deceptive recruitment"}},
      {"code_indicator_lives_at_workplace", {"Woont op de werkplek", "Lives at the workplace"}},
      {"code_indicator_forced_criminal_activity",
       {"Gedwongen tot criminele activiteiten", "Forced into criminal activity"}},
      {"code_indicator_signs_of_abuse", {"Sporen van mishandeling", "Signs of abuse"}},
      {"code_indicator_controlled_by_third_party",
       {"Onder controle van een ander", "Controlled by someone else"}},
      {"code_life_domain_housing", {"Huisvesting", "Housing"}},
      {"code_life_domain_income", {"Inkomen", "Income"}},
      {"code_life_domain_debts", {"Schulden", "Debts"}},
      {"code_life_domain_daytime", {"Dagbesteding", "Daytime activities"}},
      {"code_life_domain_health", {"Lichamelijke gezondheid", "Physical health"}},
      {"code_life_domain_mental_health", {"Geestelijke gezondheid", "Mental health"}},
      {"code_life_domain_addiction", {"Verslaving", "Addiction"}},
      {"code_life_domain_social_network", {"Sociaal netwerk", "Social network"}},
      {"code_life_domain_safety", {"Veiligheid", "Safety"}},
      {"code_life_domain_legal_status", {"Verblijfsstatus en justitie", "Legal status"}},
      {"code_life_domain_family", {"Gezin", "Family"}},
      {"code_need_shelter", {"Opvang", "Shelter"}},
      {"code_need_care", {"Zorg", "Care"}},
      {"code_need_legal", {"Juridische hulp", "Legal aid"}},
      {"code_need_work", {"Werk", "Work"}},
      {"code_need_medical", {"Medische hulp", "Medical help"}},
      {"code_need_psychosocial", {"Psychosociale hulp", "Psychosocial help"}},
      {"code_need_interpreter", {"Tolk", "Interpreter"}},
      {"code_need_return_support", {"Hulp bij terugkeer", "Support to return"}},
      {"code_outcome_placed", {"Geplaatst", "Placed"}},
      {"code_outcome_care_started", {"Zorg gestart", "Care started"}},
      {"code_outcome_returned_home", {"Teruggekeerd naar het land van herkomst", "Returned home"}},
      {"code_outcome_referred_elsewhere", {"Elders naartoe verwezen", "Referred elsewhere"}},
      {"code_outcome_declined_by_client", {"Door de cliënt afgewezen", "Declined by the client"}},
      {"code_outcome_lost_contact", {"Contact verloren", "Lost contact"}},
      {"code_outcome_permit_granted", {"Vergunning verleend", "Permit granted"}},
      {"code_outcome_permit_refused", {"Vergunning geweigerd", "Permit refused"}},
      {"code_outcome_other", {"Anders", "Other"}},
      {"err_required", {"Vul dit veld in.", "Fill in this field."}},
      {"err_invalid_choice", {"Kies een van de mogelijkheden.", "Choose one of the options."}},
      {"err_unknown_code",
       {"Deze code staat niet in de codelijst.", "This code is not in the code list."}},
      {"err_invalid_date", {"Vul een bestaande datum in.", "Give a date that exists."}},
      {"err_invalid_number", {"Vul een geldig getal in.", "Give a valid number."}},
      {"err_too_long", {"Deze tekst is te lang.", "This text is too long."}},
      {"err_invalid_value", {"Deze waarde is niet geldig.", "This value is not valid."}},
      {"err_invalid_client_number",
       {"Dit is geen geldig cliëntnummer.", "This is not a valid client number."}},
      {"err_invalid_reason",
       {"Geef de reden in één regel van hoogstens 500 tekens.",
        "Give the reason in one line of at most 500 characters."}},
      {"err_legal_basis_required",
       {"Kies een grondslag: zonder grondslag mag dit niet worden verstuurd.",
        "Choose a legal basis: without one this may not be sent."}},
      {"err_needs_legal_basis",
       {"Dit veld mag alleen mee met een grondslag.",
        "This field may only be sent with a legal basis."}},
      {"err_consent_withdrawn",
       {"De cliënt heeft de toestemming ingetrokken; kies een andere grondslag.",
        "The client withdrew consent; choose another legal basis."}},
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
