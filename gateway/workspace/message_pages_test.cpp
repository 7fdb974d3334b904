// The rendering of the inbox, the message page and the audit page, and which actions a person
// is offered: pure functions over the gateway's JSON, tested without a gateway.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "adapters/kinds/registry.h"
#include "gateway/workspace/audit_page.h"
#include "gateway/workspace/inbox_page.h"
#include "gateway/workspace/local_time.h"
#include "gateway/workspace/message_actions.h"
#include "gateway/workspace/message_page.h"
#include "gateway/workspace/page_notices.h"

namespace ketenpoort::workspace {
namespace {

using api::Lang;
using nlohmann::json;

const std::int64_t kNow = *ParseUtcTime("2026-12-03T12:00:00Z");

OrgNames Names() {
  return [](const std::string& org) {
    if (org == "shop-denhaag")
      return std::string("SHOP <Den Haag>");
    if (org == "wende-denhaag")
      return std::string("Wende");
    return org;
  };
}

bool Has(const std::string& html, const std::string& part) {
  return html.find(part) != std::string::npos;
}

// The <li ...> of message `id` up to its end.
std::string Item(const std::string& html, const std::string& id) {
  const auto start = html.find("<li class=\"message");
  auto at = html.find("id=\"msg-" + id + "\"");
  if (start == std::string::npos || at == std::string::npos)
    return "";
  at = html.rfind("<li", at);
  return html.substr(at, html.find("</li>", at) - at);
}

TEST(InboxHtml, MarksNewAndOverdueWithAWordAndAClassAndShowsCodesAsWords) {
  InboxLists lists;
  lists.received = json::array({{{"id", "m-old"},
                                 {"kind", "referral"},
                                 {"from", "shop-denhaag"},
                                 {"state", "received"},
                                 {"routing", {{"urgency", "urgent"}}},
                                 {"deadline", "2026-12-02T09:00:00.000Z"},
                                 {"created", "2026-12-01T09:00:00.000Z"},
                                 {"cursor", "1"}},
                                {{"id", "m-new"},
                                 {"kind", "signal"},
                                 {"from", "shop-denhaag"},
                                 {"state", "delivered"},
                                 {"created", "2026-12-03T09:00:00.000Z"},
                                 {"cursor", "2"}},
                                {{"id", "m-done"},
                                 {"kind", "referral"},
                                 {"from", "shop-denhaag"},
                                 {"state", "declined"},
                                 {"deadline", "2026-12-02T09:00:00.000Z"},
                                 {"cursor", "3"}}});
  const std::string html = InboxHtml(Lang::kNl, lists, Names(), kNow);
  // Newest first.
  EXPECT_LT(html.find("msg-m-done"), html.find("msg-m-new"));
  EXPECT_LT(html.find("msg-m-new"), html.find("msg-m-old"));
  const std::string old_item = Item(html, "m-old");
  EXPECT_TRUE(Has(old_item, "class=\"message overdue\"")) << old_item;
  EXPECT_TRUE(Has(old_item, "Te laat"));
  EXPECT_TRUE(Has(old_item, "Verwijzing"));
  EXPECT_TRUE(Has(old_item, "Spoed"));
  EXPECT_TRUE(Has(old_item, "2 december 2026 10:00"));
  EXPECT_TRUE(Has(old_item, "SHOP &lt;Den Haag&gt;"));
  EXPECT_FALSE(Has(old_item, "<Den"));
  const std::string new_item = Item(html, "m-new");
  EXPECT_TRUE(Has(new_item, "class=\"message new\""));
  EXPECT_TRUE(Has(new_item, "Nieuw"));
  EXPECT_TRUE(Has(new_item, "Afgeleverd"));
  // Answered (declined) is not overdue, whatever its deadline.
  EXPECT_FALSE(Has(Item(html, "m-done"), "overdue"));
  const std::string en = InboxHtml(Lang::kEn, lists, Names(), kNow);
  EXPECT_TRUE(Has(Item(en, "m-new"), "New"));
  EXPECT_TRUE(Has(Item(en, "m-old"), "Overdue"));
}

TEST(InboxHtml, ShowsNoticesInWordsAndTheSentListWithEachRecipientsState) {
  InboxLists lists;
  lists.notices = json::array({{{"type", "status"},
                                {"about", "wende-denhaag"},
                                {"message_id", "m-1"},
                                {"reason", "declined (no_place)"},
                                {"time", "2026-12-03T10:00:00.000Z"}},
                               {{"type", "escalation"},
                                {"about", "wende-denhaag"},
                                {"message_id", "m-1"},
                                {"reason", "urgent message m-1 not answered by ..."},
                                {"due", "2026-12-03T09:00:00.000Z"},
                                {"time", "2026-12-03T09:00:01.000Z"}}});
  lists.sent = json::array({{{"id", "m-1"},
                             {"kind", "referral"},
                             {"states", {{"wende-denhaag", "declined"}}},
                             {"cursor", "4"}}});
  const std::string html = InboxHtml(Lang::kNl, lists, Names(), kNow);
  EXPECT_TRUE(Has(html, "data-type=\"status\""));
  EXPECT_TRUE(Has(html, "Afgewezen (Geen plek)"));
  EXPECT_TRUE(Has(html, "Escalatie"));
  EXPECT_FALSE(Has(html, "not answered by")) << "the rule's English sentence is not shown";
  EXPECT_LT(html.find("data-type=\"status\""), html.find("data-type=\"escalation\""));
  EXPECT_TRUE(Has(Item(html, "m-1"), "Wende: Afgewezen"));
  EXPECT_TRUE(Has(html, "href=\"/messages/m-1\""));
}

TEST(InboxHtml, SaysSoWhenAListCouldNotBeFetched) {
  InboxLists lists;
  lists.sent_error = "not_allowed";
  const std::string html = InboxHtml(Lang::kEn, lists, Names(), kNow);
  EXPECT_TRUE(Has(html, "Your role does not allow this."));
  EXPECT_TRUE(Has(html, "No received messages."));
}

// A full page of a list links to the next older page; the page that reached the oldest does not.
TEST(InboxHtml, AFullPageLinksToTheOlderMessages) {
  InboxLists lists;
  lists.received = json::array({{{"id", "m-9"},
                                 {"kind", "signal"},
                                 {"from", "shop-denhaag"},
                                 {"state", "delivered"},
                                 {"cursor", "9"}}});
  lists.received_older = "/inbox?received_before=9";
  const std::string html = InboxHtml(Lang::kNl, lists, Names(), kNow);
  EXPECT_TRUE(Has(html,
                  "<a id=\"received-older\" href=\"/inbox?received_before=9\">"
                  "Oudere berichten</a>"));
  EXPECT_FALSE(Has(html, "sent-older"));
}

TEST(MessageActions, AuditorsAndAdministratorsDoNotAct) {
  for (bool is_sender : {false, true}) {
    MessageActions a = ActionsFor(kinds::BuiltinKinds(), {.kind = "referral",
                                                          .state = "received",
                                                          .states = {{"wende-denhaag", "declined"}},
                                                          .is_sender = is_sender,
                                                          .is_recipient = !is_sender,
                                                          .org_kind = OrgKind::kCareCoordination,
                                                          .may_act = false});
    EXPECT_FALSE(a.Any());
  }
}

TEST(MessageActions, FollowTheLifecycleAndWhoMaySetEachState) {
  const KindRegistry& kinds = kinds::BuiltinKinds();
  // A referral's recipient: accept, decline (coded), close; a question instead of needs_info.
  MessageActions r = ActionsFor(kinds, {.kind = "referral",
                                        .state = "received",
                                        .is_recipient = true,
                                        .org_kind = OrgKind::kYouth,
                                        .may_act = true});
  EXPECT_EQ(r.states, (std::vector<std::string>{"accepted", "declined", "closed"}));
  EXPECT_EQ(r.code_lists.at("declined"), "decline_reason");
  EXPECT_TRUE(r.ask_question);
  EXPECT_FALSE(r.recall);
  MessageActions accepted = ActionsFor(kinds, {.kind = "referral",
                                               .state = "accepted",
                                               .is_recipient = true,
                                               .org_kind = OrgKind::kYouth,
                                               .may_act = true});
  EXPECT_EQ(accepted.states, (std::vector<std::string>{"intake_planned", "closed"}));
  // A signal: CoMensha assesses; a care partner may not, only close.
  MessageActions s = ActionsFor(kinds, {.kind = "signal",
                                        .state = "received",
                                        .is_recipient = true,
                                        .org_kind = OrgKind::kNationalRegistration,
                                        .may_act = true});
  EXPECT_EQ(s.states, (std::vector<std::string>{"assessed", "closed"}));
  MessageActions care = ActionsFor(kinds, {.kind = "signal",
                                           .state = "received",
                                           .is_recipient = true,
                                           .org_kind = OrgKind::kCare,
                                           .may_act = true});
  EXPECT_EQ(care.states, (std::vector<std::string>{"closed"}));
  // The sender of a declined referral: close what is open, recall, refer again.
  MessageActions sender =
      ActionsFor(kinds, {.kind = "referral",
                         .states = {{"wende-denhaag", "declined"}, {"dehaven-denhaag", "received"}},
                         .is_sender = true,
                         .org_kind = OrgKind::kCareCoordination,
                         .may_act = true});
  EXPECT_EQ(sender.sender_targets.at("closed"),
            (std::vector<std::string>{"dehaven-denhaag", "wende-denhaag"}));
  EXPECT_EQ(sender.sender_targets.size(), 1u);
  EXPECT_TRUE(sender.recall);
  EXPECT_TRUE(sender.re_refer);
  EXPECT_TRUE(sender.states.empty());
  // Recalled: nothing more.
  MessageActions recalled = ActionsFor(kinds, {.kind = "referral",
                                               .states = {{"wende-denhaag", "received"}},
                                               .is_sender = true,
                                               .org_kind = OrgKind::kCareCoordination,
                                               .may_act = true,
                                               .recalled = true});
  EXPECT_FALSE(recalled.Any());
  // A question received by the case's sender: answer it.
  MessageActions q = ActionsFor(kinds, {.kind = "question",
                                        .state = "received",
                                        .is_recipient = true,
                                        .org_kind = OrgKind::kCareCoordination,
                                        .may_act = true});
  EXPECT_TRUE(q.answer);
  EXPECT_FALSE(q.ask_question);
  // A b8 moves as one procedure: no recipient to choose.
  MessageActions b8 = ActionsFor(kinds, {.kind = "b8",
                                         .state = "received",
                                         .is_recipient = true,
                                         .org_kind = OrgKind::kPolice,
                                         .may_act = true});
  EXPECT_FALSE(b8.per_recipient);
  EXPECT_NE(std::find(b8.states.begin(), b8.states.end(), "reported"), b8.states.end());
}

MessageFacts SenderFacts() {
  MessageFacts f;
  f.message = {{"id", "m-1"},
               {"kind", "referral"},
               {"from", "shop-denhaag"},
               {"recipients", {"wende-denhaag"}},
               {"legal_basis", "consent"},
               {"deadline", "2026-12-04T08:00:00.000Z"},
               {"routing", {{"urgency", "urgent"}}},
               {"created", "2026-12-03T08:00:00.000Z"},
               {"states", {{"wende-denhaag", "declined"}}}};
  f.rows = PayloadRows(Lang::kNl, kinds::BuiltinKinds(), "referral",
                       {{"client_ref", "2026-0042"}, {"summary", "<script>x</script>"}});
  f.verified = true;
  f.tracking = {
      {"recipients", json::array({{{"org", "wende-denhaag"},
                                   {"state", "declined"},
                                   {"events", json::array({{{"state", "delivered"},
                                                            {"time", "2026-12-03T08:00:00.000Z"},
                                                            {"by", "gateway"}},
                                                           {{"state", "declined"},
                                                            {"time", "2026-12-03T09:30:00.000Z"},
                                                            {"by", "wende-denhaag/t.meijer"},
                                                            {"code", "no_place"},
                                                            {"reason", "vol <tot> maandag"}}})}}})},
      {"thread_messages", json::array({"m-0", "m-1"})}};
  f.actions = ActionsFor(kinds::BuiltinKinds(), {.kind = "referral",
                                                 .states = {{"wende-denhaag", "declined"}},
                                                 .is_sender = true,
                                                 .org_kind = OrgKind::kCareCoordination,
                                                 .may_act = true});
  return f;
}

TEST(MessageHtml, ShowsTheHeaderPayloadThreadAndTimelineInWordsAndEscaped) {
  const std::string html = MessageHtml(Lang::kNl, SenderFacts(), Names(), "csrf-token");
  EXPECT_TRUE(Has(html, "SHOP &lt;Den Haag&gt; (handtekening gecontroleerd)"));
  EXPECT_TRUE(Has(html, "Toestemming"));
  EXPECT_TRUE(Has(html, "4 december 2026 09:00"));
  EXPECT_TRUE(Has(html, "&lt;script&gt;x&lt;/script&gt;"));
  EXPECT_FALSE(Has(html, "<script"));
  EXPECT_TRUE(Has(html, "<li data-state=\"declined\">"));
  EXPECT_TRUE(Has(html, "Geen plek"));
  EXPECT_TRUE(Has(html, "vol &lt;tot&gt; maandag"));
  EXPECT_TRUE(Has(html, "Wende (t.meijer)"));
  EXPECT_TRUE(Has(html, "href=\"/messages/m-0\""));
  EXPECT_TRUE(Has(html, "aria-current=\"page\""));
  EXPECT_TRUE(Has(html, "href=\"/compose/referral?follows=m-1\""));
  EXPECT_TRUE(Has(html, "id=\"action-recall\""));
  EXPECT_TRUE(Has(html, "action=\"/messages/m-1/recall\""));
}

TEST(MessageHtml, ShowsASecureMailsRecipientsByAddressWithThePortalsEvents) {
  MessageFacts f;
  f.message = {{"id", "m-3"}, {"kind", "securemail"}, {"from", "shop-denhaag"}};
  f.tracking = {
      {"recipients",
       json::array(
           {{{"email", "a@example.org"},
             {"state", "notified"},
             {"events",
              json::array({{{"event", "notified"}, {"time", "2026-12-03T08:00:00.000Z"}},
                           {{"event", "opened"}, {"time", "2026-12-03T10:00:00.000Z"}}})}}})}};
  const std::string html = MessageHtml(Lang::kNl, f, Names(), "t");
  EXPECT_TRUE(Has(html, "a@example.org: Gemaild"));
  EXPECT_TRUE(Has(html, "<li data-state=\"opened\">"));
  EXPECT_TRUE(Has(html, "3 december 2026 11:00</span> <strong>Geopend</strong>"));
}

TEST(MessageHtml, EveryFormCarriesItsCsrfTokenAndEveryFieldItsLabel) {
  MessageFacts f = SenderFacts();
  f.actions = ActionsFor(kinds::BuiltinKinds(), {.kind = "referral",
                                                 .state = "received",
                                                 .is_recipient = true,
                                                 .org_kind = OrgKind::kShelter,
                                                 .may_act = true});
  const std::string html = MessageHtml(Lang::kNl, f, Names(), "csrf-token");
  std::size_t forms = 0;
  for (auto at = html.find("<form"); at != std::string::npos; at = html.find("<form", at + 1)) {
    const std::string form = html.substr(at, html.find("</form>", at) - at);
    EXPECT_TRUE(Has(form, "name=\"csrf\" value=\"csrf-token\"")) << form;
    EXPECT_TRUE(Has(form, "method=\"post\""));
    ++forms;
  }
  EXPECT_EQ(forms, 3u);  // accepted, closed, declined
  const std::regex field("<(select|textarea|input)[^>]*\\bid=\"([^\"]+)\"");
  std::set<std::string> ids;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), field);
       it != std::sregex_iterator(); ++it) {
    ids.insert((*it)[2]);
    EXPECT_TRUE(Has(html, "<label for=\"" + (*it)[2].str() + "\">")) << (*it)[2];
  }
  EXPECT_TRUE(ids.contains("code-declined"));
  EXPECT_TRUE(ids.contains("reason-declined"));
  // The decline reasons by their labels, the codes as values.
  EXPECT_TRUE(Has(html, "<option value=\"no_place\">Geen plek</option>"));
  EXPECT_TRUE(Has(html, "<option value=\"other\">Anders</option>"));
  EXPECT_TRUE(Has(html, "name=\"state\" value=\"declined\""));
}

TEST(MessageHtml, SaysSoWhenThePayloadCannotBeOpenedAndOffersNothingToAnAuditor) {
  MessageFacts f;
  f.message = {{"id", "m-2"}, {"kind", "signal"}, {"from", "shop-denhaag"}, {"state", "received"}};
  f.payload_error = "error_unreadable";
  const std::string html = MessageHtml(Lang::kEn, f, Names(), "t");
  EXPECT_TRUE(Has(html, "id=\"payload-error\""));
  EXPECT_FALSE(Has(html, "(signature checked)"));
  EXPECT_FALSE(Has(html, "<form"));
  EXPECT_FALSE(Has(html, "id=\"actions\""));
}

TEST(AuditHtml, ListsEntriesNewestFirstInWordsAndLocalTime) {
  AuditView v;
  v.filter.actor = "j.devries\"><b>";
  v.entries = json::array({{{"seq", 1},
                            {"time", "2026-12-03T08:00:00.000Z"},
                            {"event", "submit"},
                            {"action", "C"},
                            {"user", "j.devries"},
                            {"organisation", "shop-denhaag"},
                            {"role", "coordinator"},
                            {"object", "m-1"},
                            {"authorisation_basis", "consent"},
                            {"outcome", "success"}},
                           {{"seq", 2},
                            {"time", "2026-12-03T09:00:00.000Z"},
                            {"event", "open"},
                            {"action", "R"},
                            {"outcome", "message_not_found"}}});
  const std::string html = AuditHtml(Lang::kNl, v, Names());
  EXPECT_LT(html.find("data-event=\"open\""), html.find("data-event=\"submit\""));
  EXPECT_TRUE(Has(html, "3 december 2026 09:00"));
  EXPECT_TRUE(Has(html, "Verzonden"));
  EXPECT_TRUE(Has(html, "Toestemming"));
  EXPECT_TRUE(Has(html, "gelukt"));
  EXPECT_TRUE(Has(html, "geweigerd (message_not_found)"));
  EXPECT_TRUE(Has(html, "SHOP &lt;Den Haag&gt;"));
  EXPECT_TRUE(Has(html, "value=\"j.devries&quot;&gt;&lt;b&gt;\""));
  for (const char* id : {"filter-subject_ref", "filter-actor", "filter-from", "filter-to"})
    EXPECT_TRUE(Has(html, std::string("<label for=\"") + id + "\">")) << id;
  AuditView failed;
  failed.error_key = "not_allowed";
  EXPECT_TRUE(Has(AuditHtml(Lang::kNl, failed, Names()), "id=\"audit-error\""));
}

TEST(PageNotices, ShowOnlyKnownNoticesAndMapEveryErrorToOne) {
  EXPECT_EQ(NoticeHtml(Lang::kNl, "<b>made up</b>"),
            "<div id=\"status\" aria-live=\"polite\"></div>");
  EXPECT_TRUE(Has(NoticeHtml(Lang::kNl, "status_saved"), "class=\"ok\""));
  EXPECT_TRUE(Has(NoticeHtml(Lang::kNl, "error_transition"), "class=\"error\""));
  for (const Error& e :
       {Conflict("invalid_transition", ""), Refused("reason_code_required", ""),
        Refused("reason_required", ""), Gone("message_recalled", ""),
        NotFound("message_not_found", ""), PermissionDenied("state_not_permitted", ""),
        Unavailable("gateway_unreachable", ""), Internal("http_error", ""),
        InvalidArgument("unknown_state", ""), Refused("not_a_recipient", "")}) {
    EXPECT_TRUE(IsKnownNotice(NoticeFor(e))) << e.code;
  }
  EXPECT_EQ(NoticeFor(Refused("reason_required", "")), "error_reason_required");
  EXPECT_EQ(NoticeFor(Gone("message_recalled", "")), "error_gone");
}

}  // namespace
}  // namespace ketenpoort::workspace
