#include "gateway/workspace/labels.h"

#include "gateway/workspace/workspace_pages.h"

#include <map>
#include <optional>
#include <utility>

namespace ketenpoort::workspace {

namespace {

struct Words {
  std::string_view nl;
  std::string_view en;
};

// "group/code" -> words, for the groups the compose forms' texts (workspace_pages.cpp) do not
// cover: states, buttons, notices, audit entries.
const std::map<std::string, Words, std::less<>>& Table() {
  static const std::map<std::string, Words, std::less<>> table = {
      // Kinds.
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
      // Fields and values the compose forms do not name (workspace_pages.cpp has the rest),
      // and one they name for the writer ("your case reference") that a reader reads apart.
      {"field/client_ref", {"Dossiernummer van de afzender", "The sender's case reference"}},
      {"field/body", {"Bericht", "Message"}},
      {"field/content", {"Inhoud", "Content"}},
      {"enum.topic/shelter", {"Opvang", "Shelter"}},
      // A secure-mail recipient's states and the portal's events (securemail_results.h).
      {"mail/pending", {"Nog niet gemaild", "Not mailed yet"}},
      {"mail/submitted", {"Verzonden", "Submitted"}},
      {"mail/notified", {"Gemaild", "Mailed"}},
      {"mail/code_sent", {"Code verstuurd", "Code sent"}},
      {"mail/verified", {"Geverifieerd", "Verified"}},
      {"mail/enrolled", {"Authenticator-app gekoppeld", "Authenticator app enrolled"}},
      {"mail/opened", {"Geopend", "Opened"}},
      {"mail/downloaded", {"Bijlage opgehaald", "Attachment fetched"}},
      {"mail/replied", {"Beantwoord", "Replied"}},
      {"mail/resent", {"Opnieuw gemaild", "Mailed again"}},
      {"mail/locked", {"Geblokkeerd na te veel pogingen", "Locked after too many attempts"}},
      {"mail/deadline_warning", {"Termijnwaarschuwing", "Deadline warning"}},
      {"mail/expired", {"Verlopen", "Expired"}},
      {"mail/recalled", {"Teruggetrokken", "Recalled"}},
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
      // The roles of the gateway's tokens, as audit entries name them.
      {"role/sender", {"verzender", "sender"}},
      {"role/recipient", {"ontvanger", "recipient"}},
      {"role/coordinator", {"coördinator", "coordinator"}},
      {"role/auditor", {"auditor", "auditor"}},
      {"role/admin", {"beheerder", "administrator"}},
      {"role/peer", {"andere gateway", "peer gateway"}},
      {"role/workspace", {"via de werkplek", "through the workspace"}},
  };
  return table;
}

// The key of workspace_pages.cpp's texts that names `code` of `group`, as the compose forms
// label their fields and choices (kind_form.h), so that a code reads the same in every page;
// "" for groups it does not cover.
std::string TextKeyOf(std::string_view group, std::string_view code) {
  auto key = [&](std::string_view prefix, std::string_view middle = {}) {
    std::string k(prefix);
    if (!middle.empty())
      k.append(middle).append("_");
    return k.append(code);
  };
  if (group == "kind")
    return key("kind_");
  if (group == "field")
    return key("field_");
  if (group == "basis")
    return key("legal_basis_");
  if (group.starts_with("enum."))
    return key("value_", group.substr(5));
  if (group.starts_with("code."))
    return key("code_", group.substr(5));
  if (group == "bool")
    return code == "true" ? "yes" : code == "false" ? "no" : "";
  return "";
}

// The words for `key` in workspace_pages.cpp's texts; nullopt when it has none.
std::optional<std::string_view> KnownText(api::Lang lang, const std::string& key) {
  if (key.empty())
    return std::nullopt;
  std::string_view text = Text(lang, key);
  return text == key ? std::nullopt : std::optional<std::string_view>(text);
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
  if (const Words* w = Find(group, code))
    return std::string(lang == api::Lang::kEn ? w->en : w->nl);
  if (auto text = KnownText(lang, TextKeyOf(group, code)))
    return std::string(*text);
  return std::string(code);
}

bool HasLabel(std::string_view group, std::string_view code) {
  return KnownText(api::Lang::kNl, TextKeyOf(group, code)).has_value() ||
         Find(group, code) != nullptr;
}

}  // namespace ketenpoort::workspace
