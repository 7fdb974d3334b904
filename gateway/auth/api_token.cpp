#include "gateway/auth/api_token.h"

#include <ctime>

#include "gateway/audit/audit_log.h"
#include "gateway/auth/peer_binding.h"
#include "gateway/crypto/random.h"
#include "gateway/store/database.h"
#include "gateway/store/token_repository.h"

namespace ketenpoort::auth {

namespace {
constexpr std::string_view kPrefix = "kpt_";
constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kMaxTokenLength = 128;
constexpr std::string_view kIssuer = "ketenpoort-cli";  // the audit entry's acting user
}  // namespace

crypto::Digest HashApiToken(std::string_view token) {
  return crypto::Sha256(AsBytes(token));
}

namespace {

Result<std::string> Issue(store::Database& db, std::string_view org, Role role,
                          std::string_view user, const PeerBinding& peer) {
  std::string token = std::string(kPrefix) + crypto::RandomToken(kTokenBytes);
  const std::int64_t now_ms = audit::NowMs();
  KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
  store::TokenRepository tokens(db);
  KP_ASSIGN_OR_RETURN(std::int64_t id, tokens.Insert(HashApiToken(token), org, RoleName(role), user,
                                                     now_ms / 1000, peer));
  audit::AuditEntry entry;
  entry.time_ms = now_ms;
  entry.event = std::string(audit::event::kTokenIssue);
  entry.user = std::string(kIssuer);
  entry.organisation = std::string(org);
  entry.role = std::string(RoleName(role));
  entry.action = std::string(audit::action::kCreate);
  entry.object = "api_token:" + std::to_string(id);
  entry.outcome = std::string(audit::kOutcomeSuccess);
  KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, std::move(entry)));
  KP_RETURN_IF_ERROR(tx.Commit());
  return token;
}

}  // namespace

Result<std::string> IssueApiToken(store::Database& db, std::string_view org, Role role,
                                  std::string_view user) {
  if (role == Role::kPeer) {
    return InvalidArgument("peer_binding_required",
                           "a peer token must be bound to its gateway and certificate", "role");
  }
  return Issue(db, org, role, user, {});
}

Result<std::string> IssuePeerToken(store::Database& db, std::string_view gateway_id,
                                   const PeerBinding& binding, std::string_view user) {
  KP_RETURN_IF_ERROR(ValidatePeerBinding(binding));
  return Issue(db, gateway_id, Role::kPeer, user, binding);
}

Result<std::string> IssuePeerInvite(store::Database& db, std::string_view gateway_id,
                                    std::string_view user) {
  return Issue(db, gateway_id, Role::kPeer, user, {});
}

Result<int> BindPeerInvites(store::Database& db, std::string_view gateway_id,
                            const PeerBinding& binding) {
  KP_RETURN_IF_ERROR(ValidatePeerBinding(binding));
  KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
  KP_ASSIGN_OR_RETURN(int bound,
                      store::TokenRepository(db).BindUnboundPeerTokens(gateway_id, binding));
  if (bound > 0) {
    audit::AuditEntry entry;
    entry.time_ms = audit::NowMs();
    entry.event = std::string(audit::event::kConfigChange);
    entry.user = std::string(kIssuer);
    entry.organisation = std::string(gateway_id);
    entry.role = std::string(RoleName(Role::kPeer));
    entry.action = std::string(audit::action::kUpdate);
    entry.object = "peer:" + std::string(gateway_id);
    entry.outcome = std::string(audit::kOutcomeSuccess);
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, std::move(entry)));
  }
  KP_RETURN_IF_ERROR(tx.Commit());
  return bound;
}

Result<Principal> AuthenticateApiToken(store::Database& db, std::string_view token) {
  const Error bad = Unauthenticated("the API token is not valid");
  if (token.size() > kMaxTokenLength || token.substr(0, kPrefix.size()) != kPrefix)
    return bad;
  store::TokenRepository tokens(db);
  KP_ASSIGN_OR_RETURN(auto record, tokens.FindActiveByHash(HashApiToken(token)));
  if (!record)
    return bad;
  auto role = ParseRole(record->role);
  if (!role)
    return Internal("invalid_token_record", "a stored token has an unknown role");
  return Principal{.token_id = record->id,
                   .org = record->org,
                   .role = *role,
                   .user = record->user,
                   .peer = record->peer};
}

}  // namespace ketenpoort::auth
