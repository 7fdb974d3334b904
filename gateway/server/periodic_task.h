// Runs a function on a thread of its own every `interval` until stopped; for the daemon's
// housekeeping (retention purges). The first run is one interval after Start.
//
//   PeriodicTask purge(std::chrono::hours(1), [&] { PurgeNow(); });
//   purge.Start();
//   ...
//   purge.Stop();   // wakes the thread at once, waits for a run in progress, joins
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace ketenpoort::server {

class PeriodicTask {
 public:
  PeriodicTask(std::chrono::milliseconds interval, std::function<void()> run)
      : interval_(interval), run_(std::move(run)) {}
  ~PeriodicTask() { Stop(); }
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void Start() {
    thread_ = std::thread([this] {
      std::unique_lock lock(mu_);
      while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
        lock.unlock();
        run_();
        lock.lock();
      }
    });
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_ || !thread_.joinable())
        return;
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  std::chrono::milliseconds interval_;
  std::function<void()> run_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ketenpoort::server
