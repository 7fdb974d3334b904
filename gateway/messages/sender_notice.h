// What a message's sender is told about one delivery without asking: a recipient's answer
// (type "status"), a delivery the gateway gave up on (type "dead_letter"). Each is a notice
// (store/kind_repository.h) recorded in the transaction that made the change, shown in the
// sender's tracking and at GET /v1/notices, like the deadline rules' escalations and reminders.
//
//   // (compiled in examples_test.cpp)
//   store::NoticeRecord n = SenderNotice(message, "status", "wende-denhaag",
//                                        "declined (no_place)", now_ms, &directory);
//   n.to_org        // "shop-denhaag": the message's sender
//   n.key           // "status:wende-denhaag:declined (no_place):<now_ms>", unique per message
//   n.mail_state    // "pending" (mailed to the sender's contact by the reminder worker's next
//                   //  pass, deadlines/reminder_worker.h), or "no_address" without a contact
//
// A notice's reason names organisations, states, codes and times only, never content. Passing
// no directory records a notice without mail (mail state "none").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/directory.h"
#include "gateway/store/kind_repository.h"
#include "gateway/store/message_repository.h"

namespace ketenpoort::server {

store::NoticeRecord SenderNotice(const store::MessageRecord& message, std::string_view type,
                                 std::string_view about_org, std::string_view reason,
                                 std::int64_t now_ms, const Directory* mail_directory);

}  // namespace ketenpoort::server
