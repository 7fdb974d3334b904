#include "gateway/worker/worker.h"

#include <utility>

namespace ketenpoort::worker {

Worker::Worker(Options options, Pass pass) : options_(options), pass_(std::move(pass)) {}

Worker::~Worker() {
  Stop();
}

void Worker::Start() {
  std::lock_guard lock(lifecycle_mu_);
  if (thread_.joinable())
    return;
  thread_ = std::jthread([this](std::stop_token stop) { Loop(std::move(stop)); });
}

void Worker::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  wake_.notify_all();
}

void Worker::Stop() {
  std::lock_guard lock(lifecycle_mu_);
  if (!thread_.joinable())
    return;
  // request_stop wakes a wait_for that was given the token; the pass sees it between items.
  thread_.request_stop();
  thread_.join();
}

void Worker::Loop(std::stop_token stop) {
  bool run_now = options_.first_pass_at_start;
  while (true) {
    if (!run_now) {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, stop, options_.interval, [this] { return woken_; });
      woken_ = false;
    }
    run_now = false;
    if (stop.stop_requested())
      return;
    pass_(stop);
  }
}

}  // namespace ketenpoort::worker
