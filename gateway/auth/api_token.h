// API tokens: issue, and turn a presented bearer token into a Principal.
//
//   // (compiled in examples_test.cpp)
//   auto token = IssueApiToken(db, "shop-denhaag", Role::kSender, "a.dekker");   // "kpt_..."
//   auto who = AuthenticateApiToken(db, *token);  // Principal{org="shop-denhaag", role=kSender}
//   auto peer = IssuePeerToken(db, "gw-b", {.gateway_url = "https://gw-b.example.org:8443",
//                                           .cert_sha256 = gw_b_cert.Sha256Fingerprint()});
//   // AuthenticateApiToken(db, *peer)->peer: that binding (peer_binding.h checks it)
//
// A token is "kpt_" followed by 256 random bits in base64url. The prefix lets secret scanners
// recognise a leaked token. Only SHA-256 of the whole token is stored: with 256 bits of entropy
// a salt or a slow hash adds nothing, and a fast hash keeps every request cheap. The token
// itself is shown once, to whoever issued it, and never logged.
#pragma once

#include <string>
#include <string_view>

#include "gateway/core/error.h"
#include "gateway/core/role.h"
#include "gateway/crypto/hash.h"

namespace ketenpoort::store {
class Database;
}

namespace ketenpoort::auth {

// The stored form of a token.
crypto::Digest HashApiToken(std::string_view token);

// Creates a token for `org` with `role` acting as `user` (may be empty), stores its hash and
// returns the token. The caller checks that `org` exists. In one transaction of its own (none
// may be open on `db`) it also appends a `token_issue` audit entry: user "ketenpoort-cli",
// organisation `org`, role, action C, object "api_token:ID"; never the token or its hash.
// Role peer is refused (kInvalidArgument `peer_binding_required`): use IssuePeerToken.
Result<std::string> IssueApiToken(store::Database& db, std::string_view org, Role role,
                                  std::string_view user);

// As IssueApiToken with role peer for the gateway `gateway_id` (its gateway.json gateway.id),
// bound to `binding`; ValidatePeerBinding's errors (peer_binding.h) before anything is stored.
Result<std::string> IssuePeerToken(store::Database& db, std::string_view gateway_id,
                                   const PeerBinding& binding, std::string_view user = {});

// A peer token for gateway `gateway_id` that is not bound yet, for `ketenpoort peer invite`: it
// opens nothing (CheckPeerCertificate refuses it, peer_token_unbound) until BindPeerInvites
// binds it, when the invited gateway's own bundle is joined here. Audited as IssueApiToken.
Result<std::string> IssuePeerInvite(store::Database& db, std::string_view gateway_id,
                                    std::string_view user = {});

// Binds the unbound peer tokens of `gateway_id` (its invitations) to `binding` (validated first,
// ValidatePeerBinding); the number bound. In one transaction of its own with a `config_change`
// audit entry (object "peer:GATEWAY_ID") when any was bound.
Result<int> BindPeerInvites(store::Database& db, std::string_view gateway_id,
                            const PeerBinding& binding);

// The principal of an active token, with its peer binding; kUnauthenticated for an unknown,
// revoked or malformed token (one message for all three, so a caller learns nothing about
// which).
Result<Principal> AuthenticateApiToken(store::Database& db, std::string_view token);

}  // namespace ketenpoort::auth
