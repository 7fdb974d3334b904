#include "gateway/audit/witness_store.h"

#include <algorithm>

#include "gateway/audit/time_format.h"

namespace ketenpoort::audit {

Result<std::optional<TreeHead>> WitnessStore::Latest(std::string_view peer) {
  KP_ASSIGN_OR_RETURN(store::Statement q,
                      db_.Prepare("SELECT size, time_ms, root, signature FROM witnessed_heads "
                                  "WHERE peer = ? ORDER BY size DESC LIMIT 1"));
  q.Bind(1, peer);
  KP_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row)
    return std::optional<TreeHead>();
  TreeHead h;
  h.size = static_cast<std::uint64_t>(q.ColumnInt64(0));
  h.time_ms = q.ColumnInt64(1);
  Bytes root = q.ColumnBlob(2);
  if (root.size() != h.root.size())
    return Internal("witness_damaged", "a witnessed head has a damaged root");
  std::copy(root.begin(), root.end(), h.root.begin());
  h.signature = q.ColumnBlob(3);
  return std::optional<TreeHead>(std::move(h));
}

Status WitnessStore::Keep(std::string_view peer, const TreeHead& head, std::int64_t now_ms) {
  KP_ASSIGN_OR_RETURN(store::Statement s,
                      db_.Prepare("INSERT OR IGNORE INTO witnessed_heads(peer, size, time_ms, "
                                  "root, signature, received_ms) VALUES(?, ?, ?, ?, ?, ?)"));
  s.Bind(1, peer)
      .Bind(2, static_cast<std::int64_t>(head.size))
      .Bind(3, head.time_ms)
      .BindBlob(4, head.root)
      .BindBlob(5, head.signature)
      .Bind(6, now_ms);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Status WitnessStore::SetState(std::string_view peer, std::string_view status,
                              std::string_view problem, std::int64_t now_ms) {
  // Debian's SQLCipher predates UPSERT: read the current state, then replace it.
  std::string new_status(status);
  std::string new_problem(problem);
  {
    KP_ASSIGN_OR_RETURN(store::Statement q,
                        db_.Prepare("SELECT status, problem FROM witness_state WHERE peer = ?"));
    q.Bind(1, peer);
    KP_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row && q.ColumnText(0) == "fork") {  // a fork stays until an operator clears it
      new_status = "fork";
      new_problem = q.ColumnText(1);
    }
  }
  KP_ASSIGN_OR_RETURN(store::Statement s,
                      db_.Prepare("INSERT OR REPLACE INTO witness_state(peer, status, problem, "
                                  "checked_ms) VALUES(?, ?, ?, ?)"));
  s.Bind(1, peer).Bind(2, new_status).Bind(3, new_problem).Bind(4, now_ms);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Result<std::string> WitnessStore::ClearFork(std::string_view peer, std::string_view reason,
                                            std::int64_t now_ms) {
  std::string problem;
  {
    KP_ASSIGN_OR_RETURN(store::Statement q,
                        db_.Prepare("SELECT status, problem FROM witness_state WHERE peer = ?"));
    q.Bind(1, peer);
    KP_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row || q.ColumnText(0) != "fork") {
      return NotFound("no_fork", "peer '" + std::string(peer) + "' has no fork to clear", "--peer");
    }
    problem = q.ColumnText(1);
  }
  const std::string archive = std::string(peer) + "#fork-cleared-" + FormatTime(now_ms);
  KP_ASSIGN_OR_RETURN(store::Statement heads,
                      db_.Prepare("UPDATE witnessed_heads SET peer = ? WHERE peer = ?"));
  heads.Bind(1, archive).Bind(2, peer);
  KP_RETURN_IF_ERROR(heads.Step());
  KP_ASSIGN_OR_RETURN(store::Statement state,
                      db_.Prepare("UPDATE witness_state SET peer = ?, status = 'cleared', "
                                  "problem = ?, checked_ms = ? WHERE peer = ?"));
  state.Bind(1, archive)
      .Bind(2, problem + "; cleared: " + std::string(reason))
      .Bind(3, now_ms)
      .Bind(4, peer);
  KP_RETURN_IF_ERROR(state.Step());
  return archive;
}

Result<std::vector<WitnessState>> WitnessStore::All() {
  KP_ASSIGN_OR_RETURN(store::Statement q,
                      db_.Prepare("SELECT peer, status, problem, checked_ms FROM witness_state "
                                  "ORDER BY peer"));
  std::vector<WitnessState> out;
  for (;;) {
    KP_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row)
      break;
    WitnessState w{q.ColumnText(0), q.ColumnText(1), q.ColumnText(2), q.ColumnInt64(3), {}};
    out.push_back(std::move(w));
  }
  for (WitnessState& w : out) {
    KP_ASSIGN_OR_RETURN(w.latest, Latest(w.peer));
  }
  return out;
}

}  // namespace ketenpoort::audit
