#include "gateway/worker/worker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

namespace ketenpoort::worker {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

// Counts passes; a test waits on the count instead of sleeping.
struct Passes {
  std::mutex mu;
  std::condition_variable cv;
  int count = 0;
  void Add() {
    std::lock_guard lock(mu);
    ++count;
    cv.notify_all();
  }
  bool WaitFor(int n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, seconds(10), [&] { return count >= n; });
  }
};

TEST(WorkerTest, WakeRunsAPassAtOnceInsteadOfAfterTheInterval) {
  Passes passes;
  Worker w({.interval = hours(1), .first_pass_at_start = false},
           [&](std::stop_token) { passes.Add(); });
  w.Start();
  w.Wake();
  EXPECT_TRUE(passes.WaitFor(1));
  w.Wake();
  EXPECT_TRUE(passes.WaitFor(2));
  w.Stop();
}

TEST(WorkerTest, AWakeDuringAPassRunsAnotherPassRightAfterIt) {
  Passes passes;
  std::promise<void> in_first;
  std::promise<void> woken;
  std::shared_future<void> woken_f = woken.get_future().share();
  Worker w({.interval = hours(1)}, [&](std::stop_token) {
    if (passes.count == 0) {
      in_first.set_value();
      woken_f.wait();
    }
    passes.Add();
  });
  w.Start();
  in_first.get_future().wait();
  w.Wake();  // while the first pass runs
  woken.set_value();
  EXPECT_TRUE(passes.WaitFor(2));  // not an hour later
  w.Stop();
}

TEST(WorkerTest, StopIsSeenByThePassBetweenItemsAndJoins) {
  int done = 0;
  std::promise<void> in_item;
  Worker w({.interval = hours(1)}, [&](std::stop_token stop) {
    for (int item = 0; item < 3; ++item) {
      if (stop.stop_requested())
        return;
      if (item == 0) {
        // The first item lasts until Stop is asked for (an event, not a sleep).
        std::mutex mu;
        std::condition_variable_any cv;
        in_item.set_value();
        std::unique_lock lock(mu);
        cv.wait(lock, stop, [] { return false; });
      }
      ++done;
    }
  });
  w.Start();
  in_item.get_future().wait();
  auto stopped = std::async(std::launch::async, [&] { w.Stop(); });
  ASSERT_EQ(stopped.wait_for(seconds(10)), std::future_status::ready);
  EXPECT_EQ(done, 1);  // the item in progress finished; the two after it never started
}

TEST(WorkerTest, StopWakesAThreadWaitingOutItsInterval) {
  Passes passes;
  Worker w({.interval = hours(1)}, [&](std::stop_token) { passes.Add(); });
  w.Start();
  ASSERT_TRUE(passes.WaitFor(1));  // now waiting an hour for the next pass
  auto stopped = std::async(std::launch::async, [&] { w.Stop(); });
  EXPECT_EQ(stopped.wait_for(seconds(10)), std::future_status::ready);
  EXPECT_EQ(passes.count, 1);
}

TEST(WorkerTest, StopWithoutStartAndTwiceIsHarmless) {
  Worker w({.interval = hours(1)}, [](std::stop_token) {});
  w.Stop();
  w.Start();
  w.Stop();
  w.Stop();
}

}  // namespace
}  // namespace ketenpoort::worker
