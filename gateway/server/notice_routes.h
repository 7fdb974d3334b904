// Deadline notices over HTTP: what the reminder worker (reminder_worker.h) told an
// organisation — an escalation of an urgent referral it sent, or a B8 reflection-period
// reminder.
//
//   GET /v1/notices?after=ID&limit=N     sender or recipient (coordinator too)
//   200 {"notices": [{"id", "message_id", "type", "about", "due", "time", "reason", "mail"}],
//        "next": "ID"}
//
// Only the caller's organisation's notices; `after` and `limit` (1-500, default 100) page.
// Reading notices is not audited separately: each notice was audited when it was made, and
// the notice holds ids, states and dates only.
#pragma once

#include "gateway/api/router.h"
#include "gateway/store/guarded_database.h"

namespace ketenpoort::server {

void RegisterNoticeRoutes(api::Router& router, store::GuardedDatabase& db);

}  // namespace ketenpoort::server
