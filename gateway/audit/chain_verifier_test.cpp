#include "gateway/audit/chain_verifier.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "gateway/audit/compact_range.h"
#include "gateway/audit/merkle_tree.h"

namespace ketenpoort::audit {
namespace {

using crypto::Digest;

constexpr int kTrailSize = 20;

AuditEntry Entry(std::int64_t seq) {
  static constexpr std::string_view kEvents[] = {event::kSubmit, event::kDeliver, event::kFetch,
                                                 event::kOpen, event::kDownload};
  AuditEntry e;
  e.seq = seq;
  e.time_ms = 1795326001123 + seq * 1000;
  e.event = std::string(kEvents[seq % 5]);
  e.subject_ref = "subject-" + std::to_string(seq % 3);
  e.user = "user-" + std::to_string(seq % 4);
  e.organisation = "org-" + std::to_string(seq % 2);
  e.role = "recipient";
  e.action = std::string(action::kRead);
  e.object = "msg-" + std::to_string(seq);
  e.authorisation_basis = "youth_act";
  e.outcome = std::string(kOutcomeSuccess);
  e.source_address = "192.0.2.1";
  return e;
}

// Recomputes every chain hash, as the gateway (or an attacker who knows the algorithm) would.
void Rechain(std::vector<StoredEntry>& trail) {
  Digest chain = kGenesisChainHash;
  for (auto& stored : trail) {
    chain = ChainHash(chain, stored.entry);
    stored.chain_hash = chain;
  }
}

std::vector<StoredEntry> Trail(int n = kTrailSize) {
  std::vector<StoredEntry> trail;
  for (int i = 1; i <= n; ++i)
    trail.push_back({Entry(i), {}});
  Rechain(trail);
  return trail;
}

// The tree head the gateway would have signed after the first `size` entries.
TreeHead HeadAt(const std::vector<StoredEntry>& trail, std::uint64_t size) {
  CompactRange range;
  for (std::uint64_t i = 0; i < size; ++i)
    range.Append(LeafHash(trail[i].entry));
  return TreeHead{size, range.Root(), 1795326001123 + static_cast<std::int64_t>(size), {1}};
}

EntrySource Source(const std::vector<StoredEntry>& trail) {
  return [&trail, i = std::size_t{0}]() mutable -> Result<std::optional<StoredEntry>> {
    if (i == trail.size())
      return std::optional<StoredEntry>();
    return std::optional<StoredEntry>(trail[i++]);
  };
}

VerifyReport Verify(const std::vector<StoredEntry>& trail, std::vector<TreeHead> heads = {}) {
  auto report = VerifyChain(Source(trail), heads);
  EXPECT_TRUE(report.ok());
  return report.ok() ? *report : VerifyReport{};
}

void Renumber(std::vector<StoredEntry>& trail) {
  for (std::size_t i = 0; i < trail.size(); ++i)
    trail[i].entry.seq = static_cast<std::int64_t>(i + 1);
}

TEST(ChainVerifierTest, CleanTrailPasses) {
  const auto trail = Trail();
  const auto original = Trail();
  const auto report =
      Verify(trail, {HeadAt(original, 20), HeadAt(original, 0), HeadAt(original, 7)});
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.entries, 20u);
  EXPECT_EQ(report.head, trail.back().chain_hash);
  std::vector<Digest> leaves;
  for (const auto& s : trail)
    leaves.push_back(LeafHash(s.entry));
  EXPECT_EQ(report.root, RootHash(leaves));
  EXPECT_EQ(report.signed_size, 20u);
  EXPECT_EQ(report.finding, Finding::kNone);
  EXPECT_FALSE(report.first_bad_seq.has_value());
  EXPECT_TRUE(report.problem.empty());
}

TEST(ChainVerifierTest, EmptyTrailPasses) {
  const std::vector<StoredEntry> empty;
  auto report = Verify(empty);
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.entries, 0u);
  EXPECT_EQ(report.head, kGenesisChainHash);
  EXPECT_EQ(report.root, EmptyRoot());
  EXPECT_TRUE(Verify(empty, {HeadAt(empty, 0)}).ok);
}

TEST(ChainVerifierTest, CatchesEveryChangedField) {
  const auto original = Trail();
  for (int field = 0; field < 14; ++field) {
    auto trail = original;
    AuditEntry& e = trail[7].entry;  // entry 8
    switch (field) {
      case 0:
        e.time_ms += 1;
        break;
      case 1:
        e.event = "purge";
        break;
      case 2:
        e.subject_ref = "someone-else";
        break;
      case 3:
        e.user = "mallory";
        break;
      case 4:
        e.responsible_user = "mallory";
        break;
      case 5:
        e.organisation = "org-x";
        break;
      case 6:
        e.role = "auditor";
        break;
      case 7:
        e.action = "D";
        break;
      case 8:
        e.object = "msg-999";
        break;
      case 9:
        e.authorisation_basis = "consent";
        break;
      case 10:
        e.break_glass = true;
        break;
      case 11:
        e.outcome = "permission_denied";
        break;
      case 12:
        e.source_address = "198.51.100.1";
        break;
      case 13:
        trail[7].chain_hash[0] ^= 1;
        break;  // the stored hash itself
    }
    SCOPED_TRACE(field);
    const auto report = Verify(trail, {HeadAt(original, 20)});
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.finding, Finding::kChanged);
    EXPECT_EQ(report.first_bad_seq, 8u);
    EXPECT_EQ(report.problem, "entry 8: content changed (it no longer matches its chain hash)");
    EXPECT_EQ(report.entries, 7u);
    EXPECT_EQ(report.head, original[6].chain_hash);
  }
}

TEST(ChainVerifierTest, CatchesADeletedEntry) {
  auto trail = Trail();
  trail.erase(trail.begin() + 7);  // entry 8 gone; 7 is followed by 9
  const auto report = Verify(trail);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.finding, Finding::kDeleted);
  EXPECT_EQ(report.first_bad_seq, 8u);
  EXPECT_EQ(report.problem, "entry 8: missing");

  auto two = Trail();
  two.erase(two.begin() + 7, two.begin() + 9);
  EXPECT_EQ(Verify(two).problem, "entries 8 to 9: missing");

  auto first = Trail();
  first.erase(first.begin());
  EXPECT_EQ(Verify(first).first_bad_seq, 1u);
}

TEST(ChainVerifierTest, CatchesADeletedEntryWhenLaterEntriesWereRenumbered) {
  auto trail = Trail();
  trail.erase(trail.begin() + 7);
  Renumber(trail);
  const auto report = Verify(trail);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.finding, Finding::kDeleted);
  EXPECT_EQ(report.first_bad_seq, 8u);
  EXPECT_EQ(report.problem, "entry 8: deleted (the later entries were renumbered)");
}

TEST(ChainVerifierTest, CatchesAnInsertedEntry) {
  const auto original = Trail();
  AuditEntry forged = Entry(8);
  forged.user = "mallory";

  // Renumbered behind it, with a made-up chain hash.
  auto trail = original;
  trail.insert(trail.begin() + 7, StoredEntry{forged, {}});
  Renumber(trail);
  auto report = Verify(trail);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.finding, Finding::kInserted);
  EXPECT_EQ(report.first_bad_seq, 8u);
  EXPECT_EQ(report.problem, "entry 8: inserted (the former entry 8 follows it, renumbered)");

  // With a correctly computed chain hash of its own: caught at the entry after it.
  trail = original;
  trail.insert(trail.begin() + 7, StoredEntry{forged, ChainHash(original[6].chain_hash, forged)});
  Renumber(trail);
  report = Verify(trail);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.finding, Finding::kInserted);
  EXPECT_EQ(report.first_bad_seq, 8u);

  // As a second row with an existing seq.
  trail = original;
  trail.insert(trail.begin() + 8, StoredEntry{forged, {}});
  report = Verify(trail);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.finding, Finding::kInserted);
  EXPECT_EQ(report.first_bad_seq, 8u);
  EXPECT_EQ(report.problem, "entry 8: stored twice (the second copy was inserted)");

  // ... sorted before the genuine one.
  trail = original;
  trail.insert(trail.begin() + 7, StoredEntry{forged, {}});
  report = Verify(trail);
  EXPECT_EQ(report.finding, Finding::kInserted);
  EXPECT_EQ(report.first_bad_seq, 8u);
  EXPECT_EQ(report.problem, "entry 8: stored twice (the first copy was inserted)");

  // Appended at the end with a made-up chain hash.
  trail = original;
  AuditEntry extra = Entry(21);
  trail.push_back(StoredEntry{extra, {}});
  report = Verify(trail);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 21u);
}

TEST(ChainVerifierTest, CatchesAReorderedPair) {
  // Entries 8 and 9 swap places: their rows trade seq numbers.
  auto trail = Trail();
  std::swap(trail[7], trail[8]);
  Renumber(trail);
  auto report = Verify(trail);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.finding, Finding::kReordered);
  EXPECT_EQ(report.first_bad_seq, 8u);
  EXPECT_EQ(report.problem, "entries 8 and 9: swapped places");

  // Rows delivered out of seq order.
  trail = Trail();
  std::swap(trail[7], trail[8]);
  report = Verify(trail);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.finding, Finding::kReordered);
  EXPECT_EQ(report.first_bad_seq, 8u);
  EXPECT_EQ(report.problem, "entry 8: found after entry 9 (entries out of order)");
}

TEST(ChainVerifierTest, CatchesACutTailAgainstASignedHead) {
  const auto original = Trail();
  auto trail = original;
  trail.resize(17);
  const auto report = Verify(trail, {HeadAt(original, 12), HeadAt(original, 20)});
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.finding, Finding::kTailCut);
  EXPECT_EQ(report.first_bad_seq, 18u);
  EXPECT_EQ(report.entries, 17u);
  EXPECT_EQ(report.signed_size, 12u);
  EXPECT_EQ(report.problem,
            "the trail ends after entry 17 but the signed tree head of size 20 from "
            "2026-11-22T05:40:01.143Z covers 20 entries (the tail was cut off)");
  // Without the head the shorter trail is self-consistent: that is what heads are for.
  EXPECT_TRUE(Verify(trail).ok);
  EXPECT_FALSE(Verify(std::vector<StoredEntry>{}, {HeadAt(original, 1)}).ok);
}

TEST(ChainVerifierTest, CatchesARewriteWithARecomputedChainOnlyThroughSignedHeads) {
  const auto original = Trail();
  auto trail = original;
  trail[4].entry.outcome = "permission_denied";  // entry 5
  Rechain(trail);
  EXPECT_TRUE(Verify(trail).ok);  // the chain alone cannot tell

  auto report = Verify(trail, {HeadAt(original, 3), HeadAt(original, 10)});
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.finding, Finding::kHeadMismatch);
  EXPECT_FALSE(report.first_bad_seq.has_value());
  EXPECT_EQ(report.signed_size, 3u);
  EXPECT_EQ(report.entries, 10u);
  EXPECT_EQ(report.problem,
            "entries 1 to 10 chain correctly but do not hash to the signed tree head of size 10 "
            "from 2026-11-22T05:40:01.133Z: the trail was rewritten and its chain recomputed, at "
            "or after entry 4");
}

TEST(ChainVerifierTest, ReportsForkedHeads) {
  const auto trail = Trail();
  TreeHead a = HeadAt(trail, 10), b = HeadAt(trail, 10);
  b.root[0] ^= 1;
  auto report = Verify(trail, {a, b});
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.finding, Finding::kHeadsDisagree);
  // The same head twice is fine.
  EXPECT_TRUE(Verify(trail, {a, a}).ok);
}

TEST(ChainVerifierTest, StopsAtTheFirstProblem) {
  auto trail = Trail();
  trail[4].entry.user = "mallory";  // entry 5
  trail.erase(trail.begin() + 11);  // entry 12
  const auto report = Verify(trail);
  EXPECT_EQ(report.first_bad_seq, 5u);
  EXPECT_EQ(report.finding, Finding::kChanged);
}

TEST(ChainVerifierTest, SourceErrorsAreErrorsNotFindings) {
  const auto trail = Trail();
  int calls = 0;
  EntrySource failing = [&]() -> Result<std::optional<StoredEntry>> {
    if (calls == 5)
      return Unavailable("db_busy", "the database is busy");
    return std::optional<StoredEntry>(trail[calls++]);
  };
  auto report = VerifyChain(failing, {});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, "db_busy");
}

TEST(ChainVerifierTest, FindingNamesAreStable) {
  EXPECT_EQ(FindingName(Finding::kChanged), "changed");
  EXPECT_EQ(FindingName(Finding::kDeleted), "deleted");
  EXPECT_EQ(FindingName(Finding::kInserted), "inserted");
  EXPECT_EQ(FindingName(Finding::kReordered), "reordered");
  EXPECT_EQ(FindingName(Finding::kTailCut), "tail_cut");
  EXPECT_EQ(FindingName(Finding::kHeadMismatch), "head_mismatch");
}

}  // namespace
}  // namespace ketenpoort::audit
