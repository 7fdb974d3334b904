#include "gateway/audit/audit_log.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "gateway/audit/compact_range.h"

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
  KP_ASSIGN_OR_RETURN(store::Statement q,
                      db.Prepare("SELECT size, chain_head, compact_range FROM audit_state "
                                 "WHERE id = 1"));
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

constexpr std::string_view kSelectEntries =
    "SELECT seq, time_ms, event, subject_ref, user, responsible_user, organisation, role, "
    "action, object, authorisation_basis, break_glass, outcome, source_address, chain_hash "
    "FROM audit_entries ORDER BY seq";

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
      store::Statement insert,
      db.Prepare("INSERT INTO audit_entries(seq, time_ms, event, subject_ref, user, "
                 "responsible_user, organisation, role, action, object, authorisation_basis, "
                 "break_glass, outcome, source_address, leaf_hash, chain_hash) "
                 "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
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

  state.range.Append(leaf);
  KP_ASSIGN_OR_RETURN(store::Statement save,
                      db.Prepare("INSERT OR REPLACE INTO audit_state(id, size, chain_head, "
                                 "compact_range) VALUES(1, ?, ?, ?)"));
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
                                    const std::string& key_id, std::int64_t now_ms) const {
  KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
  KP_ASSIGN_OR_RETURN(TreeHead head, CurrentHead(db));
  head.time_ms = now_ms;
  KP_ASSIGN_OR_RETURN(head.signature, keyring.SignDigest(key_id, SignedBytes(head)));
  KP_RETURN_IF_ERROR(StoreSignedHead(db, head));
  KP_RETURN_IF_ERROR(tx.Commit());
  return head;
}

Result<VerifyReport> AuditLog::Verify(store::Database& db,
                                      const crypto::Certificate& signer) const {
  std::vector<TreeHead> heads;
  {
    KP_ASSIGN_OR_RETURN(
        store::Statement q,
        db.Prepare("SELECT size, time_ms, root, signature FROM audit_tree_heads ORDER BY size"));
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
      if (!root_ok || !VerifySignature(signer, SignedBytes(head), head.signature)) {
        VerifyReport bad;
        bad.ok = false;
        bad.finding = Finding::kHeadMismatch;
        bad.problem = "signed tree head of size " + std::to_string(head.size) +
                      ": the signature does not verify with the gateway certificate";
        return bad;
      }
      heads.push_back(std::move(head));
    }
  }
  KP_ASSIGN_OR_RETURN(State state, ReadState(db));
  heads.push_back(TreeHead{state.size, state.range.Root(), 0, {}});

  KP_ASSIGN_OR_RETURN(store::Statement rows, db.Prepare(kSelectEntries));
  EntrySource next = [&rows]() -> Result<std::optional<StoredEntry>> {
    KP_ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row)
      return std::optional<StoredEntry>{};
    KP_ASSIGN_OR_RETURN(StoredEntry stored, ReadEntry(rows));
    return std::optional<StoredEntry>{std::move(stored)};
  };
  KP_ASSIGN_OR_RETURN(VerifyReport report, VerifyChain(next, heads));
  // VerifyChain counts the unsigned state head as matched too; report only signed ones.
  std::uint64_t signed_size = 0;
  for (std::size_t i = 0; i + 1 < heads.size(); ++i) {
    if (heads[i].size <= report.signed_size)
      signed_size = std::max(signed_size, heads[i].size);
  }
  report.signed_size = signed_size;
  if (report.ok && report.entries == state.size && report.head != state.chain_head) {
    report.ok = false;
    report.finding = Finding::kHeadMismatch;
    report.problem = "audit_state: the recorded chain head differs from the trail's";
  }
  return report;
}

}  // namespace ketenpoort::audit
