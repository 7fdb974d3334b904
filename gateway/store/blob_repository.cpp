#include "gateway/store/blob_repository.h"

#include "gateway/store/periodic_queries.h"

namespace ketenpoort::store {

namespace {

Result<std::vector<std::string>> ReadIds(Statement& s) {
  return ReadRows(s, [](const Statement& row) { return row.ColumnText(0); });
}

}  // namespace

Status BlobRepository::Insert(const BlobRecord& b) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("INSERT INTO blobs(id, org, size, created_ms, message_id) "
                                  "VALUES(?, ?, ?, ?, ?)"));
  s.Bind(1, b.id).Bind(2, b.org).Bind(3, b.size).Bind(4, b.created_ms);
  if (b.message_id)
    s.Bind(5, *b.message_id);
  else
    s.BindNull(5);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Result<std::optional<BlobRecord>> BlobRepository::Find(std::string_view id) {
  KP_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("SELECT id, org, size, created_ms, message_id FROM blobs WHERE id = ?"));
  s.Bind(1, id);
  KP_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row)
    return std::optional<BlobRecord>();
  BlobRecord b;
  b.id = s.ColumnText(0);
  b.org = s.ColumnText(1);
  b.size = s.ColumnInt64(2);
  b.created_ms = s.ColumnInt64(3);
  if (!s.IsNull(4))
    b.message_id = s.ColumnText(4);
  return std::optional<BlobRecord>(std::move(b));
}

Result<bool> BlobRepository::Claim(std::string_view id, std::string_view org,
                                   std::string_view message_id) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("UPDATE blobs SET message_id = ? "
                                               "WHERE id = ? AND org = ? AND message_id IS NULL"));
  s.Bind(1, message_id).Bind(2, id).Bind(3, org);
  KP_RETURN_IF_ERROR(s.Step());
  return db_.Changes() == 1;
}

Result<std::vector<std::string>> BlobRepository::OfMessage(std::string_view message_id) {
  KP_ASSIGN_OR_RETURN(Statement s,
                      db_.Prepare("SELECT id FROM blobs WHERE message_id = ? ORDER BY id"));
  s.Bind(1, message_id);
  return ReadIds(s);
}

Result<std::vector<std::string>> BlobRepository::Disposable(std::int64_t unclaimed_before_ms,
                                                            int limit) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare(sql::kBlobsDisposable));
  s.Bind(1, unclaimed_before_ms).Bind(2, std::int64_t{limit});
  return ReadIds(s);
}

Status BlobRepository::Delete(std::string_view id) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("DELETE FROM blobs WHERE id = ?"));
  s.Bind(1, id);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Result<std::set<std::string>> BlobRepository::AllIds() {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("SELECT id FROM blobs"));
  KP_ASSIGN_OR_RETURN(std::vector<std::string> ids, ReadIds(s));
  return std::set<std::string>(ids.begin(), ids.end());
}

}  // namespace ketenpoort::store
