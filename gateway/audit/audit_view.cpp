#include "gateway/audit/audit_view.h"

#include <map>

#include "gateway/audit/time_format.h"

namespace ketenpoort::audit {

namespace {

struct Words {
  std::string_view en;
  std::string_view nl;
};

std::string_view Pick(const Words& w, Language l) {
  return l == Language::kDutch ? w.nl : w.en;
}

// What an event says, as "<verb> <object noun>" in the sentence.
const std::map<std::string_view, Words>& EventWords() {
  static const std::map<std::string_view, Words> words = {
      {event::kSubmit, {"sent message", "heeft bericht verstuurd:"}},
      {event::kDeliver, {"received into its inbox message", "kreeg in de inbox bericht"}},
      {event::kFetch, {"looked at the header or tracking of", "bekeek de kop of de voortgang van"}},
      {event::kOpen, {"opened message", "heeft bericht geopend:"}},
      {event::kDownload, {"downloaded a file of message", "downloadde een bestand van bericht"}},
      {event::kStatusChange, {"changed the status of message", "wijzigde de status van bericht"}},
      {event::kRecall, {"withdrew message", "trok bericht in:"}},
      {event::kExpire, {"saw expire message", "zag verlopen: bericht"}},
      {event::kPurge, {"removed the content of", "verwijderde de inhoud van"}},
      {event::kPortalVerify, {"verified as recipient of", "verifieerde zich als ontvanger van"}},
      {event::kTokenIssue, {"issued an API token", "gaf een API-token uit"}},
      {event::kTokenRevoke, {"revoked an API token", "trok een API-token in"}},
      {event::kAuthFailed, {"failed to authenticate at", "kon zich niet aanmelden bij"}},
      {event::kConfigChange, {"changed the configuration", "wijzigde de configuratie"}},
      {event::kKeyChange, {"changed a key", "wijzigde een sleutel"}},
      {event::kAuditRead, {"read the audit trail", "las het auditlog"}},
      {event::kAuditExport, {"exported the audit trail", "exporteerde het auditlog"}},
      {event::kReminder, {"sent a deadline reminder about", "stuurde een herinnering over"}},
      {event::kReport, {"made an anonymised report of", "maakte een geanonimiseerd rapport over"}},
      {event::kConsentWithdraw,
       {"recorded that the client withdrew consent for",
        "legde vast dat de cliënt de toestemming introk voor"}},
      {event::kStatusReport,
       {"reported a status change to the other gateway of message",
        "meldde een statuswijziging aan de andere gateway van bericht"}},
      {event::kBackup, {"made a backup of", "maakte een back-up van"}},
      {event::kRestore, {"restored from a backup", "zette een back-up terug van"}},
  };
  return words;
}

const std::map<std::string_view, Words>& RoleWords() {
  static const std::map<std::string_view, Words> words = {
      {"sender", {"sender", "verzender"}},
      {"recipient", {"recipient", "ontvanger"}},
      {"coordinator", {"coordinator", "coördinator"}},
      {"auditor", {"auditor", "auditor"}},
      {"admin", {"administrator", "beheerder"}},
      {"peer", {"peer gateway", "partnergateway"}},
      {"workspace", {"workspace", "werkplek"}},
  };
  return words;
}

const std::map<std::string_view, Words>& BasisWords() {
  static const std::map<std::string_view, Words> words = {
      {"consent", {"consent", "toestemming"}},
      {"legal_obligation", {"a legal obligation", "een wettelijke plicht"}},
      {"vital_interest", {"vital interest", "vitaal belang"}},
      {"public_task", {"a public task", "een publieke taak"}},
  };
  return words;
}

std::string Lookup(const std::map<std::string_view, Words>& table, std::string_view key,
                   Language l) {
  auto it = table.find(key);
  return it == table.end() ? std::string(key) : std::string(Pick(it->second, l));
}

}  // namespace

std::optional<Language> ParseLanguage(std::string_view code) {
  if (code.empty() || code == "en")
    return Language::kEnglish;
  if (code == "nl")
    return Language::kDutch;
  return std::nullopt;
}

std::string RenderLine(const AuditEntry& e, Language l) {
  const bool nl = l == Language::kDutch;
  std::string time = FormatTime(e.time_ms);  // "2026-11-23T10:00:01.123Z"
  std::string line = time.substr(0, 10) + " " + time.substr(11, 8) + " UTC  ";
  line += e.organisation.empty() ? (nl ? "(onbekend)" : "(unknown)") : e.organisation;
  std::string who = e.role.empty() ? "" : Lookup(RoleWords(), e.role, l);
  if (!e.user.empty())
    who += (who.empty() ? "" : ", ") + std::string(nl ? "gebruiker " : "user ") + e.user;
  if (!e.responsible_user.empty())
    who += std::string(nl ? ", namens " : ", on behalf of ") + e.responsible_user;
  if (!who.empty())
    line += " (" + who + ")";
  line += " " + Lookup(EventWords(), e.event, l);
  if (!e.object.empty())
    line += " " + e.object;
  if (!e.authorisation_basis.empty()) {
    line += std::string(nl ? " op grond van " : " on the basis of ") +
            Lookup(BasisWords(), e.authorisation_basis, l);
  }
  if (e.break_glass)
    line += nl ? " [NOODTOEGANG]" : " [BREAK-GLASS]";
  if (!e.source_address.empty())
    line += std::string(nl ? " vanaf " : " from ") + e.source_address;
  line += ": ";
  if (e.outcome == kOutcomeSuccess)
    line += nl ? "gelukt" : "done";
  else
    line += std::string(nl ? "geweigerd (" : "refused (") + e.outcome + ")";
  return line;
}

std::string RenderView(const std::vector<AuditEntry>& entries, Language l) {
  std::string out;
  for (const AuditEntry& e : entries)
    out += RenderLine(e, l) + "\n";
  return out;
}

}  // namespace ketenpoort::audit
