#include "gateway/store/guarded_database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <future>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include "gateway/store/test_support.h"

namespace ketenpoort::store {
namespace {

// Compile-time proof of the contract: nothing but Write and Read reaches the connection.
static_assert(!std::is_copy_constructible_v<GuardedDatabase>);
static_assert(!std::is_move_constructible_v<GuardedDatabase>);
static_assert(!std::is_copy_assignable_v<GuardedDatabase>);
static_assert(!std::is_convertible_v<GuardedDatabase&, Database&>);
static_assert(!std::is_convertible_v<GuardedDatabase*, Database*>);
static_assert(!std::is_base_of_v<Database, GuardedDatabase>);
// A requires-expression checks only inside a template; these take the type as a parameter.
template <typename G>
concept HasAccessor = requires(G& g) {
  g.operator->();
}
|| requires(G& g) {
  *g;
}
|| requires(G& g) {
  g.get();
}
|| requires(G& g) {
  g.db();
}
|| requires(G& g) {
  g.database();
}
|| requires(G& g) {
  g.connection();
}
|| requires(G& g) {
  g.db_;
}
|| requires(G& g) {
  g.mu_;
};
static_assert(!HasAccessor<GuardedDatabase>);
static_assert(HasAccessor<std::optional<Database>>);  // the check does see an accessor
template <typename G, typename Fn>
concept CanWrite = requires(G& g, Fn fn) {
  g.Write(fn);
};
template <typename G, typename Fn>
concept CanRead = requires(G& g, Fn fn) {
  g.Read(fn);
};

// ... and the connection cannot be carried out of a Write or Read.
using ReturnsRef = decltype([](Database& d) -> Database& { return d; });
using ReturnsPtr = decltype([](Database& d) { return &d; });
using ReturnsConstPtr = decltype([](Database& d) -> const Database* { return &d; });
using ReturnsWrapper = decltype([](Database& d) { return std::ref(d); });
using ReturnsStatement = decltype([](Database& d) { return std::move(*d.Prepare("SELECT 1")); });
using ReturnsLease = decltype([](Database& d) { return std::move(*d.PrepareCached("SELECT 1")); });
using ReturnsTransaction = decltype([](Database& d) { return std::move(*Transaction::Begin(d)); });
using ReturnsStatus = decltype([](Database& d) { return d.Exec("SELECT 1"); });
using ReturnsResult = decltype([](Database&) -> Result<int> { return 1; });
using ReturnsNothing = decltype([](Database&) {});
static_assert(!KeepsConnectionInside<ReturnsRef>);
static_assert(!KeepsConnectionInside<ReturnsPtr>);
static_assert(!KeepsConnectionInside<ReturnsConstPtr>);
static_assert(!KeepsConnectionInside<ReturnsWrapper>);
static_assert(!KeepsConnectionInside<ReturnsStatement>);
static_assert(!KeepsConnectionInside<ReturnsLease>);
static_assert(!KeepsConnectionInside<ReturnsTransaction>);
static_assert(KeepsConnectionInside<ReturnsStatus>);
static_assert(KeepsConnectionInside<ReturnsResult>);
static_assert(KeepsConnectionInside<ReturnsNothing>);
static_assert(!CanWrite<GuardedDatabase, ReturnsPtr>);
static_assert(!CanRead<GuardedDatabase, ReturnsRef>);
static_assert(CanWrite<GuardedDatabase, ReturnsStatus> && CanRead<GuardedDatabase, ReturnsResult>);
static_assert(
    std::is_same_v<decltype(std::declval<GuardedDatabase&>().Write(ReturnsStatus{})), Status>);

class GuardedDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_.File("kp.db"), DbKey::Generate(), OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_.emplace(std::move(*db));
  }
  test::TempDir dir_;
  std::optional<GuardedDatabase> db_;
};

TEST_F(GuardedDatabaseTest, WriteAndReadRunOnTheConnectionAndReturnWhatFnReturns) {
  Status created = db_->Write([](Database& d) {
    return d.Exec("CREATE TABLE t(v INTEGER); INSERT INTO t VALUES(41), (1)");
  });
  ASSERT_TRUE(created.ok()) << created.error().message;
  Result<std::int64_t> sum = db_->Read([](Database& d) -> Result<std::int64_t> {
    KP_ASSIGN_OR_RETURN(Statement s, d.Prepare("SELECT sum(v) FROM t"));
    KP_RETURN_IF_ERROR(s.Step());
    return s.ColumnInt64(0);
  });
  ASSERT_TRUE(sum.ok()) << sum.error().message;
  EXPECT_EQ(*sum, 42);
  Status bad = db_->Write([](Database& d) { return d.Exec("INSERT INTO missing VALUES(1)"); });
  EXPECT_FALSE(bad.ok());  // the error of fn comes back as it is
}

TEST_F(GuardedDatabaseTest, ASecondCallStartsOnlyAfterTheFirstReturned) {
  std::promise<void> first_inside, second_calling;
  std::atomic<bool> first_returned{false};
  std::atomic<bool> second_saw_first_returned{false};
  std::thread first([&] {
    db_->Write([&](Database&) {
      first_inside.set_value();
      // The second thread is now at, or blocked in, its own Write.
      second_calling.get_future().wait();
      for (int i = 0; i < 1000; ++i)
        std::this_thread::yield();  // give it every chance to run fn too early
      first_returned = true;
    });
  });
  first_inside.get_future().wait();
  std::thread second([&] {
    second_calling.set_value();
    db_->Read([&](Database&) { second_saw_first_returned = first_returned.load(); });
  });
  first.join();
  second.join();
  EXPECT_TRUE(second_saw_first_returned) << "the second fn ran while the first held the lock";
}

TEST_F(GuardedDatabaseTest, ReadersAndWritersFromManyThreadsNeverOverlap) {
  constexpr int kThreads = 4;
  constexpr int kCalls = 2000;
  std::atomic<int> inside{0};
  std::atomic<int> most_inside{0};
  int unguarded = 0;  // a plain int: only correct if every increment is under the lock
  auto body = [&](Database&) {
    const int now = ++inside;
    int seen = most_inside.load();
    while (now > seen && !most_inside.compare_exchange_weak(seen, now)) {
    }
    const int before = unguarded;
    std::this_thread::yield();
    unguarded = before + 1;
    --inside;
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        if ((t + i) % 2 == 0)
          db_->Write(body);
        else
          db_->Read(body);
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(most_inside.load(), 1);
  EXPECT_EQ(unguarded, kThreads * kCalls);
}

}  // namespace
}  // namespace ketenpoort::store
