#include "gateway/workspace/labels.h"

#include <map>
#include <utility>

namespace ketenpoort::workspace {

namespace {

struct Words {
  std::string_view nl;
  std::string_view en;
};

// "group/code" -> words. Kept in one table so that a translator reads every word in one place.
const std::map<std::string, Words, std::less<>>& Table() {
  static const std::map<std::string, Words, std::less<>> table = {
      // Kinds.
      {"kind/referral", {"Verwijzing", "Referral"}},
      {"kind/signal", {"Signaal", "Signal"}},
      {"kind/b8", {"B8-procedure", "B8 procedure"}},
      {"kind/securemail", {"Beveiligde e-mail", "Secure mail"}},
      {"kind/question", {"Vraag", "Question"}},
      {"kind/answer", {"Antwoord", "Answer"}},
      {"kind/status", {"Statusbericht", "Status message"}},
      // States.
      {"state/sent", {"Verzonden", "Sent"}},
      {"state/undeliverable", {"Niet af te leveren", "Undeliverable"}},
      {"state/delivered", {"Afgeleverd", "Delivered"}},
      {"state/received", {"Ontvangen", "Received"}},
      {"state/accepted", {"Geaccepteerd", "Accepted"}},
      {"state/declined", {"Afgewezen", "Declined"}},
      {"state/needs_info", {"Vraag gesteld", "Question asked"}},
      {"state/intake_planned", {"Intake gepland", "Intake planned"}},
      {"state/assessed", {"Beoordeeld", "Assessed"}},
      {"state/forwarded", {"Doorgezet", "Forwarded"}},
      {"state/closed", {"Afgesloten", "Closed"}},
      {"state/reported", {"Aangifte gedaan", "Reported"}},
      {"state/application_filed", {"Aanvraag ingediend", "Application filed"}},
      {"state/granted", {"Verleend", "Granted"}},
      {"state/refused", {"Geweigerd", "Refused"}},
      {"state/extended", {"Verlengd", "Extended"}},
      {"state/ended", {"Beëindigd", "Ended"}},
      // What a button does: moving a delivery to the state.
      {"do/accepted", {"Accepteren", "Accept"}},
      {"do/declined", {"Afwijzen", "Decline"}},
      {"do/intake_planned", {"Intake gepland", "Intake planned"}},
      {"do/assessed", {"Beoordeeld", "Mark as assessed"}},
      {"do/forwarded", {"Doorgezet", "Mark as forwarded"}},
      {"do/closed", {"Afsluiten", "Close"}},
      {"do/reported", {"Aangifte gedaan", "Report made"}},
      {"do/application_filed", {"Aanvraag ingediend", "Application filed"}},
      {"do/granted", {"Verlenen", "Grant"}},
      {"do/refused", {"Weigeren", "Refuse"}},
      {"do/extended", {"Verlengen", "Extend"}},
      {"do/ended", {"Beëindigen", "End"}},
      // Payload and header fields.
      {"field/client_ref", {"Cliëntnummer", "Client number"}},
      {"field/needs", {"Hulpvragen", "Needs"}},
      {"field/life_domains", {"Leefgebieden", "Life domains"}},
      {"field/urgency", {"Urgentie", "Urgency"}},
      {"field/language", {"Taal", "Language"}},
      {"field/summary", {"Samenvatting", "Summary"}},
      {"field/attachments", {"Bijlagen", "Attachments"}},
      {"field/indicators", {"Signalen", "Indicators"}},
      {"field/exploitation", {"Soort uitbuiting", "Type of exploitation"}},
      {"field/minor", {"Minderjarig", "Minor"}},
      {"field/location", {"Plaats", "Location"}},
      {"field/observed_on", {"Waargenomen op", "Observed on"}},
      {"field/description", {"Beschrijving", "Description"}},
      {"field/identity", {"Identiteit", "Identity"}},
      {"field/step", {"Stap", "Step"}},
      {"field/reflection_start", {"Begin bedenktijd", "Start of reflection period"}},
      {"field/report_date", {"Datum aangifte", "Report date"}},
      {"field/application_date", {"Datum aanvraag", "Application date"}},
      {"field/outcome", {"Uitkomst", "Outcome"}},
      {"field/notes", {"Aantekeningen", "Notes"}},
      {"field/text", {"Tekst", "Text"}},
      {"field/body", {"Bericht", "Message"}},
      {"field/region", {"Regio", "Region"}},
      {"field/age_band", {"Leeftijdsgroep", "Age group"}},
      {"field/gender", {"Gender", "Gender"}},
      {"field/topic", {"Onderwerp", "Topic"}},
      // Enum values of payload and routing fields.
      {"enum.urgency/normal", {"Normaal", "Normal"}},
      {"enum.urgency/urgent", {"Spoed", "Urgent"}},
      {"enum.step/reflection_offered", {"Bedenktijd aangeboden", "Reflection period offered"}},
      {"enum.step/report", {"Aangifte", "Report"}},
      {"enum.step/cooperation", {"Medewerking aan onderzoek", "Cooperation"}},
      {"enum.step/application", {"Aanvraag verblijf", "Application"}},
      {"enum.step/decision", {"Besluit", "Decision"}},
      {"enum.step/extension", {"Verlenging", "Extension"}},
      {"enum.step/end", {"Einde", "End"}},
      {"enum.topic/shelter", {"Opvang", "Shelter"}},
      // Code lists (config/codelists/).
      {"code.age_band/adult", {"Volwassen", "Adult"}},
      {"code.age_band/minor", {"Minderjarig", "Minor"}},
      {"code.age_band/unknown", {"Onbekend", "Unknown"}},
      {"code.decline_reason/no_place", {"Geen plaats", "No place"}},
      {"code.decline_reason/wrong_target_group", {"Andere doelgroep", "Other target group"}},
      {"code.decline_reason/safety", {"Veiligheid", "Safety"}},
      {"code.decline_reason/other", {"Anders", "Other"}},
      {"code.exploitation/sexual", {"Seksuele uitbuiting", "Sexual exploitation"}},
      {"code.exploitation/labour", {"Arbeidsuitbuiting", "Labour exploitation"}},
      {"code.exploitation/criminal", {"Criminele uitbuiting", "Criminal exploitation"}},
      {"code.exploitation/other", {"Andere uitbuiting", "Other exploitation"}},
      {"code.gender/female", {"Vrouw", "Female"}},
      {"code.gender/male", {"Man", "Male"}},
      {"code.gender/non_binary", {"Non-binair", "Non-binary"}},
      {"code.gender/unknown", {"Onbekend", "Unknown"}},
      {"code.indicator/controlled_by_third_party",
       {"Onder controle van een ander", "Controlled by a third party"}},
      {"code.indicator/debt_bondage", {"Schuldslavernij", "Debt bondage"}},
      {"code.indicator/deceptive_recruitment", {"Misleidende werving", "Deceptive recruitment"}},
      {"code.indicator/excessive_hours", {"Buitensporig lange werktijden", "Excessive hours"}},
      {"code.indicator/forced_criminal_activity",
       {"Gedwongen criminele activiteiten", "Forced criminal activity"}},
      {"code.indicator/isolation", {"Isolement", "Isolation"}},
      {"code.indicator/little_or_no_pay", {"Weinig of geen loon", "Little or no pay"}},
      {"code.indicator/lives_at_workplace", {"Woont op de werkplek", "Lives at the workplace"}},
      {"code.indicator/no_id_documents", {"Geen identiteitspapieren", "No identity documents"}},
      {"code.indicator/restricted_movement", {"Beperkte bewegingsvrijheid", "Restricted movement"}},
      {"code.indicator/signs_of_abuse", {"Tekenen van mishandeling", "Signs of abuse"}},
      {"code.indicator/violence_or_threats", {"Geweld of bedreiging", "Violence or threats"}},
      {"code.life_domain/addiction", {"Verslaving", "Addiction"}},
      {"code.life_domain/daytime", {"Dagbesteding", "Daytime activities"}},
      {"code.life_domain/debts", {"Schulden", "Debts"}},
      {"code.life_domain/family", {"Gezin", "Family"}},
      {"code.life_domain/health", {"Gezondheid", "Health"}},
      {"code.life_domain/housing", {"Huisvesting", "Housing"}},
      {"code.life_domain/income", {"Inkomen", "Income"}},
      {"code.life_domain/legal_status", {"Verblijfsstatus", "Legal status"}},
      {"code.life_domain/mental_health", {"Psychische gezondheid", "Mental health"}},
      {"code.life_domain/safety", {"Veiligheid", "Safety"}},
      {"code.life_domain/social_network", {"Sociaal netwerk", "Social network"}},
      {"code.need/care", {"Zorg", "Care"}},
      {"code.need/interpreter", {"Tolk", "Interpreter"}},
      {"code.need/legal", {"Juridische hulp", "Legal aid"}},
      {"code.need/medical", {"Medische hulp", "Medical care"}},
      {"code.need/psychosocial", {"Psychosociale hulp", "Psychosocial support"}},
      {"code.need/return_support", {"Hulp bij terugkeer", "Return support"}},
      {"code.need/shelter", {"Opvang", "Shelter"}},
      {"code.need/work", {"Werk", "Work"}},
      {"code.outcome/care_started", {"Zorg gestart", "Care started"}},
      {"code.outcome/declined_by_client", {"Door cliënt afgewezen", "Declined by the client"}},
      {"code.outcome/lost_contact", {"Contact verloren", "Lost contact"}},
      {"code.outcome/other", {"Anders", "Other"}},
      {"code.outcome/permit_granted", {"Vergunning verleend", "Permit granted"}},
      {"code.outcome/permit_refused", {"Vergunning geweigerd", "Permit refused"}},
      {"code.outcome/placed", {"Geplaatst", "Placed"}},
      {"code.outcome/referred_elsewhere", {"Elders naartoe verwezen", "Referred elsewhere"}},
      {"code.outcome/returned_home", {"Teruggekeerd", "Returned home"}},
      {"field/content", {"Inhoud", "Content"}},
      {"bool/true", {"Ja", "Yes"}},
      {"bool/false", {"Nee", "No"}},
      // Legal bases.
      {"basis/consent", {"Toestemming", "Consent"}},
      {"basis/legal_obligation", {"Wettelijke plicht", "Legal obligation"}},
      {"basis/vital_interest", {"Vitaal belang", "Vital interest"}},
      {"basis/public_task", {"Publieke taak", "Public task"}},
      // Notices.
      {"notice/escalation", {"Escalatie: termijn verstreken", "Escalation: deadline passed"}},
      {"notice/reminder", {"Herinnering", "Reminder"}},
      {"notice/status", {"Antwoord van een ontvanger", "Answer from a recipient"}},
      {"notice/dead_letter", {"Niet afgeleverd", "Not delivered"}},
      // Audit entries.
      {"event/submit", {"Verzonden", "Submitted"}},
      {"event/deliver", {"Afgeleverd", "Delivered"}},
      {"event/fetch", {"Postvak gelezen", "Inbox read"}},
      {"event/open", {"Geopend", "Opened"}},
      {"event/download", {"Bijlage opgehaald", "Attachment fetched"}},
      {"event/status_change", {"Status gewijzigd", "Status changed"}},
      {"event/recall", {"Teruggetrokken", "Recalled"}},
      {"event/expire", {"Verlopen", "Expired"}},
      {"event/purge", {"Verwijderd na bewaartermijn", "Purged after retention"}},
      {"event/portal_verify", {"Ontvanger geverifieerd", "Recipient verified"}},
      {"event/token_issue", {"Token uitgegeven", "Token issued"}},
      {"event/token_revoke", {"Token ingetrokken", "Token revoked"}},
      {"event/auth_failed", {"Aanmelding mislukt", "Authentication failed"}},
      {"event/config_change", {"Instelling gewijzigd", "Configuration changed"}},
      {"event/key_change", {"Sleutel gewijzigd", "Key changed"}},
      {"event/audit_read", {"Audittrail gelezen", "Audit trail read"}},
      {"event/audit_export", {"Audittrail geëxporteerd", "Audit trail exported"}},
      {"event/reminder", {"Herinnering of escalatie", "Reminder or escalation"}},
      {"event/witness", {"Andere gateway gecontroleerd", "Peer gateway checked"}},
      {"event/report", {"Rapportage gemaakt", "Report made"}},
      {"event/consent_withdraw", {"Toestemming ingetrokken", "Consent withdrawn"}},
      {"event/status_report", {"Statusrapport", "Status report"}},
      {"event/backup", {"Back-up gemaakt", "Backup made"}},
      {"event/restore", {"Back-up teruggezet", "Backup restored"}},
      {"action/C", {"aanmaken", "create"}},
      {"action/R", {"lezen", "read"}},
      {"action/U", {"wijzigen", "update"}},
      {"action/D", {"verwijderen", "delete"}},
      {"action/E", {"uitvoeren", "execute"}},
      {"outcome/success", {"gelukt", "succeeded"}},
      {"outcome/denied", {"geweigerd", "denied"}},
      {"outcome/failure", {"mislukt", "failed"}},
  };
  return table;
}

const Words* Find(std::string_view group, std::string_view code) {
  std::string key;
  key.reserve(group.size() + 1 + code.size());
  key.append(group).append("/").append(code);
  const auto& table = Table();
  auto it = table.find(key);
  return it == table.end() ? nullptr : &it->second;
}

}  // namespace

std::string Label(api::Lang lang, std::string_view group, std::string_view code) {
  const Words* w = Find(group, code);
  if (w == nullptr)
    return std::string(code);
  return std::string(lang == api::Lang::kEn ? w->en : w->nl);
}

bool HasLabel(std::string_view group, std::string_view code) {
  return Find(group, code) != nullptr;
}

}  // namespace ketenpoort::workspace
