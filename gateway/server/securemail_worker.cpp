#include "gateway/server/securemail_worker.h"

namespace ketenpoort::server {

void SecureMailWorker::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      service_.RunDueWork();
      lock.lock();
      cv_.wait_for(lock, interval_, [this] { return stop_ || wake_; });
      wake_ = false;
    }
  });
}

void SecureMailWorker::Wake() {
  std::lock_guard lock(mu_);
  wake_ = true;
  cv_.notify_all();
}

void SecureMailWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable())
    thread_.join();
}

}  // namespace ketenpoort::server
