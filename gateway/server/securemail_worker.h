// The thread that sends secure-mail notifications, deadline warnings and marks expiry:
// SecureMailService::RunDueWork every `interval` (sooner after Wake). Mail goes out without
// the database lock (the service takes it only around its reads and writes).
//
//   SecureMailWorker worker(service, std::chrono::milliseconds(500));
//   worker.Start();  ...  worker.Wake();  ...  worker.Stop();   // joins; idempotent
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "gateway/server/securemail_service.h"

namespace ketenpoort::server {

class SecureMailWorker {
 public:
  SecureMailWorker(SecureMailService& service, std::chrono::milliseconds interval)
      : service_(service), interval_(interval) {}
  ~SecureMailWorker() { Stop(); }
  SecureMailWorker(const SecureMailWorker&) = delete;
  SecureMailWorker& operator=(const SecureMailWorker&) = delete;

  void Start();
  void Wake();
  void Stop();

 private:
  SecureMailService& service_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool wake_ = false;
  std::thread thread_;
};

}  // namespace ketenpoort::server
