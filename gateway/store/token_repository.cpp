#include "gateway/store/token_repository.h"

#include "gateway/core/role.h"

namespace ketenpoort::store {

Result<std::int64_t> TokenRepository::Insert(const crypto::Digest& token_hash, std::string_view org,
                                             std::string_view role, std::string_view user,
                                             std::int64_t now, const PeerBinding& peer) {
  if (org.empty()) {
    return InvalidArgument("org_required", "a token must belong to an organisation", "org");
  }
  if (!ParseRole(role)) {
    return InvalidArgument("unknown_role", "the role is not one of the known roles", "role");
  }
  KP_ASSIGN_OR_RETURN(
      Statement insert,
      db_.Prepare("INSERT INTO api_tokens(token_hash, org, role, user, created_at, "
                  "peer_gateway_url, peer_cert_sha256) VALUES(?, ?, ?, ?, ?, ?, ?)"));
  insert.BindBlob(1, token_hash).Bind(2, org).Bind(3, role).Bind(4, user).Bind(5, now);
  insert.Bind(6, peer.gateway_url).Bind(7, peer.cert_sha256);
  KP_RETURN_IF_ERROR(insert.Step());
  return db_.LastInsertRowId();
}

Result<std::optional<TokenRecord>> TokenRepository::FindActiveByHash(
    const crypto::Digest& token_hash) {
  KP_ASSIGN_OR_RETURN(
      StatementLease select_lease,
      db_.PrepareCached("SELECT id, org, role, user, created_at, revoked_at, peer_gateway_url, "
                        "peer_cert_sha256 FROM api_tokens "
                        "WHERE token_hash = ? AND revoked_at IS NULL"));
  Statement& select = *select_lease;
  select.BindBlob(1, token_hash);
  KP_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) {
    return std::optional<TokenRecord>();
  }
  TokenRecord record;
  record.id = select.ColumnInt64(0);
  record.org = select.ColumnText(1);
  record.role = select.ColumnText(2);
  record.user = select.ColumnText(3);
  record.created_at = select.ColumnInt64(4);
  if (!select.IsNull(5)) {
    record.revoked_at = select.ColumnInt64(5);
  }
  record.peer.gateway_url = select.ColumnText(6);
  record.peer.cert_sha256 = select.ColumnText(7);
  return std::optional<TokenRecord>(std::move(record));
}

Result<int> TokenRepository::BindUnboundPeerTokens(std::string_view org, const PeerBinding& peer) {
  KP_ASSIGN_OR_RETURN(
      Statement update,
      db_.Prepare("UPDATE api_tokens SET peer_gateway_url = ?, peer_cert_sha256 = ? "
                  "WHERE org = ? AND role = 'peer' AND revoked_at IS NULL "
                  "AND peer_gateway_url = '' AND peer_cert_sha256 = ''"));
  update.Bind(1, peer.gateway_url).Bind(2, peer.cert_sha256).Bind(3, org);
  KP_RETURN_IF_ERROR(update.Step());
  return static_cast<int>(db_.Changes());
}

Status TokenRepository::Revoke(std::int64_t id, std::int64_t now) {
  KP_ASSIGN_OR_RETURN(Statement update, db_.Prepare("UPDATE api_tokens SET revoked_at = ? "
                                                    "WHERE id = ? AND revoked_at IS NULL"));
  update.Bind(1, now).Bind(2, id);
  KP_RETURN_IF_ERROR(update.Step());
  if (db_.Changes() > 0) {
    return Ok();
  }
  KP_ASSIGN_OR_RETURN(Statement exists, db_.Prepare("SELECT 1 FROM api_tokens WHERE id = ?"));
  exists.Bind(1, id);
  KP_ASSIGN_OR_RETURN(bool found, exists.Step());
  if (!found) {
    return NotFound("token_not_found", "there is no API token with id " + std::to_string(id));
  }
  return Ok();  // already revoked
}

}  // namespace ketenpoort::store
