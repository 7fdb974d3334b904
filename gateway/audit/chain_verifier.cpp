#include "gateway/audit/chain_verifier.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "gateway/audit/compact_range.h"
#include "gateway/audit/merkle_tree.h"
#include "gateway/audit/time_format.h"

namespace ketenpoort::audit {

namespace {

using crypto::Digest;

std::string Num(std::uint64_t v) {
  return std::to_string(v);
}
std::string Num(std::int64_t v) {
  return std::to_string(v);
}

// The chain hash `entry` would have at position `seq` after `previous`.
Digest ChainAt(const Digest& previous, const AuditEntry& entry, std::int64_t seq) {
  AuditEntry moved = entry;
  moved.seq = seq;
  return ChainHash(previous, moved);
}

std::string HeadName(const TreeHead& head) {
  std::string name = "the signed tree head of size " + Num(head.size);
  if (head.time_ms >= 0 && head.time_ms <= kMaxTimeMs)
    name += " from " + FormatTime(head.time_ms);
  return name;
}

class Verifier {
 public:
  Verifier(const EntrySource& next, std::span<const TreeHead> heads)
      : next_(next), heads_(heads.begin(), heads.end()) {
    std::stable_sort(heads_.begin(), heads_.end(),
                     [](const TreeHead& a, const TreeHead& b) { return a.size < b.size; });
  }

  Result<VerifyReport> Run() {
    for (std::size_t i = 1; i < heads_.size(); ++i) {
      if (heads_[i].size == heads_[i - 1].size && heads_[i].root != heads_[i - 1].root) {
        return Fail(Finding::kHeadsDisagree, std::nullopt,
                    "two signed tree heads of size " + Num(heads_[i].size) +
                        " have different roots (the trail was forked)");
      }
    }
    if (auto bad = CheckHeads())
      return std::move(*bad);

    KP_ASSIGN_OR_RETURN(std::optional<StoredEntry> current, next_());
    std::optional<StoredEntry> ahead;
    if (current) {
      KP_ASSIGN_OR_RETURN(ahead, next_());
    }
    while (current) {
      if (auto bad = CheckEntry(*current, ahead ? &*ahead : nullptr)) {
        return std::move(*bad);
      }
      if (auto bad = CheckHeads()) {
        return std::move(*bad);
      }
      current = std::move(ahead);
      if (current) {
        KP_ASSIGN_OR_RETURN(ahead, next_());
      }
    }
    if (next_head_ < heads_.size()) {
      const TreeHead& head = heads_.back();
      return Fail(Finding::kTailCut, range_.size() + 1,
                  "the trail ends after entry " + Num(range_.size()) + " but " + HeadName(head) +
                      " covers " + Num(head.size) + " entries (the tail was cut off)");
    }
    return Report();
  }

 private:
  // A problem report about entry `seq`, or nullopt when the entry is intact (and appended).
  std::optional<VerifyReport> CheckEntry(const StoredEntry& cur, const StoredEntry* ahead) {
    const std::int64_t s = cur.entry.seq;
    const auto expected = static_cast<std::int64_t>(range_.size() + 1);
    if (s != expected) {
      if (s == expected - 1 && expected > 1) {
        return Fail(Finding::kInserted, Seq(s),
                    "entry " + Num(s) + ": stored twice (the second copy was inserted)");
      }
      if (s < expected) {
        return Fail(Finding::kReordered, Seq(s),
                    "entry " + Num(s) + ": found after entry " + Num(expected - 1) +
                        " (entries out of order)");
      }
      if (ahead != nullptr && ahead->entry.seq == expected) {
        return Fail(
            Finding::kReordered, Seq(expected),
            "entry " + Num(expected) + ": found after entry " + Num(s) + " (entries out of order)");
      }
      if (s == expected + 1) {
        return Fail(Finding::kDeleted, Seq(expected), "entry " + Num(expected) + ": missing");
      }
      return Fail(Finding::kDeleted, Seq(expected),
                  "entries " + Num(expected) + " to " + Num(s - 1) + ": missing");
    }

    const Digest leaf = LeafHash(cur.entry);
    const Digest chain = ChainHashOfLeaf(chain_, leaf);
    if (chain == cur.chain_hash) {
      previous_chain_ = chain_;
      chain_ = chain;
      range_.Append(leaf);
      return std::nullopt;
    }
    return Classify(cur, ahead);
  }

  // Entry s (= cur.entry.seq) does not match its chain hash; say what most likely happened.
  VerifyReport Classify(const StoredEntry& cur, const StoredEntry* ahead) {
    const std::int64_t s = cur.entry.seq;
    const std::string at = "entry " + Num(s) + ": ";
    if (ahead != nullptr && ahead->entry.seq == s &&
        ChainHash(chain_, ahead->entry) == ahead->chain_hash) {
      return Fail(Finding::kInserted, Seq(s), at + "stored twice (the first copy was inserted)");
    }
    if (ahead != nullptr && ahead->entry.seq == s + 1 &&
        ChainAt(chain_, ahead->entry, s) == ahead->chain_hash) {
      // The next row is the former entry s, moved one place down.
      if (ChainAt(ahead->chain_hash, cur.entry, s + 1) == cur.chain_hash) {
        return Fail(Finding::kReordered, Seq(s),
                    "entries " + Num(s) + " and " + Num(s + 1) + ": swapped places");
      }
      return Fail(Finding::kInserted, Seq(s),
                  at + "inserted (the former entry " + Num(s) + " follows it, renumbered)");
    }
    if (s >= 2 && ChainAt(previous_chain_, cur.entry, s - 1) == cur.chain_hash) {
      // This row is the former entry s-1: the verified entry s-1 before it is new.
      return Fail(Finding::kInserted, Seq(s - 1),
                  "entry " + Num(s - 1) +
                      ": inserted with a recomputed chain hash (the former entry " + Num(s - 1) +
                      " follows it, renumbered)");
    }
    if (ahead != nullptr && ahead->entry.seq == s + 1 &&
        ChainAt(cur.chain_hash, ahead->entry, s + 2) == ahead->chain_hash) {
      // This row and the next are the former entries s+1 and s+2: the former entry s is gone.
      return Fail(Finding::kDeleted, Seq(s), at + "deleted (the later entries were renumbered)");
    }
    return Fail(Finding::kChanged, Seq(s),
                at + "content changed (it no longer matches its chain hash)");
  }

  // Checks every head whose size the verified prefix has reached.
  std::optional<VerifyReport> CheckHeads() {
    while (next_head_ < heads_.size() && heads_[next_head_].size == range_.size()) {
      const TreeHead& head = heads_[next_head_];
      if (range_.Root() != head.root) {
        std::string problem;
        if (range_.size() == 0) {
          problem = HeadName(head) + " does not have the root of an empty tree";
        } else {
          problem = "entries 1 to " + Num(range_.size()) + " chain correctly but do not hash to " +
                    HeadName(head) + ": the trail was rewritten and its chain recomputed, at " +
                    "or after entry " + Num(signed_size_ + 1);
        }
        return Fail(Finding::kHeadMismatch, std::nullopt, std::move(problem));
      }
      signed_size_ = head.size;
      ++next_head_;
    }
    return std::nullopt;
  }

  static std::optional<std::uint64_t> Seq(std::int64_t s) {
    if (s < 1)
      return std::nullopt;
    return static_cast<std::uint64_t>(s);
  }

  VerifyReport Report() const {
    VerifyReport r;
    r.entries = range_.size();
    r.head = chain_;
    r.root = range_.Root();
    r.signed_size = signed_size_;
    return r;
  }

  VerifyReport Fail(Finding finding, std::optional<std::uint64_t> seq, std::string problem) const {
    VerifyReport r = Report();
    r.ok = false;
    r.finding = finding;
    r.first_bad_seq = seq;
    r.problem = std::move(problem);
    return r;
  }

  const EntrySource& next_;
  std::vector<TreeHead> heads_;
  std::size_t next_head_ = 0;
  std::uint64_t signed_size_ = 0;
  CompactRange range_;
  Digest chain_ = kGenesisChainHash;           // chain hash of the last verified entry
  Digest previous_chain_ = kGenesisChainHash;  // ... and of the one before it
};

}  // namespace

std::string_view FindingName(Finding finding) {
  switch (finding) {
    case Finding::kNone:
      return "none";
    case Finding::kChanged:
      return "changed";
    case Finding::kDeleted:
      return "deleted";
    case Finding::kInserted:
      return "inserted";
    case Finding::kReordered:
      return "reordered";
    case Finding::kTailCut:
      return "tail_cut";
    case Finding::kHeadMismatch:
      return "head_mismatch";
    case Finding::kHeadsDisagree:
      return "heads_disagree";
    case Finding::kStateMismatch:
      return "state_mismatch";
  }
  return "none";
}

Result<VerifyReport> VerifyChain(const EntrySource& next, std::span<const TreeHead> heads) {
  Verifier verifier(next, heads);
  return verifier.Run();
}

}  // namespace ketenpoort::audit
