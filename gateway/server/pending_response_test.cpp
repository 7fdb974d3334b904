#include "gateway/server/pending_response.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace ketenpoort::server {
namespace {

TEST(PendingResponseTest, ACompletionBeforeTheServerAsksIsDeliveredWhenItAsks) {
  auto pending = PendingResponse::Create();
  api::Response later = pending->Later();
  ASSERT_TRUE(later.deferred);
  pending->Complete(api::Response::Json(202, {{"id", "m-1"}}));
  api::Response r = api::Response::Wait(std::move(later));
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, R"({"id":"m-1"})");
}

TEST(PendingResponseTest, ACompletionAfterTheServerAskedIsDeliveredFromTheCompletingThread) {
  auto pending = PendingResponse::Create();
  api::Response later = pending->Later();
  std::promise<std::thread::id> delivered_on;
  std::promise<api::Response> delivered;
  later.deferred([&](api::Response r) {
    delivered_on.set_value(std::this_thread::get_id());
    delivered.set_value(std::move(r));
  });
  std::thread::id completer;
  std::thread t([&] {
    completer = std::this_thread::get_id();
    pending->Complete(api::Response::Json(409, {{"error", "x"}}));
  });
  t.join();
  EXPECT_EQ(delivered.get_future().get().status, 409);
  EXPECT_EQ(delivered_on.get_future().get(), completer);
}

TEST(PendingResponseTest, TheResponseOutlivesTheHandlersReference) {
  api::Response later;
  std::weak_ptr<PendingResponse> weak;
  {
    auto pending = PendingResponse::Create();
    weak = pending;
    later = pending->Later();
  }
  ASSERT_FALSE(weak.expired());  // the deferred response keeps it alive
  weak.lock()->Complete(api::Response::Json(202, {}));
  EXPECT_EQ(api::Response::Wait(std::move(later)).status, 202);
}

}  // namespace
}  // namespace ketenpoort::server
