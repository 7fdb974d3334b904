// Roles an API token can carry (docs/API.md, roles), and the principal a request
// acts as once its token is checked.
//
//   auto r = ParseRole("coordinator");          // Role::kCoordinator
//   HasRole(Role::kCoordinator, Role::kSender)  // true: coordinator = sender + recipient
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

// Who a request acts as: the organisation and role of its token, and the user it names.
struct Principal {
  std::int64_t token_id = 0;
  std::string org;
  Role role = Role::kSender;
  std::string user;  // may be empty: a system client
};

}  // namespace ketenpoort
