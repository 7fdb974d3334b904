#include "gateway/audit/audit_log.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "gateway/audit/compact_range.h"
#include "gateway/audit/merkle_tree.h"

namespace ketenpoort::audit {

namespace {

struct State {
  std::uint64_t size = 0;
  crypto::Digest chain_head = kGenesisChainHash;
  CompactRange range;
};

Result<crypto::Digest> ToDigest(const Bytes& bytes, std::string_view what) {
  crypto::Digest d{};
  if (bytes.size() != d.size()) {
    return Internal("invalid_audit_row", std::string(what) + " is not 32 bytes");
  }
  std::copy(bytes.begin(), bytes.end(), d.begin());
  return d;
}

Result<State> ReadState(store::Database& db) {
  KP_ASSIGN_OR_RETURN(store::StatementLease q_lease,
                      db.PrepareCached("SELECT size, chain_head, compact_range FROM audit_state "
                                       "WHERE id = 1"));
  store::Statement& q = *q_lease;
  KP_ASSIGN_OR_RETURN(bool row, q.Step());
  State state;
  if (!row)
    return state;
  KP_ASSIGN_OR_RETURN(state.chain_head, ToDigest(q.ColumnBlob(1), "audit_state.chain_head"));
  Bytes range_bytes = q.ColumnBlob(2);
  KP_ASSIGN_OR_RETURN(state.range, CompactRange::Deserialize(range_bytes));
  state.size = static_cast<std::uint64_t>(q.ColumnInt64(0));
  if (state.range.size() != state.size) {
    return Internal("invalid_audit_state", "audit_state size and compact range disagree");
  }
  return state;
}

// Checks audit_state against a trail that verified as `trail`: returns `trail` unchanged when
// they agree, else `trail` with ok = false, the finding and one sentence saying how they
// differ. Errors are only database failures.
Result<VerifyReport> CheckStateAgainst(store::Database& db, VerifyReport trail) {
  auto bad = [&trail](Finding finding, std::string problem) {
    trail.ok = false;
    trail.finding = finding;
    trail.problem = std::move(problem);
    return trail;
  };
  KP_ASSIGN_OR_RETURN(store::Statement q,
                      db.Prepare("SELECT size, chain_head, compact_range FROM audit_state"));
  KP_ASSIGN_OR_RETURN(bool row, q.Step());
  const std::string entries = std::to_string(trail.entries);
  if (!row) {
    if (trail.entries == 0)
      return trail;
    return bad(Finding::kStateMismatch,
               "audit_state: the gateway's record of the trail is missing, but the trail has " +
                   entries + " entries");
  }
  const std::int64_t size = q.ColumnInt64(0);
  const Bytes chain_head = q.ColumnBlob(1);
  const Bytes range_bytes = q.ColumnBlob(2);
  KP_ASSIGN_OR_RETURN(bool second, q.Step());
  if (second)
    return bad(Finding::kStateMismatch, "audit_state: it has more than one row");
  auto range = CompactRange::Deserialize(range_bytes);
  if (!range) {
    return bad(Finding::kStateMismatch,
               "audit_state: its compact range is damaged (it cannot be read)");
  }
  if (size < 0 || range->size() != static_cast<std::uint64_t>(size)) {
    return bad(Finding::kStateMismatch, "audit_state: it records " + std::to_string(size) +
                                            " entries but its compact range " +
                                            std::to_string(range->size()));
  }
  if (static_cast<std::uint64_t>(size) > trail.entries) {
    trail.first_bad_seq = trail.entries + 1;
    return bad(Finding::kTailCut, "the trail ends after entry " + entries +
                                      " but the gateway recorded " + std::to_string(size) +
                                      " entries (the tail after the last signed head was cut off)");
  }
  if (static_cast<std::uint64_t>(size) < trail.entries) {
    return bad(Finding::kStateMismatch,
               "audit_state: it records " + std::to_string(size) + " entries but the trail has " +
                   entries +
                   " (entries were added outside the gateway, or the state was set back)");
  }
  if (range->Root() != trail.root) {
    return bad(Finding::kStateMismatch,
               "audit_state: its compact range does not hash to the trail's Merkle root");
  }
  if (chain_head.size() != trail.head.size() ||
      !std::equal(chain_head.begin(), chain_head.end(), trail.head.begin())) {
    return bad(Finding::kStateMismatch,
               "audit_state: the recorded chain head differs from the trail's");
  }
  return trail;
}

#define KP_AUDIT_ENTRY_COLUMNS                                                             \
  "seq, time_ms, event, subject_ref, user, responsible_user, organisation, role, action, " \
  "object, authorisation_basis, break_glass, outcome, source_address, chain_hash"

constexpr std::string_view kSelectEntries =
    "SELECT " KP_AUDIT_ENTRY_COLUMNS " FROM audit_entries ORDER BY seq";

// Leaf hashes straight from audit_entries, for proofs over the stored trail.
// Subtrees below this level are recomputed from at most 2^(level-1) leaves when a proof needs
// them; from it up they are stored as appends complete them.
constexpr unsigned kMinStoredSubtreeLevel = 4;

class StoredLeaves : public NodeSource {
 public:
  explicit StoredLeaves(store::Database& db) : db_(db) {}

  // A stored subtree when there is one (trails older than store migration 7 have none below
  // their size at that time), else computed from the leaves.
  Result<crypto::Digest> PerfectSubtree(unsigned level, std::uint64_t index) override {
    if (level >= kMinStoredSubtreeLevel) {
      KP_ASSIGN_OR_RETURN(store::StatementLease q,
                          db_.PrepareCached("SELECT hash FROM audit_subtrees WHERE level = ? AND "
                                            "idx = ?"));
      q->Bind(1, std::int64_t{level}).Bind(2, static_cast<std::int64_t>(index));
      KP_ASSIGN_OR_RETURN(bool row, q->Step());
      if (row) {
        Bytes h = q->ColumnBlob(0);
        if (h.size() == 32) {
          crypto::Digest d{};
          std::copy(h.begin(), h.end(), d.begin());
          return d;
        }
      }
    }
    return NodeSource::PerfectSubtree(level, index);
  }
  Status ReadLeaves(std::uint64_t begin, std::uint64_t end,
                    const std::function<void(const crypto::Digest&)>& sink) override {
    KP_ASSIGN_OR_RETURN(store::Statement q,
                        db_.Prepare("SELECT seq, leaf_hash FROM audit_entries WHERE seq > ? AND "
                                    "seq <= ? ORDER BY seq"));
    q.Bind(1, static_cast<std::int64_t>(begin)).Bind(2, static_cast<std::int64_t>(end));
    std::uint64_t expected = begin + 1;
    for (;;) {
      KP_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row)
        break;
      Bytes leaf = q.ColumnBlob(1);
      if (static_cast<std::uint64_t>(q.ColumnInt64(0)) != expected || leaf.size() != 32)
        return Internal("audit_trail_damaged", "audit entry " + std::to_string(expected) +
                                                   " is missing or damaged; run audit verify");
      crypto::Digest d{};
      std::copy(leaf.begin(), leaf.end(), d.begin());
      sink(d);
      ++expected;
    }
    if (expected != end + 1)
      return Internal("audit_trail_damaged",
                      "audit entry " + std::to_string(expected) + " is missing; run audit verify");
    return Ok();
  }

 private:
  store::Database& db_;
};

Result<StoredEntry> ReadEntry(const store::Statement& q) {
  StoredEntry s;
  AuditEntry& e = s.entry;
  e.seq = q.ColumnInt64(0);
  e.time_ms = q.ColumnInt64(1);
  e.event = q.ColumnText(2);
  e.subject_ref = q.ColumnText(3);
  e.user = q.ColumnText(4);
  e.responsible_user = q.ColumnText(5);
  e.organisation = q.ColumnText(6);
  e.role = q.ColumnText(7);
  e.action = q.ColumnText(8);
  e.object = q.ColumnText(9);
  e.authorisation_basis = q.ColumnText(10);
  e.break_glass = q.ColumnInt64(11) != 0;
  e.outcome = q.ColumnText(12);
  e.source_address = q.ColumnText(13);
  Bytes chain = q.ColumnBlob(14);
  if (chain.size() == s.chain_hash.size()) {
    std::copy(chain.begin(), chain.end(), s.chain_hash.begin());
  }  // else left all-zero: the verifier reports the entry as changed
  return s;
}

}  // namespace

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status AuditLog::Append(store::Database& db, AuditEntry entry) const {
  if (!db.InTransaction()) {
    return Internal("audit_no_transaction",
                    "an audit entry must be appended inside the transaction of its action");
  }
  KP_ASSIGN_OR_RETURN(State state, ReadState(db));
  entry.seq = static_cast<std::int64_t>(state.size + 1);
  KP_RETURN_IF_ERROR(Validate(entry));
  const crypto::Digest leaf = LeafHash(entry);
  const crypto::Digest chain = ChainHashOfLeaf(state.chain_head, leaf);

  KP_ASSIGN_OR_RETURN(
      store::StatementLease insert_lease,
      db.PrepareCached("INSERT INTO audit_entries(seq, time_ms, event, subject_ref, user, "
                       "responsible_user, organisation, role, action, object, authorisation_basis, "
                       "break_glass, outcome, source_address, leaf_hash, chain_hash) "
                       "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  store::Statement& insert = *insert_lease;
  insert.Bind(1, entry.seq)
      .Bind(2, entry.time_ms)
      .Bind(3, entry.event)
      .Bind(4, entry.subject_ref)
      .Bind(5, entry.user)
      .Bind(6, entry.responsible_user)
      .Bind(7, entry.organisation)
      .Bind(8, entry.role)
      .Bind(9, entry.action)
      .Bind(10, entry.object)
      .Bind(11, entry.authorisation_basis)
      .Bind(12, std::int64_t{entry.break_glass ? 1 : 0})
      .Bind(13, entry.outcome)
      .Bind(14, entry.source_address)
      .BindBlob(15, leaf)
      .BindBlob(16, chain);
  KP_RETURN_IF_ERROR(insert.Step());

  // Keep the perfect subtrees this append completes (from 16 leaves up), for proofs.
  std::vector<std::pair<std::pair<unsigned, std::uint64_t>, crypto::Digest>> subtrees;
  state.range.Append(leaf, [&](unsigned level, std::uint64_t index, const crypto::Digest& h) {
    if (level >= kMinStoredSubtreeLevel)
      subtrees.push_back({{level, index}, h});
  });
  for (const auto& [at, hash] : subtrees) {
    KP_ASSIGN_OR_RETURN(store::StatementLease keep_lease,
                        db.PrepareCached("INSERT OR REPLACE INTO audit_subtrees(level, idx, hash) "
                                         "VALUES(?, ?, ?)"));
    keep_lease->Bind(1, std::int64_t{at.first})
        .Bind(2, static_cast<std::int64_t>(at.second))
        .BindBlob(3, hash);
    KP_RETURN_IF_ERROR(keep_lease->Step());
  }
  KP_ASSIGN_OR_RETURN(store::StatementLease save_lease,
                      db.PrepareCached("INSERT OR REPLACE INTO audit_state(id, size, chain_head, "
                                       "compact_range) VALUES(1, ?, ?, ?)"));
  store::Statement& save = *save_lease;
  Bytes range_bytes = state.range.Serialize();
  save.Bind(1, entry.seq).BindBlob(2, chain).BindBlob(3, range_bytes);
  KP_RETURN_IF_ERROR(save.Step());
  return Ok();
}

Result<TreeHead> AuditLog::CurrentHead(store::Database& db) const {
  KP_ASSIGN_OR_RETURN(State state, ReadState(db));
  return TreeHead{state.size, state.range.Root(), 0, {}};
}

Status AuditLog::StoreSignedHead(store::Database& db, const TreeHead& head) const {
  if (head.signature.empty()) {
    return InvalidArgument("invalid_tree_head", "the tree head is not signed", "signature");
  }
  KP_ASSIGN_OR_RETURN(store::Statement find,
                      db.Prepare("SELECT root FROM audit_tree_heads WHERE size = ?"));
  find.Bind(1, static_cast<std::int64_t>(head.size));
  KP_ASSIGN_OR_RETURN(bool exists, find.Step());
  if (exists) {
    Bytes root = find.ColumnBlob(0);
    if (root != Bytes(head.root.begin(), head.root.end())) {
      return Conflict("tree_head_conflict",
                      "a different tree head of size " + std::to_string(head.size) + " is stored");
    }
    return Ok();
  }
  find.Reset();
  KP_ASSIGN_OR_RETURN(store::Statement insert,
                      db.Prepare("INSERT INTO audit_tree_heads(size, time_ms, root, signature) "
                                 "VALUES(?, ?, ?, ?)"));
  insert.Bind(1, static_cast<std::int64_t>(head.size))
      .Bind(2, head.time_ms)
      .BindBlob(3, head.root)
      .BindBlob(4, head.signature);
  KP_RETURN_IF_ERROR(insert.Step());
  return Ok();
}

Result<TreeHead> AuditLog::SignHead(store::Database& db, const crypto::Keyring& keyring,
                                    const std::string& key_id, std::int64_t now_ms,
                                    const crypto::Certificate* signer_cert) const {
  KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
  KP_ASSIGN_OR_RETURN(TreeHead head, CurrentHead(db));
  head.time_ms = now_ms;
  KP_ASSIGN_OR_RETURN(head.signature, keyring.SignDigest(key_id, SignedBytes(head)));
  KP_RETURN_IF_ERROR(StoreSignedHead(db, head));
  if (signer_cert != nullptr) {
    KP_ASSIGN_OR_RETURN(store::Statement q,
                        db.Prepare("UPDATE audit_tree_heads SET signer_cert = ? WHERE size = ? AND "
                                   "signature = ?"));
    q.BindBlob(1, signer_cert->ToDer())
        .Bind(2, static_cast<std::int64_t>(head.size))
        .BindBlob(3, head.signature);
    KP_RETURN_IF_ERROR(q.Step());
  }
  KP_RETURN_IF_ERROR(tx.Commit());
  return head;
}

Result<VerifyReport> AuditLog::Verify(store::Database& db, const crypto::Certificate& signer,
                                      const std::vector<crypto::Certificate>& anchors) const {
  std::vector<TreeHead> heads;
  {
    KP_ASSIGN_OR_RETURN(store::Statement q,
                        db.Prepare("SELECT size, time_ms, root, signature, signer_cert FROM "
                                   "audit_tree_heads ORDER BY size"));
    for (;;) {
      KP_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row)
        break;
      TreeHead head;
      head.size = static_cast<std::uint64_t>(q.ColumnInt64(0));
      head.time_ms = q.ColumnInt64(1);
      Bytes root = q.ColumnBlob(2);
      head.signature = q.ColumnBlob(3);
      bool root_ok = root.size() == head.root.size();
      if (root_ok)
        std::copy(root.begin(), root.end(), head.root.begin());
      // The certificate stored with the head counts only when the deployment CA issued it.
      const crypto::Certificate* key = &signer;
      std::optional<crypto::Certificate> stored;
      if (!q.IsNull(4) && !anchors.empty()) {
        auto cert = crypto::Certificate::FromDer(q.ColumnBlob(4));
        if (cert && crypto::VerifyIssuedBy(*cert, anchors)) {
          stored = std::move(*cert);
          key = &*stored;
        }
      }
      if (!root_ok || !VerifySignature(*key, SignedBytes(head), head.signature)) {
        VerifyReport bad;
        bad.ok = false;
        bad.finding = Finding::kHeadMismatch;
        bad.problem = "signed tree head of size " + std::to_string(head.size) +
                      ": the signature does not verify with the gateway certificate (nor with a "
                      "certificate the deployment CA issued that was stored with it)";
        return bad;
      }
      heads.push_back(std::move(head));
    }
  }
  KP_ASSIGN_OR_RETURN(store::Statement rows, db.Prepare(kSelectEntries));
  EntrySource next = [&rows]() -> Result<std::optional<StoredEntry>> {
    KP_ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row)
      return std::optional<StoredEntry>{};
    KP_ASSIGN_OR_RETURN(StoredEntry stored, ReadEntry(rows));
    return std::optional<StoredEntry>{std::move(stored)};
  };
  KP_ASSIGN_OR_RETURN(VerifyReport report, VerifyChain(next, heads));
  if (!report.ok)
    return report;
  // The trail verified against every signed head. The append state is data an attacker can
  // change like any row, so it is checked against the verified trail, never trusted.
  return CheckStateAgainst(db, std::move(report));
}

Result<std::vector<StoredEntry>> AuditLog::Query(store::Database& db, const AuditQuery& q) const {
  std::string sql = "SELECT " KP_AUDIT_ENTRY_COLUMNS " FROM audit_entries WHERE seq > ?";
  if (!q.subject_ref.empty())
    sql += " AND subject_ref = ?";
  if (!q.user.empty())
    sql += " AND (user = ? OR responsible_user = ?)";
  if (!q.organisation.empty()) {
    sql +=
        " AND (organisation = ? OR object IN (SELECT id FROM messages WHERE sender_org = ?) OR "
        "object IN (SELECT message_id FROM deliveries WHERE recipient_org = ?))";
  }
  if (q.from_ms)
    sql += " AND time_ms >= ?";
  if (q.to_ms)
    sql += " AND time_ms < ?";
  sql += " ORDER BY seq LIMIT ?";
  KP_ASSIGN_OR_RETURN(store::Statement s, db.Prepare(sql));
  int i = 1;
  s.Bind(i++, q.after_seq);
  if (!q.subject_ref.empty())
    s.Bind(i++, q.subject_ref);
  for (int n = q.user.empty() ? 0 : 2; n > 0; --n)
    s.Bind(i++, q.user);
  for (int n = q.organisation.empty() ? 0 : 3; n > 0; --n)
    s.Bind(i++, q.organisation);
  if (q.from_ms)
    s.Bind(i++, *q.from_ms);
  if (q.to_ms)
    s.Bind(i++, *q.to_ms);
  s.Bind(i++, std::int64_t{q.limit});
  std::vector<StoredEntry> out;
  for (;;) {
    KP_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row)
      break;
    KP_ASSIGN_OR_RETURN(StoredEntry e, ReadEntry(s));
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::optional<TreeHead>> AuditLog::LatestSignedHead(store::Database& db) const {
  KP_ASSIGN_OR_RETURN(store::Statement q,
                      db.Prepare("SELECT size, time_ms, root, signature FROM audit_tree_heads "
                                 "ORDER BY size DESC LIMIT 1"));
  KP_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row)
    return std::optional<TreeHead>();
  TreeHead head;
  head.size = static_cast<std::uint64_t>(q.ColumnInt64(0));
  head.time_ms = q.ColumnInt64(1);
  Bytes root = q.ColumnBlob(2);
  if (root.size() != head.root.size())
    return Internal("audit_trail_damaged", "a stored tree head has a damaged root");
  std::copy(root.begin(), root.end(), head.root.begin());
  head.signature = q.ColumnBlob(3);
  return std::optional<TreeHead>(std::move(head));
}

namespace {
Status CheckSize(store::Database& db, std::uint64_t size) {
  KP_ASSIGN_OR_RETURN(State state, ReadState(db));
  if (size > state.size) {
    return InvalidArgument("invalid_proof_request",
                           "the audit trail has only " + std::to_string(state.size) + " entries");
  }
  return Ok();
}
}  // namespace

Result<std::vector<crypto::Digest>> AuditLog::InclusionProof(store::Database& db, std::uint64_t seq,
                                                             std::uint64_t size) const {
  KP_RETURN_IF_ERROR(CheckSize(db, size));
  if (seq < 1 || seq > size)
    return InvalidArgument("invalid_proof_request", "seq must lie in 1 .. size", "seq");
  StoredLeaves leaves(db);
  return audit::InclusionProof(leaves, size, seq - 1);
}

Result<std::vector<crypto::Digest>> AuditLog::ConsistencyProof(store::Database& db,
                                                               std::uint64_t old_size,
                                                               std::uint64_t new_size) const {
  KP_RETURN_IF_ERROR(CheckSize(db, new_size));
  if (old_size > new_size)
    return InvalidArgument("invalid_proof_request", "first must not exceed second", "first");
  StoredLeaves leaves(db);
  return audit::ConsistencyProof(leaves, old_size, new_size);
}

Result<crypto::Digest> AuditLog::RootAt(store::Database& db, std::uint64_t size) const {
  KP_RETURN_IF_ERROR(CheckSize(db, size));
  StoredLeaves leaves(db);
  return audit::RootHash(leaves, size);
}

Result<crypto::Digest> AuditLog::LeafHashOf(store::Database& db, std::uint64_t seq) const {
  crypto::Digest out{};
  StoredLeaves leaves(db);
  KP_RETURN_IF_ERROR(leaves.ReadLeaves(seq - 1, seq, [&](const crypto::Digest& d) { out = d; }));
  return out;
}

}  // namespace ketenpoort::audit
