// Deadlines and reminders while the gateway runs (docs/DESIGN.md, message kinds): every `interval`
// it asks the pure rule (core/deadline_rules.h) which notices are due for the open referrals and B8
// procedures, records each once (store/kind_repository.h: a notice the sender sees in tracking and
// the addressee at GET /v1/notices), audits it (event "reminder"), and e-mails it to the
// organisation's contact address when mail is configured. It also drops payloads past their kind's
// retention period (retention.h: event "purge"); headers and audit stay.
//
//   ReminderWorker::Config c{.db = &db, .directory = &dir,   // db: a store::GuardedDatabase
//                            .kinds = &kinds::BuiltinKinds(), .clock = audit::NowMs};
//   c.send_mail = [&smtp](const std::string& to, const std::string& subject,
//                         const std::string& text) { return smtp.Send({to, subject, text}); };
//   ReminderWorker worker(std::move(c));
//   worker.Start();                    // a thread of its own
//   auto pass = worker.RunOnce();      // or drive it directly (tests: with their own clock)
//   worker.Stop();                     // joins
//
// Contract:
// - The clock is injected: a test moves it and calls RunOnce, in milliseconds of real time.
// - A notice is recorded, audited and mailed at most once per (message, key), even across
//   restarts; mail is sent outside the database lock. A failed mail is kept as mail state
//   "failed" with the error code (never retried: the notice itself is in the API).
// - Mails and log lines name message ids, organisations, states and dates; never content,
//   a pseudonym or a person's name.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "gateway/core/deadline_rules.h"
#include "gateway/core/directory.h"
#include "gateway/core/error.h"
#include "gateway/core/kind_registry.h"
#include "gateway/store/guarded_database.h"

namespace ketenpoort::server {

class ReminderWorker {
 public:
  using SendMail = std::function<Status(const std::string& to, const std::string& subject,
                                        const std::string& text)>;
  struct Config {
    store::GuardedDatabase* db = nullptr;
    const Directory* directory = nullptr;
    const KindRegistry* kinds = nullptr;
    std::function<std::int64_t()> clock{};  // ms since the Unix epoch
    DeadlinePolicy policy{};
    std::chrono::milliseconds interval{60000};
    SendMail send_mail{};  // empty: mail not configured (notices are still recorded)
  };

  struct Pass {
    int notices = 0;  // recorded in this pass
    int mailed = 0;   // of which e-mailed successfully
    int purged = 0;   // payloads dropped for retention
  };

  explicit ReminderWorker(Config config);
  ~ReminderWorker();
  ReminderWorker(const ReminderWorker&) = delete;
  ReminderWorker& operator=(const ReminderWorker&) = delete;

  void Start();
  void Stop();  // idempotent

  Result<Pass> RunOnce();

 private:
  void Loop();

  Config config_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ketenpoort::server
