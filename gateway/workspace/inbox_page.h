// The inbox (/inbox): the notices on top (escalations, B8 reminders, recipients' answers,
// dead letters: GET /v1/notices), then the received messages (GET /v1/inbox) and the sent ones
// (GET /v1/sent), newest first, each with its kind, state, deadline and urgency in words.
//
//   // (compiled in examples_test.cpp)
//   InboxLists lists{.received = inbox["messages"], .sent = sent["messages"],
//                    .notices = notices["notices"]};
//   std::string html = InboxHtml(Lang::kNl, lists, names, now_ms);
//
// Contract of the markup: sections #notices, #received and #sent; each message an <li
// class="message" id="msg-ID" data-state=STATE> with a link to /messages/ID. A message not yet
// opened (state "delivered") has the class "new" and the word "Nieuw"/"New"; one whose deadline
// has passed while it still waits for an answer (its state neither final nor one of the kind's
// answer states) has the class "overdue" and the words "Te laat"/"Overdue": a word beside the
// colour, never colour alone. Each notice is an <li class="notice-item" data-type=TYPE>. A list
// the gateway would not give shows a sentence instead (the `*_error` Text keys). The received
// and sent lists show one page each (kListPage, newest first, GET ...?order=newest), so the
// inbox costs the same with ten or ten thousand messages; a link (#received-older,
// #sent-older) leads to the next older page. Organisations appear by their directory names
// (`names`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/api/html_page.h"
#include "gateway/api/http_types.h"
#include "gateway/workspace/gateway_lists.h"
#include "gateway/workspace/staff_page.h"

namespace ketenpoort::workspace {

struct InboxLists {
  nlohmann::json received = nlohmann::json::array();  // inbox headers, any order
  nlohmann::json sent = nlohmann::json::array();      // sent-list headers, any order
  nlohmann::json notices = nlohmann::json::array();   // notices, any order
  // The link to the next older page of each list ("" when this page reached the oldest):
  // /inbox?received_before=CURSOR, /inbox?sent_before=CURSOR.
  std::string received_older{};
  std::string sent_older{};
  std::string received_error{};  // a Text key: the list could not be fetched
  std::string sent_error{};
  std::string notices_error{};
};

std::string InboxHtml(api::Lang lang, const InboxLists& lists, const OrgNames& names,
                      std::int64_t now_ms);

// Messages per page of the received and of the sent list.
inline constexpr int kListPage = 100;

// GET /inbox[?received_before=CURSOR][&sent_before=CURSOR]: fetches the lists as the logged-in
// person and renders them in the layout.
api::Response ServeInbox(const StaffPages& pages, api::Request& req);

}  // namespace ketenpoort::workspace
