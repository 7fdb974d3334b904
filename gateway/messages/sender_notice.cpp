#include "gateway/messages/sender_notice.h"

namespace ketenpoort::server {

store::NoticeRecord SenderNotice(const store::MessageRecord& message, std::string_view type,
                                 std::string_view about_org, std::string_view reason,
                                 std::int64_t now_ms, const Directory* mail_directory) {
  store::NoticeRecord n;
  n.message_id = message.id;
  n.type = std::string(type);
  n.key = n.type + ":" + std::string(about_org) + ":" + std::string(reason) + ":" +
          std::to_string(now_ms);
  n.to_org = message.sender_org;
  n.about_org = std::string(about_org);
  n.due_ms = now_ms;
  n.created_ms = now_ms;
  n.reason = std::string(reason);
  if (mail_directory == nullptr) {
    n.mail_state = "none";
    return n;
  }
  n.mail_org = message.sender_org;
  const Organisation* sender = mail_directory->Find(message.sender_org);
  if (sender == nullptr || sender->contact_email.empty()) {
    n.mail_state = "no_address";
    return n;
  }
  n.mail_state = "pending";
  n.mail_next_ms = now_ms;  // the reminder worker sends it, after this commit
  return n;
}

}  // namespace ketenpoort::server
