// What the message kinds keep beside the messages (store migrations 5 and 13): the code-list
// versions each message used, the deadline notices (escalations and reminders, once per message and
// key, each with its mail's state and next attempt), and the rows reports and the reminder
// worker read.
//
//   // (compiled in examples_test.cpp)
//   KindRepository kinds(db);
//   KP_RETURN_IF_ERROR(kinds.SetCodeLists("m-1", R"({"exploitation":2})"));   // in Submit's tx
//   KP_ASSIGN_OR_RETURN(bool inserted, kinds.InsertNotice(notice));   // false: recorded before
//   KP_ASSIGN_OR_RETURN(auto mine, kinds.NoticesTo("shop-denhaag", 0, 100));
//
// Contract: the repository decides nothing; the reminder worker and the message service do.
// Notices never hold content: ids, states and times (core/deadline_rules.h). Writes that
// belong together run in the caller's transaction. Construct one per use; it is cheap.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/error.h"
#include "gateway/store/database.h"

namespace ketenpoort::store {

struct NoticeRecord {
  std::int64_t id = 0;
  std::string message_id{};
  std::string key{};
  std::string type{};  // "escalation", "reminder"
  std::string to_org{};
  std::string about_org{};
  std::string mail_org{};
  std::int64_t due_ms = 0;
  std::int64_t created_ms = 0;
  std::string reason{};
  std::string mail_state{};  // "none", "pending", "sent", "failed", "no_address", "not_configured"
  std::string mail_error{};
  std::int64_t mail_attempts = 0;              // failed attempts so far
  std::optional<std::int64_t> mail_next_ms{};  // when the mail is due; nullopt: nothing to send
};

// One message as reports see it: header facts, code-list versions and every state reached.
struct ReportRow {
  std::string id;
  std::string kind;
  std::string routing_json;
  std::string subject_ref;
  std::string codelists_json;  // "{}" for messages from before migration 5
  std::int64_t created_ms = 0;
  std::set<std::string> states;
};

class KindRepository {
 public:
  explicit KindRepository(Database& db) : db_(db) {}

  Status SetCodeLists(std::string_view message_id, std::string_view versions_json);
  // The JSON text recorded for the message; nullopt when none was.
  Result<std::optional<std::string>> CodeLists(std::string_view message_id);

  // Inserts the notice unless (message_id, key) exists; true when inserted (its id is set).
  Result<bool> InsertNotice(NoticeRecord& notice);
  // A final mail state ("sent", or "failed" once the mail expired): nothing left to send.
  Status SetMailState(std::int64_t notice_id, std::string_view state, std::string_view error);
  // A failed attempt to be tried again: state "failed", the error code, at `next_ms`.
  Status ScheduleMailRetry(std::int64_t notice_id, std::string_view error, std::int64_t attempts,
                           std::int64_t next_ms);
  // Notices whose mail is due at `now_ms` (mail_next_ms <= now), soonest first, at most `limit`.
  Result<std::vector<NoticeRecord>> MailsDue(std::int64_t now_ms, int limit);
  // Notices of one message, oldest first.
  Result<std::vector<NoticeRecord>> NoticesFor(std::string_view message_id);
  // Notices addressed to `org` with id > after, oldest first, at most `limit`.
  Result<std::vector<NoticeRecord>> NoticesTo(std::string_view org, std::int64_t after, int limit);

  // Ids of messages of `kinds` created at or after `since_ms`, not recalled, oldest first.
  Result<std::vector<std::string>> OpenMessages(const std::vector<std::string>& kinds,
                                                std::int64_t since_ms);
  // Messages created in [from_ms, to_ms), with every state any of their deliveries entered.
  Result<std::vector<ReportRow>> ReportRows(std::int64_t from_ms, std::int64_t to_ms);

 private:
  Database& db_;
};

}  // namespace ketenpoort::store
