// The audit trail in the store: appends entries in the caller's transaction, keeps the
// CompactRange beside them, signs and keeps tree heads, and verifies the stored trail.
//
//   // (compiled in examples_test.cpp)
//   AuditLog log;
//   KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
//   KP_RETURN_IF_ERROR(tokens.Insert(...));              // the action ...
//   KP_RETURN_IF_ERROR(log.Append(db, entry));           // ... and its entry, seq assigned here
//   KP_RETURN_IF_ERROR(tx.Commit());                     // commit together, or neither
//   KP_ASSIGN_OR_RETURN(TreeHead head, log.SignHead(db, keyring, "gateway", NowMs()));
//   KP_ASSIGN_OR_RETURN(VerifyReport r, log.Verify(db, gateway_certificate));
//   // r.ok, or r.first_bad_seq and r.problem ("entry 7: content changed ...")
//
// Contract:
// - Tables (store migration 2 "audit"): audit_entries (one row per entry with its leaf and
//   chain hash), audit_state (at most one row: size, chain head, CompactRange::Serialize();
//   no row means an empty trail) and audit_tree_heads (size, time_ms, root, signature).
// - Append requires an open explicit transaction on `db` (db.InTransaction()), else kInternal
//   "audit_no_transaction" and nothing is written: an action and its entry commit together.
//   It ignores entry.seq and assigns size + 1, validates (audit_entry.h Validate), writes the
//   row and the new state, and keeps each perfect subtree of 16 leaves or more that the append
//   completes (table audit_subtrees, store migration 7). O(log n), independent of the trail
//   length.
// - CurrentHead: the unsigned head (size, root, time_ms 0) of the trail as the state records it.
// - StoreSignedHead keeps a head with a non-empty signature; storing a second head of the same
//   size is a no-op when the roots agree and kConflict "tree_head_conflict" otherwise.
// - SignHead builds the current head at `now_ms`, signs SignedBytes with keyring key `key_id`
//   (Keyring::SignDigest) and stores it with `signer_cert`, the certificate of that key, when
//   given; it opens its own transaction (none may be open).
// - Verify streams the rows in seq order into VerifyChain (chain_verifier.h) with every stored
//   head, each of whose signatures must verify: with the certificate stored with it when that
//   certificate is issued by one of `anchors` (the deployment CA), else with `signer` (the
//   current TLS certificate). So a renewed TLS certificate, issued by the same CA, leaves the
//   heads signed with the old one verifiable, while a certificate of another CA stored beside a
//   forged head proves nothing. A head whose signature does not verify is a report
//   with ok = false (finding kHeadMismatch), not an error. Then audit_state, which an attacker
//   can change like any row, is checked against the verified trail: missing while the trail
//   has entries, unreadable, its size disagreeing with its compact range or the trail, its
//   root or chain head differing — each a report (kStateMismatch; a state recording more
//   entries than the trail has is kTailCut, naming the first missing entry). `signed_size`
//   counts signed heads only. Errors are only unreadable entry rows and database failures.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/audit/audit_entry.h"
#include "gateway/audit/chain_verifier.h"
#include "gateway/audit/tree_head.h"
#include "gateway/core/error.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/keyring.h"
#include "gateway/store/database.h"

namespace ketenpoort::audit {

// Milliseconds since the Unix epoch, now (system clock).
std::int64_t NowMs();

// Which stored entries Query returns; an empty member does not filter.
struct AuditQuery {
  std::string subject_ref;
  std::string user;          // entries by this user or on this user's behalf
  std::string organisation;  // entries that concern this organisation: its own actions, and any
                             // action on a message it sent or received
  std::optional<std::int64_t> from_ms;  // time_ms >= from_ms
  std::optional<std::int64_t> to_ms;    // time_ms < to_ms
  std::int64_t after_seq = 0;           // seq > after_seq (paging)
  int limit = 1000;
};

class AuditLog {
 public:
  Status Append(store::Database& db, AuditEntry entry) const;
  Result<TreeHead> CurrentHead(store::Database& db) const;
  Status StoreSignedHead(store::Database& db, const TreeHead& head) const;
  Result<TreeHead> SignHead(store::Database& db, const crypto::Keyring& keyring,
                            const std::string& key_id, std::int64_t now_ms,
                            const crypto::Certificate* signer_cert = nullptr) const;
  Result<VerifyReport> Verify(store::Database& db, const crypto::Certificate& signer,
                              const std::vector<crypto::Certificate>& anchors = {}) const;

  // Stored entries matching `q`, in seq order, at most q.limit.
  Result<std::vector<StoredEntry>> Query(store::Database& db, const AuditQuery& q) const;
  // The signed head of the largest size; nullopt when none was signed yet.
  Result<std::optional<TreeHead>> LatestSignedHead(store::Database& db) const;
  // RFC 6962 proofs over the stored trail (merkle_tree.h): entry `seq` (1-based) in the tree
  // of the first `size` entries, and between the trees of `old_size` and `new_size` entries.
  // They read the stored subtrees, O(log^2 n) rows in all (for the part of a trail written
  // before migration 7, the leaves). Sizes beyond the trail: "invalid_proof_request".
  Result<std::vector<crypto::Digest>> InclusionProof(store::Database& db, std::uint64_t seq,
                                                     std::uint64_t size) const;
  Result<std::vector<crypto::Digest>> ConsistencyProof(store::Database& db, std::uint64_t old_size,
                                                       std::uint64_t new_size) const;
  // The root of the tree of the first `size` entries, and the leaf hash of entry `seq`.
  Result<crypto::Digest> RootAt(store::Database& db, std::uint64_t size) const;
  Result<crypto::Digest> LeafHashOf(store::Database& db, std::uint64_t seq) const;
};

}  // namespace ketenpoort::audit
