// The pages of received and sent messages and of the audit trail, registered together:
//
//   GET  /inbox                          notices, received and sent messages (inbox_page.h)
//   GET  /messages/{id}                  one message, its case, tracking, actions (message_page.h)
//   POST /messages/{id}/status           form csrf, state, code?, reason?, recipient? -> 303 back
//   POST /messages/{id}/recall           form csrf -> 303 back
//   GET  /messages/{id}/attachments/{n}  file n of a secure-mail reply, decrypted in memory
//   GET  /audit                          the auditor's view of the trail (audit_page.h)
//
// Every page asks the gateway as the person logged in (GatewayLink, StaffPages::Begin), and
// every POST checks the session's CSRF token (StaffPages::CsrfOk) and the person's role before
// it asks the gateway to change anything; the gateway's answer comes back as ?notice=KEY
// (page_notices.h). Nothing decrypted is written anywhere: it lives in the request's memory.
#pragma once

#include <memory>

#include "gateway/api/router.h"
#include "gateway/workspace/staff_page.h"

namespace ketenpoort::workspace {

void RegisterMessagePages(api::Router& router, std::shared_ptr<const StaffPages> pages);

}  // namespace ketenpoort::workspace
