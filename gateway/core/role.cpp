#include "gateway/core/role.h"

#include <array>
#include <utility>

namespace ketenpoort {

namespace {
constexpr std::array<std::pair<Role, std::string_view>, 6> kNames{{
    {Role::kSender, "sender"},
    {Role::kRecipient, "recipient"},
    {Role::kCoordinator, "coordinator"},
    {Role::kAuditor, "auditor"},
    {Role::kAdmin, "admin"},
    {Role::kPeer, "peer"},
}};
}  // namespace

std::optional<Role> ParseRole(std::string_view name) {
  for (const auto& [role, n] : kNames) {
    if (n == name)
      return role;
  }
  return std::nullopt;
}

std::string_view RoleName(Role role) {
  for (const auto& [r, n] : kNames) {
    if (r == role)
      return n;
  }
  return "unknown";
}

bool HasRole(Role held, Role needed) {
  if (held == needed)
    return true;
  if (held == Role::kCoordinator)
    return needed == Role::kSender || needed == Role::kRecipient;
  return false;
}

}  // namespace ketenpoort
