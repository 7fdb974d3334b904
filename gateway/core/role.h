// Roles an API token can carry (docs/API.md, roles), and the principal a request
// acts as once its token is checked.
//
//   // (compiled in examples_test.cpp)
//   auto r = ParseRole("coordinator");          // Role::kCoordinator
//   HasRole(Role::kCoordinator, Role::kSender)  // true: coordinator = sender + recipient
//
// A token of role peer belongs to another gateway (its `org` is that gateway's id) and is bound
// to it (auth/peer_binding.h): principal.peer names the gateway's URL, as directory.json's
// "gateway" does, and the fingerprint of the TLS client certificate it must connect with.
//
//   Principal{.token_id = 7, .org = "gw-b", .role = Role::kPeer,
//             .peer = {.gateway_url = "https://gw-b.example.org:8443",
//                      .cert_sha256 = "3F:A1:...:09"}}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ketenpoort {

enum class Role { kSender, kRecipient, kCoordinator, kAuditor, kAdmin, kPeer };

std::optional<Role> ParseRole(std::string_view name);
std::string_view RoleName(Role role);

// True when a token with role `held` may act in role `needed`. A coordinator is both sender
// and recipient; a peer gateway delivers into (and so acts as sender towards) this gateway.
bool HasRole(Role held, Role needed);

// What a peer token is bound to. Both empty for every other role, and for a peer token issued
// before tokens were bound (which is then refused: auth/peer_binding.h).
struct PeerBinding {
  std::string gateway_url{};  // the peer gateway's base URL, as directory.json names it
  std::string cert_sha256{};  // its TLS client certificate, as Certificate::Sha256Fingerprint()

  bool empty() const { return gateway_url.empty() && cert_sha256.empty(); }
  bool operator==(const PeerBinding&) const = default;
};

// Who a request acts as: the organisation and role of its token, and the user it names.
// Every member has an initialiser, so designated initialisers may leave any out (-Wextra).
struct Principal {
  std::int64_t token_id = 0;
  std::string org{};
  Role role = Role::kSender;
  std::string user{};  // may be empty: a system client
  PeerBinding peer{};  // role peer only
};

}  // namespace ketenpoort
