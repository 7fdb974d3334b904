// API tokens at rest (table api_tokens, migration 1; a peer token's binding, migration 12). A
// token is 256 random bits handed to its holder once; the gateway stores only its SHA-256.
//
//   // (compiled in examples_test.cpp)
//   TokenRepository tokens(db);
//   KP_ASSIGN_OR_RETURN(std::int64_t id, tokens.Insert(Sha256(AsBytes(token)), "shop-denhaag",
//                                                      "sender", "j.jansen", now));
//   KP_ASSIGN_OR_RETURN(auto record, tokens.FindActiveByHash(Sha256(AsBytes(presented))));
//   if (!record) return Unauthenticated("the API token is not valid");
//   tokens.Insert(hash, "gw-b", "peer", "", now,
//                 {.gateway_url = "https://gw-b.example.org:8443", .cert_sha256 = "3F:A1:..."});
//
// Why an unsalted hash: salts and slow hashes protect low-entropy secrets (passwords) against
// dictionary and precomputation attacks. A 256-bit random token has no dictionary; a stolen
// table of SHA-256 values is as hard to invert as guessing the token itself, and an unsalted
// hash lets lookup be a single indexed equality, so presenting a token costs one query. The
// lookup's timing can reveal at most something about a hash, never about a valid token.
//
// Not thread-safe beyond the Database's own contract; construct one per use, it is cheap.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/error.h"
#include "gateway/core/role.h"
#include "gateway/crypto/hash.h"
#include "gateway/store/database.h"

namespace ketenpoort::store {

struct TokenRecord {
  std::int64_t id = 0;
  std::string org;
  std::string role;             // a RoleName() from gateway/core/role.h
  std::string user;             // empty for a system client
  std::int64_t created_at = 0;  // Unix seconds
  std::optional<std::int64_t> revoked_at;
  PeerBinding peer;  // role peer: the gateway and certificate it is bound to; else empty
};

class TokenRepository {
 public:
  explicit TokenRepository(Database& db) : db_(db) {}

  // Stores a new token's hash with the binding of a peer token (empty for other roles); returns
  // its id. Errors: kInvalidArgument `org_required` (field "org"), `unknown_role` (field
  // "role"); the same hash twice: kConflict `constraint_violation`. Whether a binding is
  // complete is auth's business (auth/peer_binding.h), not the store's.
  Result<std::int64_t> Insert(const crypto::Digest& token_hash, std::string_view org,
                              std::string_view role, std::string_view user, std::int64_t now,
                              const PeerBinding& peer = {});

  // The token with this hash unless it is revoked; nullopt when there is none.
  Result<std::optional<TokenRecord>> FindActiveByHash(const crypto::Digest& token_hash);

  // Binds every active peer token of gateway `org` that is not bound yet (issued by `peer
  // invite`, or before tokens were bound) to `peer`; the number bound.
  Result<int> BindUnboundPeerTokens(std::string_view org, const PeerBinding& peer);

  // Marks the token revoked at `now`. Revoking a revoked token is Ok and keeps the first
  // time. Unknown id: kNotFound `token_not_found`.
  Status Revoke(std::int64_t id, std::int64_t now);

 private:
  Database& db_;
};

}  // namespace ketenpoort::store
