// A thread of the daemon's own that runs one pass of work every `interval`, or at once when
// someone who just created work calls Wake(); every background loop of the gateway is one
// (outbox, reminders, secure mail, witness, checkpoint signing, WAL checkpoints).
//
//   // (compiled in examples_test.cpp)
//   Worker outbox({.interval = std::chrono::seconds(1)}, [&](std::stop_token stop) {
//     for (const Item& item : DueItems()) {
//       if (stop.stop_requested())
//         return;                  // between items: Stop never waits for a whole batch
//       Send(item);
//     }
//   });
//   outbox.Start();
//   ...  CommitNewItem();  outbox.Wake();  // the pass starts now, not at the next interval
//   outbox.Stop();                         // asks the pass to stop, wakes the thread, joins
//
// Contract:
// - The pass runs on the worker's thread only, never twice at once. The first pass starts at
//   Start (or one interval later with `first_pass_at_start = false`); each next one `interval`
//   after the previous pass ended, or as soon as it ends when Wake() was called meanwhile, so a
//   wake-up is never lost and never queued more than once.
// - The pass gets a std::stop_token and checks it between items; Stop() requests stop, wakes a
//   waiting thread at once and joins, so it returns after the item in progress. Stop is
//   idempotent and safe without Start; the destructor stops.
// - Wake() and Stop() may be called from any thread except the worker's own (Stop from the
//   pass would join itself). A pass that throws ends the process (std::terminate), as any
//   thread does: passes return errors as values and log them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>

namespace ketenpoort::worker {

class Worker {
 public:
  using Pass = std::function<void(std::stop_token)>;
  struct Options {
    std::chrono::milliseconds interval{1000};
    bool first_pass_at_start = true;  // false: the first pass one interval after Start
  };

  Worker(Options options, Pass pass);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void Start();  // starts the thread; a second call does nothing
  void Wake();   // the next pass starts now, or right after the one running
  void Stop();   // requests stop, wakes, joins; idempotent

 private:
  void Loop(std::stop_token stop);

  Options options_;
  Pass pass_;
  std::mutex mu_;  // guards woken_
  std::condition_variable_any wake_;
  bool woken_ = false;
  std::mutex lifecycle_mu_;  // guards thread_ against concurrent Start/Stop
  std::jthread thread_;
};

}  // namespace ketenpoort::worker
