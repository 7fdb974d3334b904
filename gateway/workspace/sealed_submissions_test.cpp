// SealedSubmissions under concurrent posts: one form posted twice at once is sealed once and
// both posts get the same body; another form is sealed while the first is still sealing (the
// seal runs without the lock); a failed seal is not remembered.
#include "gateway/workspace/sealed_submissions.h"

#include <atomic>
#include <future>
#include <latch>
#include <thread>

#include <gtest/gtest.h>

namespace ketenpoort::workspace {
namespace {

crypto::Digest DigestOf(char c) {
  crypto::Digest d{};
  d.fill(static_cast<std::uint8_t>(c));
  return d;
}

TEST(SealedSubmissionsTest, OneFormPostedTwiceAtOnceIsSealedOnceAndOthersDoNotWait) {
  SealedSubmissions memory;
  std::atomic<int> seals{0};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::latch first_sealing(1);
  auto slow_seal = [&]() -> Result<nlohmann::json> {
    ++seals;
    first_sealing.count_down();
    released.wait();  // the first form's seal blocks until the other form is done
    return nlohmann::json{{"payload", "sealed-" + std::to_string(seals.load())}};
  };
  auto first = std::async(std::launch::async, [&] {
    return memory.BodyFor("shop-denhaag", "k1", DigestOf('a'), slow_seal);
  });
  first_sealing.wait();
  auto again = std::async(std::launch::async, [&] {
    return memory.BodyFor("shop-denhaag", "k1", DigestOf('a'), slow_seal);
  });
  // Another form, while the first is still sealing: not held up by it.
  auto other = memory.BodyFor("wende-denhaag", "k2", DigestOf('b'), [] {
    return Result<nlohmann::json>(nlohmann::json{{"payload", "x"}});
  });
  ASSERT_TRUE(other.ok());
  release.set_value();
  auto a = first.get();
  auto b = again.get();
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(seals.load(), 1);
}

TEST(SealedSubmissionsTest, AFailedSealIsNotRemembered) {
  SealedSubmissions memory;
  int calls = 0;
  auto failing = [&]() -> Result<nlohmann::json> {
    ++calls;
    return Unavailable("gateway_unreachable", "no gateway");
  };
  EXPECT_FALSE(memory.BodyFor("shop-denhaag", "k", DigestOf('a'), failing).ok());
  EXPECT_FALSE(memory.BodyFor("shop-denhaag", "k", DigestOf('a'), failing).ok());
  EXPECT_EQ(calls, 2);
  auto thrown = memory.BodyFor("shop-denhaag", "k", DigestOf('a'),
                               []() -> Result<nlohmann::json> { throw std::runtime_error("x"); });
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().code, "seal_failed");
}

}  // namespace
}  // namespace ketenpoort::workspace
