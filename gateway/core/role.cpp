#include "gateway/core/role.h"

#include <algorithm>
#include <array>
#include <utility>

namespace ketenpoort {

namespace {
constexpr std::array<std::pair<Role, std::string_view>, 7> kNames{{
    {Role::kSender, "sender"},
    {Role::kRecipient, "recipient"},
    {Role::kCoordinator, "coordinator"},
    {Role::kAuditor, "auditor"},
    {Role::kAdmin, "admin"},
    {Role::kPeer, "peer"},
    {Role::kWorkspace, "workspace"},
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
  if (held == Role::kWorkspace) {
    return needed == Role::kSender || needed == Role::kRecipient || needed == Role::kCoordinator ||
           needed == Role::kAuditor;
  }
  return false;
}

bool IsValidUsername(std::string_view username) {
  if (username.empty() || username.size() > 64)
    return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(username[0]))
    return false;
  return std::all_of(username.begin(), username.end(),
                     [&](char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; });
}

}  // namespace ketenpoort
