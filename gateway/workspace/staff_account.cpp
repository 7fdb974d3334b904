#include "gateway/workspace/staff_account.h"

#include <algorithm>
#include <array>

#include "gateway/core/role.h"

namespace ketenpoort::workspace {

namespace {

constexpr std::array<StaffRole, 4> kAllRoles = {StaffRole::kCoordinator, StaffRole::kCaseworker,
                                                StaffRole::kAuditor, StaffRole::kAdmin};

}  // namespace

std::string_view StaffRoleName(StaffRole role) {
  switch (role) {
    case StaffRole::kCoordinator:
      return "coordinator";
    case StaffRole::kCaseworker:
      return "caseworker";
    case StaffRole::kAuditor:
      return "auditor";
    case StaffRole::kAdmin:
      return "admin";
  }
  return "unknown";
}

Result<std::vector<StaffRole>> ParseStaffRoles(std::string_view text) {
  std::vector<StaffRole> roles;
  if (text.empty())
    return InvalidArgument("roles_required", "name at least one role", "roles");
  while (true) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    auto known = std::find_if(kAllRoles.begin(), kAllRoles.end(),
                              [&](StaffRole r) { return StaffRoleName(r) == item; });
    if (known == kAllRoles.end()) {
      return InvalidArgument(
          "unknown_role",
          "unknown role '" + std::string(item) + "' (coordinator, caseworker, auditor, admin)",
          "roles");
    }
    if (std::find(roles.begin(), roles.end(), *known) == roles.end())
      roles.push_back(*known);
    if (comma == std::string_view::npos)
      break;
    text.remove_prefix(comma + 1);
  }
  std::sort(roles.begin(), roles.end());
  return roles;
}

std::string StaffRolesText(const std::vector<StaffRole>& roles) {
  std::string out;
  for (StaffRole r : roles) {
    if (!out.empty())
      out += ',';
    out += StaffRoleName(r);
  }
  return out;
}

bool IsValidUsername(std::string_view username) {
  // One rule for both: the gateway accepts as the person acting what a staff account may be.
  return ketenpoort::IsValidUsername(username);
}

bool IsValidDisplayName(std::string_view name) {
  if (name.empty() || name.size() > 200)
    return false;
  // Control characters (C0 and DEL) only; the rest of UTF-8 is a person's name.
  return std::none_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace ketenpoort::workspace
