// Deadlines and reminders while the gateway runs (docs/DESIGN.md, message kinds): every `interval`
// it asks each kind's configured deadline rule (core/deadline_rules.h, from the kind's folder)
// which notices are due for that kind's open messages, records each once (store/kind_repository.h:
// a notice the sender sees in tracking and the addressee at GET /v1/notices), audits it (event
// "reminder"), and e-mails it to the organisation's contact address when mail is configured. It
// also drops payloads past their kind's retention period (retention.h: event "purge"); headers and
// audit stay.
//
//   // (compiled in examples_test.cpp)
//   ReminderWorker::Config c{.db = &db, .directory = &dir,   // dir: a LiveDirectory
//                            .kinds = &kinds::BuiltinKinds(), .clock = audit::NowMs};
//   c.deadlines = *c.kinds->ConfigureDeadlines(config.kinds);  // gateway.json `kinds`
//   c.send_mail = [&smtp](const std::string& to, const std::string& subject,
//                         const std::string& text) { return smtp.Send({to, subject, text}); };
//   ReminderWorker worker(std::move(c));
//   worker.Start();                    // a thread of its own (worker/worker.h)
//   auto pass = worker.RunOnce();      // or drive it directly (tests: with their own clock)
//   worker.Stop();                     // returns after the item in progress, joins
//
// Contract:
// - The clock is injected: a test moves it and calls RunOnce, in milliseconds of real time.
// - A notice is recorded and audited at most once per (message, key), even across restarts.
// - Only notices for organisations this gateway serves are recorded: in a case across two
//   gateways each makes its own organisations' notices (escalations for the sender on the
//   sender's gateway, reminders for a recipient on the recipient's), never both.
// - Its mail is durable: the notice is committed with mail state "pending" and a due time first,
//   and every pass sends the mails that are due, outside the database lock. A mail that fails
//   becomes "failed" with the error code and is tried again after a backoff (`mail_retry`, from
//   worker/backoff.h, counted from the notice's creation) until it is "sent" or
//   `mail_retry.max_age` has passed; then it stays "failed" (error "mail_expired" when it
//   expired before an attempt, e.g. while the gateway was down). A crash between the commit and
//   the mail leaves it due, so the next start sends it; a crash between the relay's acceptance
//   and recording "sent" sends it again (at least once, never lost).
// - The thread checks for stop between messages and between mails.
// - Mails and log lines name message ids, organisations, states and dates; never content,
//   a pseudonym or a person's name.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>

#include "gateway/core/deadline_rules.h"
#include "gateway/core/error.h"
#include "gateway/core/kind_registry.h"
#include "gateway/messages/live_directory.h"
#include "gateway/store/guarded_database.h"
#include "gateway/worker/backoff.h"
#include "gateway/worker/worker.h"

namespace ketenpoort::server {

class ReminderWorker {
 public:
  using SendMail = std::function<Status(const std::string& to, const std::string& subject,
                                        const std::string& text)>;
  struct Config {
    store::GuardedDatabase* db = nullptr;
    const LiveDirectory* directory = nullptr;  // contacts and recipients' kinds; per pass
    const KindRegistry* kinds = nullptr;
    std::function<std::int64_t()> clock{};  // ms since the Unix epoch
    KindDeadlines deadlines{};              // the configured rules of the kinds that have one
    std::chrono::milliseconds interval{60000};
    SendMail send_mail{};  // empty: mail not configured (notices are still recorded)
    // Retries of a failed mail; max_age is the mail's expiry. Equal jitter: never at once.
    delivery::BackoffPolicy mail_retry{.base = std::chrono::seconds(30),
                                       .factor = 2.0,
                                       .cap = std::chrono::minutes(30),
                                       .jitter = delivery::Jitter::kEqual,
                                       .max_age = std::chrono::hours(24)};
    delivery::JitterSource jitter{};  // empty: delivery::SecureJitter()
  };

  struct Pass {
    int notices = 0;  // recorded in this pass
    int mailed = 0;   // mails sent successfully (this pass's notices and earlier ones)
    int purged = 0;   // payloads dropped for retention
  };

  explicit ReminderWorker(Config config);
  ~ReminderWorker();
  ReminderWorker(const ReminderWorker&) = delete;
  ReminderWorker& operator=(const ReminderWorker&) = delete;

  void Start();
  void Stop();  // idempotent
  // Makes the thread run a pass now: a notice with a mail due was recorded elsewhere (a
  // recipient's answer, a dead letter: messages/sender_notice.h).
  void Wake();

  // One pass on the caller's thread: records due notices, purges, then sends the due mails.
  Result<Pass> RunOnce(std::stop_token stop = {});

 private:
  // Sends the mails due at `now` (pending, or failed and due again); the number sent.
  Result<int> SendDueMails(std::int64_t now, const std::stop_token& stop);

  Config config_;
  worker::Worker worker_;
};

}  // namespace ketenpoort::server
