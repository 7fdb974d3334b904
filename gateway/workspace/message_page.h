// One message (/messages/{id}): its header in words, its payload decrypted and verified in
// memory and shown as label/value rows (message_view.h), its attachments, its place in the
// case (follows, thread), for the sender each recipient's timeline (tracking), and the forms
// of the actions the lifecycle allows this person (message_actions.h).
//
//   // (compiled in examples_test.cpp)
//   MessageFacts facts{.message = got, .rows = PayloadRows(lang, kinds, "referral", payload),
//                      .verified = true, .actions = ActionsFor(kinds, situation)};
//   std::string html = MessageHtml(Lang::kNl, facts, names, csrf);
//
// Contract of the markup: #header (a <dl>: kind, verified sender, recipients, own state, legal
// basis, deadline, urgency, sent, expires, all in words and Dutch local time), #payload (the
// rows) or #payload-error, #attachments (links to /messages/ID/attachments/N), #thread, for
// the sender #tracking (an <ol class="timeline"> per recipient: <li data-state=STATE>) and
// #actions: one POST form per state (id "action-STATE", to /messages/ID/status, fields csrf,
// state, and `code` (a <select> of the state's code list, by label) with `reason` (textarea)
// where the state is coded; `reason` alone otherwise; `recipient` (a <select>, "" for all)
// when the sender sets it), the recall form (id "action-recall", to /messages/ID/recall) and
// links to /compose/question|answer|referral?follows=ID. Every input has a <label>.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/api/html_page.h"
#include "gateway/api/router.h"
#include "gateway/workspace/inbox_page.h"
#include "gateway/workspace/message_actions.h"
#include "gateway/workspace/message_view.h"
#include "gateway/workspace/staff_page.h"

namespace ketenpoort::workspace {

struct MessageFacts {
  nlohmann::json message = nlohmann::json::object();  // GET /v1/messages/{id}
  std::vector<ViewRow> rows{};
  bool verified = false;        // decrypted, and signed by the directory's sender
  std::string payload_error{};  // a Text key when the payload could not be opened
  nlohmann::json attachments = nlohmann::json::array();  // the document's, when it has any
  nlohmann::json tracking = nullptr;                     // the sender's GET .../tracking
  std::string tracking_error{};                          // a Text key
  MessageActions actions{};
};

std::string MessageHtml(api::Lang lang, const MessageFacts& facts, const OrgNames& names,
                        const std::string& csrf);

// GET /messages/{id}, POST /messages/{id}/status, POST /messages/{id}/recall and
// GET /messages/{id}/attachments/{n}.
void RegisterMessagePage(api::Router& router, std::shared_ptr<const StaffPages> pages);

}  // namespace ketenpoort::workspace
