// Verifies a stored audit trail without trusting the store: recomputes every chain hash and
// the Merkle roots the gateway signed, and names the first entry that was altered.
//
//   // (compiled in examples_test.cpp)
//   auto next = [&]() -> Result<std::optional<StoredEntry>> { /* next row by seq, or nullopt */ };
//   // heads: the signed tree heads kept so far, their signatures already checked
//   KP_ASSIGN_OR_RETURN(VerifyReport report, VerifyChain(next, heads));
//   if (!report.ok) Fail(report.problem);   // "entry 42: content changed (...)"
//   Print(report.entries, HexEncode(report.head));
//
// Contract:
// - `next` yields the stored entries in ascending seq order (ORDER BY seq), then nullopt. Its
//   errors (an unreadable row) are returned as they are; every alteration is a report, not an
//   error. Memory is O(1) in the trail length: one entry of look-ahead and a CompactRange.
// - `heads` are tree heads whose signatures the caller has already checked, in any order;
//   the persisted CompactRange can be passed as an unsigned head too. The root of the first
//   `size` leaves must equal each head's root, and the trail must reach the largest size.
// - Verification stops at the first problem. Findings, in the order they are looked for at an
//   entry (s = the position being checked, entries 1..s-1 verified):
//     kDeleted    seq jumps over s ("entry 42: missing"), or entry s holds the former entry
//                 s+1 with the later entries renumbered
//     kInserted   seq s appears twice, or entry s does not chain but the next entry is the
//                 former entry s (renumbered), or the former entry s-1 follows a new one
//     kReordered  entries s and s+1 swapped places, or a seq below its predecessor
//     kChanged    entry s does not match its stored chain hash (any other alteration)
//     kTailCut    the trail ends before the size of a signed tree head
//     kHeadMismatch  entries 1..size chain correctly but do not hash to a signed root: the
//                 trail was rewritten and its chain recomputed. No single entry can be named;
//                 `problem` gives the range between the last matching head and this one.
//     kHeadsDisagree two signed heads of one size with different roots (a fork).
//   (kStateMismatch is AuditLog::Verify's, about the append state; VerifyChain never reports it.)
// - On a problem, `entries`, `head` and `root` describe the prefix that chained correctly
//   before it (for kHeadMismatch: up to that head's size; only `signed_size` is proven).
//   Entries appended after the largest signed head can be removed or recomputed undetected
//   by this check alone: sign heads often, and compare with partners' witnessed heads.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "gateway/audit/audit_entry.h"
#include "gateway/audit/tree_head.h"
#include "gateway/core/error.h"
#include "gateway/crypto/hash.h"

namespace ketenpoort::audit {

enum class Finding {
  kNone,
  kChanged,
  kDeleted,
  kInserted,
  kReordered,
  kTailCut,
  kHeadMismatch,
  kHeadsDisagree,
  kStateMismatch,  // the gateway's append state (audit_state) disagrees with the trail
};

// "changed", "deleted", ... ("none" for kNone); stable, for logs and JSON.
std::string_view FindingName(Finding finding);

struct VerifyReport {
  bool ok = true;
  std::uint64_t entries = 0;                // entries verified intact (all of them when ok)
  crypto::Digest head = kGenesisChainHash;  // chain hash of the last intact entry
  crypto::Digest root{};                    // Merkle root over the intact entries
  std::uint64_t signed_size = 0;            // largest signed head matched (0: none)
  std::optional<std::uint64_t> first_bad_seq;
  Finding finding = Finding::kNone;
  std::string problem;  // one sentence; empty when ok
};

using EntrySource = std::function<Result<std::optional<StoredEntry>>()>;

Result<VerifyReport> VerifyChain(const EntrySource& next, std::span<const TreeHead> heads);

}  // namespace ketenpoort::audit
