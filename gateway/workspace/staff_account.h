// A member of staff who logs in to the workspace: who they are (organisation, username, the
// name shown to them), what they may do (roles), and what proves it is them (an Argon2id
// password hash and a TOTP secret, gateway/crypto), with the state of their lock-out.
//
//   // (compiled in examples_test.cpp)
//   auto roles = ParseStaffRoles("coordinator,auditor");   // {kCoordinator, kAuditor}
//   StaffRolesText(*roles)                                  // "coordinator,auditor"
//   ParseStaffRoles("boss")                                 // kInvalidArgument unknown_role
//   IsValidUsername("j.devries")                            // true; "J de Vries" is not
//
// Contract: a username is 1 to 64 characters of a-z, 0-9, '.', '_' and '-', starting with a
// letter or digit (core/role.h's IsValidUsername: the gateway takes the same names as the person
// a workspace token acts for), unique within a workspace (across its organisations). A display
// name is 1 to 200 bytes of UTF-8 text without control characters. Roles are a non-empty set of
// coordinator, caseworker, auditor and admin, written comma-separated in canonical order
// without repeats. Secrets (password hash, TOTP secret) are never logged or printed, and a
// StaffAccount is never written to a log line (its id is).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"

namespace ketenpoort::workspace {

enum class StaffRole { kCoordinator, kCaseworker, kAuditor, kAdmin };

// "coordinator" | "caseworker" | "auditor" | "admin"
std::string_view StaffRoleName(StaffRole role);

// A comma-separated list; empty items, unknown names and an empty list are errors
// (kInvalidArgument `unknown_role` / `roles_required`, field "roles"). Sorted, without repeats.
Result<std::vector<StaffRole>> ParseStaffRoles(std::string_view text);
std::string StaffRolesText(const std::vector<StaffRole>& roles);

bool IsValidUsername(std::string_view username);
bool IsValidDisplayName(std::string_view name);

struct StaffAccount {
  std::int64_t id = 0;
  std::string org{};
  std::string username{};
  std::string display_name{};
  std::vector<StaffRole> roles{};
  std::string password_hash{};       // crypto::HashPassword's PHC string
  Bytes totp_secret{};               // crypto::NewTotpSecret()
  std::int64_t totp_last_step = 0;   // the latest TOTP step accepted (a code works once)
  std::int64_t failed_attempts = 0;  // wrong logins since the last good one or lock
  std::int64_t locked_until_ms = 0;  // 0 or a time: no login before it
  bool disabled = false;
  std::int64_t created_ms = 0;

  bool LockedAt(std::int64_t now_ms) const { return locked_until_ms > now_ms; }
};

}  // namespace ketenpoort::workspace
