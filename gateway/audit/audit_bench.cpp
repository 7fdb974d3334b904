// Audit trail costs against trail size (issue 4, item 6). Measures and prints; never fails.
//
//   cmake -S . -B build-bench -G Ninja -DKP_BENCH=ON -DCMAKE_BUILD_TYPE=Release
//   cmake --build build-bench --target kp_audit_bench && build-bench/gateway/audit/kp_audit_bench
//
// - BM_Append/N: one audit append on a trail already holding N entries: leaf hash, chain hash,
//   CompactRange::Append, and (the _Persist variant) serialising the frontier for the store.
//   The frontier for N is built by really appending N leaves, once.
// - BM_VerifyChain/N: VerifyChain over N in-memory entries (no database reads), entries/s.
// - BM_InclusionProof/N, BM_ConsistencyProof/N: proof time and size over N leaf hashes in
//   memory, reading leaves only (today's NodeSource) and with stored perfect-subtree hashes.
// - BM_VerifyInclusion/N, BM_VerifyConsistency/N: checking those proofs.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "gateway/audit/audit_entry.h"
#include "gateway/audit/chain_verifier.h"
#include "gateway/audit/compact_range.h"
#include "gateway/audit/merkle_tree.h"

namespace ketenpoort::audit {
namespace {

using crypto::Digest;

AuditEntry Entry(std::int64_t seq) {
  AuditEntry e;
  e.seq = seq;
  e.time_ms = 1795326001123 + seq;
  e.event = std::string(event::kOpen);
  e.subject_ref = "3f9c0b7e2a51d4c8";
  e.user = "j.jansen";
  e.organisation = "wijkteam-west";
  e.role = "recipient";
  e.action = std::string(action::kRead);
  e.object = "msg-01HXZ3KQ8V9R2M4T6W" + std::to_string(seq % 1000);
  e.authorisation_basis = "youth_act";
  e.outcome = std::string(kOutcomeSuccess);
  e.source_address = "192.0.2.7";
  return e;
}

Digest SyntheticLeaf(std::uint64_t i) {
  std::uint8_t bytes[8];
  for (int k = 0; k < 8; ++k)
    bytes[k] = static_cast<std::uint8_t>(i >> (8 * k));
  return HashLeaf(ByteView(bytes));
}

// Leaf hashes 0..n-1, grown on demand and shared by the benchmarks.
// Reserved up front: sources hold spans into it, which must survive its growth.
constexpr std::size_t kMaxLeaves = 10'000'000;
const std::vector<Digest>& LeafHashes(std::size_t n) {
  static std::vector<Digest> leaves = [] {
    std::vector<Digest> v;
    v.reserve(kMaxLeaves);
    return v;
  }();
  if (n > kMaxLeaves)
    std::abort();
  while (leaves.size() < n)
    leaves.push_back(SyntheticLeaf(leaves.size()));
  return leaves;
}

CompactRange RangeOfSize(std::uint64_t n) {
  static std::map<std::uint64_t, CompactRange> cache;
  auto it = cache.find(n);
  if (it != cache.end())
    return it->second;
  CompactRange range;
  for (std::uint64_t i = 0; i < n; ++i)
    range.Append(SyntheticLeaf(i));
  cache.emplace(n, range);
  return range;
}

void Append(benchmark::State& state, bool persist) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  CompactRange range = RangeOfSize(n);
  Digest chain = SyntheticLeaf(n);  // stands in for the chain hash of entry n
  AuditEntry entry = Entry(static_cast<std::int64_t>(n) + 1);
  std::size_t frontier_bytes = 0;
  for (auto _ : state) {
    const Digest leaf = LeafHash(entry);
    chain = ChainHashOfLeaf(chain, leaf);
    range.Append(leaf);
    if (persist) {
      Bytes saved = range.Serialize();
      frontier_bytes = saved.size();
      benchmark::DoNotOptimize(saved.data());
    }
    benchmark::DoNotOptimize(chain);
    ++entry.seq;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["start_size"] = static_cast<double>(n);
  if (persist)
    state.counters["frontier_bytes"] = static_cast<double>(frontier_bytes);
}

void BM_Append(benchmark::State& state) {
  Append(state, false);
}
void BM_Append_Persist(benchmark::State& state) {
  Append(state, true);
}
BENCHMARK(BM_Append)->Arg(0)->Arg(1'000'000)->Arg(10'000'000);
BENCHMARK(BM_Append_Persist)->Arg(0)->Arg(1'000'000)->Arg(10'000'000);

const std::vector<StoredEntry>& Trail(std::size_t n) {
  static std::vector<StoredEntry> trail;
  Digest chain = trail.empty() ? kGenesisChainHash : trail.back().chain_hash;
  while (trail.size() < n) {
    AuditEntry e = Entry(static_cast<std::int64_t>(trail.size()) + 1);
    chain = ChainHash(chain, e);
    trail.push_back({std::move(e), chain});
  }
  return trail;
}

void BM_VerifyChain(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto& trail = Trail(n);
  for (auto _ : state) {
    std::size_t i = 0;
    EntrySource next = [&]() -> Result<std::optional<StoredEntry>> {
      if (i == n)
        return std::optional<StoredEntry>();
      return std::optional<StoredEntry>(trail[i++]);
    };
    auto report = VerifyChain(next, {});
    if (!report.ok() || !report->ok || report->entries != n)
      state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(report);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_VerifyChain)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

// A source that keeps every perfect-subtree hash, as a store could (2n hashes in all).
class StoredNodes : public NodeSource {
 public:
  explicit StoredNodes(std::span<const Digest> leaves) : leaves_(leaves) {
    std::vector<Digest> level(leaves.begin(), leaves.end());
    while (level.size() >= 2) {
      std::vector<Digest> up;
      for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
        up.push_back(HashChildren(level[i], level[i + 1]));
      }
      levels_.push_back(std::move(up));
      level = levels_.back();
    }
  }
  Status ReadLeaves(std::uint64_t begin, std::uint64_t end,
                    const std::function<void(const Digest&)>& sink) override {
    for (std::uint64_t i = begin; i < end; ++i)
      sink(leaves_[i]);
    return Ok();
  }
  Result<Digest> PerfectSubtree(unsigned level, std::uint64_t index) override {
    if (level == 0)
      return leaves_[index];
    return levels_[level - 1][index];
  }

 private:
  std::span<const Digest> leaves_;
  std::vector<std::vector<Digest>> levels_;
};

NodeSource& Source(std::size_t n, bool stored_nodes) {
  static std::map<std::pair<std::size_t, bool>, std::unique_ptr<NodeSource>> sources;
  auto& slot = sources[{n, stored_nodes}];
  if (!slot) {
    auto leaves = std::span<const Digest>(LeafHashes(n)).first(n);
    if (stored_nodes) {
      slot = std::make_unique<StoredNodes>(leaves);
    } else {
      slot = std::make_unique<SpanNodeSource>(leaves);
    }
  }
  return *slot;
}

void InclusionProofBench(benchmark::State& state, bool stored_nodes) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  NodeSource& source = Source(n, stored_nodes);
  std::uint64_t index = n / 3;
  std::size_t proof_hashes = 0;
  for (auto _ : state) {
    auto proof = InclusionProof(source, n, index);
    proof_hashes = proof->size();
    benchmark::DoNotOptimize(proof);
    index = (index + 7919) % n;
  }
  state.counters["proof_bytes"] = static_cast<double>(proof_hashes * 32);
}
void BM_InclusionProof_LeavesOnly(benchmark::State& state) {
  InclusionProofBench(state, false);
}
void BM_InclusionProof_StoredNodes(benchmark::State& state) {
  InclusionProofBench(state, true);
}
BENCHMARK(BM_InclusionProof_LeavesOnly)
    ->RangeMultiplier(10)
    ->Range(1'000, 10'000'000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InclusionProof_StoredNodes)
    ->RangeMultiplier(10)
    ->Range(1'000, 10'000'000)
    ->Unit(benchmark::kMicrosecond);

void ConsistencyProofBench(benchmark::State& state, bool stored_nodes) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  NodeSource& source = Source(n, stored_nodes);
  const std::uint64_t old_size = n * 2 / 3 + 1;
  std::size_t proof_hashes = 0;
  for (auto _ : state) {
    auto proof = ConsistencyProof(source, old_size, n);
    proof_hashes = proof->size();
    benchmark::DoNotOptimize(proof);
  }
  state.counters["proof_bytes"] = static_cast<double>(proof_hashes * 32);
}
void BM_ConsistencyProof_LeavesOnly(benchmark::State& state) {
  ConsistencyProofBench(state, false);
}
void BM_ConsistencyProof_StoredNodes(benchmark::State& state) {
  ConsistencyProofBench(state, true);
}
BENCHMARK(BM_ConsistencyProof_LeavesOnly)
    ->RangeMultiplier(10)
    ->Range(1'000, 10'000'000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ConsistencyProof_StoredNodes)
    ->RangeMultiplier(10)
    ->Range(1'000, 10'000'000)
    ->Unit(benchmark::kMicrosecond);

void BM_VerifyInclusion(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  NodeSource& source = Source(n, true);
  const std::uint64_t index = n / 3;
  const auto proof = *InclusionProof(source, n, index);
  const Digest root = *RootHash(source, n);
  const Digest leaf = LeafHashes(n)[index];
  for (auto _ : state) {
    bool ok = VerifyInclusion(index, n, leaf, proof, root);
    if (!ok)
      state.SkipWithError("proof rejected");
    benchmark::DoNotOptimize(ok);
  }
  state.counters["proof_bytes"] = static_cast<double>(proof.size() * 32);
}
BENCHMARK(BM_VerifyInclusion)->RangeMultiplier(10)->Range(1'000, 10'000'000);

void BM_VerifyConsistency(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  NodeSource& source = Source(n, true);
  const std::uint64_t old_size = n * 2 / 3 + 1;
  const auto proof = *ConsistencyProof(source, old_size, n);
  const Digest old_root = *RootHash(source, old_size);
  const Digest new_root = *RootHash(source, n);
  for (auto _ : state) {
    bool ok = VerifyConsistency(old_size, n, old_root, new_root, proof);
    if (!ok)
      state.SkipWithError("proof rejected");
    benchmark::DoNotOptimize(ok);
  }
  state.counters["proof_bytes"] = static_cast<double>(proof.size() * 32);
}
BENCHMARK(BM_VerifyConsistency)->RangeMultiplier(10)->Range(1'000, 10'000'000);

}  // namespace
}  // namespace ketenpoort::audit

BENCHMARK_MAIN();
