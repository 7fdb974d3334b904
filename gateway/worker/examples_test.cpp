// The examples at the top of gateway/worker's headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/worker/backoff.h"
#include "gateway/worker/worker.h"

namespace ketenpoort::delivery {
namespace {

constexpr std::int64_t kT0 = 1'780'000'000'000;

// gateway/worker/backoff.h
TEST(WorkerExamples, Backoff) {
  const std::int64_t first_attempt_ms = kT0;
  std::vector<std::string> done;
  auto MarkDeadLetter = [&](const std::string& id) { done.push_back("dead " + id); };
  auto Schedule = [&](const std::string& id, std::int64_t at) {
    done.push_back("retry " + id + " +" + std::to_string(at - first_attempt_ms));
  };
  auto run = [&](std::int64_t now_ms, const std::string& id) -> Status {
    BackoffPolicy policy;  // 1 s, x2, capped at 5 min, 24 h
    KP_RETURN_IF_ERROR(Validate(policy));
    RetryDecision d = NextAttempt(policy, /*failed_attempts=*/3, first_attempt_ms, now_ms,
                                  [] { return 0.999999; });  // SecureJitter(), at its top
    if (d.dead_letter)
      MarkDeadLetter(id);
    else
      Schedule(id, d.next_attempt_ms);
    return Ok();
  };
  ASSERT_TRUE(run(kT0, "m-1").ok());
  ASSERT_TRUE(run(kT0 + 24 * 3600 * 1000, "m-2").ok());
  // Attempt 3: d(3) = 1 s * 2^2 = 4 s; full jitter stays within 0 .. 4 s.
  EXPECT_EQ(done, (std::vector<std::string>{"retry m-1 +4000", "dead m-2"}));
  const double r = SecureJitter()();
  EXPECT_GE(r, 0.0);
  EXPECT_LT(r, 1.0);
}

}  // namespace
}  // namespace ketenpoort::delivery

namespace ketenpoort::worker {
namespace {

// gateway/worker/worker.h
TEST(WorkerExamples, Worker) {
  struct Item {
    int n;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Item> queue;  // committed, not yet sent
  std::vector<int> sent;
  auto DueItems = [&] {
    std::lock_guard lock(mu);
    return std::exchange(queue, {});
  };
  auto Send = [&](const Item& item) {
    std::lock_guard lock(mu);
    sent.push_back(item.n);
    cv.notify_all();
  };
  auto CommitNewItem = [&] {
    std::lock_guard lock(mu);
    queue.push_back({7});
  };

  // An hour, not the comment's second: only Wake() can make the item go out within the test.
  Worker outbox({.interval = std::chrono::hours(1)}, [&](std::stop_token stop) {
    for (const Item& item : DueItems()) {
      if (stop.stop_requested())
        return;  // between items: Stop never waits for a whole batch
      Send(item);
    }
  });
  outbox.Start();
  CommitNewItem();
  outbox.Wake();  // the pass starts now, not at the next interval
  {
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return !sent.empty(); }));
    EXPECT_EQ(sent, std::vector<int>{7});
  }
  outbox.Stop();  // asks the pass to stop, wakes the thread, joins
  outbox.Stop();  // idempotent
}

}  // namespace
}  // namespace ketenpoort::worker
