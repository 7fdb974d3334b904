// Roles an API token can carry (docs/API.md, roles), and the principal a request
// acts as once its token is checked.
//
//   // (compiled in examples_test.cpp)
//   auto r = ParseRole("coordinator");          // Role::kCoordinator
//   HasRole(Role::kCoordinator, Role::kSender)  // true: coordinator = sender + recipient
//   HasRole(Role::kWorkspace, Role::kAuditor)   // true: workspace = coordinator + auditor
//   IsValidUsername("j.devries")                // true; "J de Vries" is not
//
// A token of role workspace belongs to a workspace process (gateway/workspace) that acts for
// the person logged in to it: every request it makes names that person (auth/acting_user.h),
// and principal.user is then that person's username.
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

enum class Role { kSender, kRecipient, kCoordinator, kAuditor, kAdmin, kPeer, kWorkspace };

std::optional<Role> ParseRole(std::string_view name);
std::string_view RoleName(Role role);

// True when a token with role `held` may act in role `needed`. A coordinator is both sender
// and recipient; a workspace is a coordinator and an auditor (its staff do both kinds of work,
// and each request names the person doing it). A peer gateway's token is a role of its own.
bool HasRole(Role held, Role needed);

// A person's username as the workspace's staff accounts have them (and as a workspace names
// the person acting): 1 to 64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter
// or digit. Safe to write to the audit trail and to log lines as it is.
bool IsValidUsername(std::string_view username);

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
  std::string user{};  // may be empty: a system client; role workspace: the person acting
  PeerBinding peer{};  // role peer only
};

}  // namespace ketenpoort
