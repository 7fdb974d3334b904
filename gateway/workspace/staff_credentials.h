// Making staff accounts and their credentials (`ketenpoort staff add|reset`, `init --demo`): a
// random password hashed with Argon2id and a new TOTP secret, stored in the workspace
// database and handed back once, for the person to receive.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(IssuedCredentials c,
//                       AddStaff(db, {.org = "shop-denhaag", .username = "j.devries",
//                                     .display_name = "Jet de Vries", .roles = roles},
//                                config->password_cost, now_ms));
//   c.password          // "k7hq2-mxv9w-..."  shown once; only its hash is kept
//   c.totp_secret       // base32, for an authenticator app
//   c.otpauth_uri       // otpauth://totp/Ketenpoort%20workspace:j.devries?secret=...
//   KP_ASSIGN_OR_RETURN(IssuedCredentials again, ResetStaff(db, "j.devries", cost));
//
// Contract: AddStaff checks the username and display name (staff_account.h) and that roles
// are not empty (kInvalidArgument, field "username" / "display_name" / "roles"), refuses a
// taken username (kConflict username_taken) and changes nothing then. The organisation is the
// caller's to check against the config. ResetStaff gives the account a new password and TOTP
// secret, unlocks it and ends its sessions (a disabled account stays disabled); no such
// username: kNotFound staff_not_found. The returned secrets are never logged or stored in the
// clear by this module.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/error.h"
#include "gateway/crypto/password_hash.h"
#include "gateway/store/database.h"
#include "gateway/workspace/staff_account.h"

namespace ketenpoort::workspace {

struct NewStaff {
  std::string org{};
  std::string username{};
  std::string display_name{};
  std::vector<StaffRole> roles{};
};

struct IssuedCredentials {
  std::string username{};
  std::string password{};
  std::string totp_secret{};  // base32
  std::string otpauth_uri{};
};

// The issuer authenticator apps show beside the account.
inline constexpr std::string_view kTotpIssuer = "Ketenpoort workspace";

Result<IssuedCredentials> AddStaff(store::Database& db, const NewStaff& staff,
                                   const crypto::PasswordCost& cost, std::int64_t now_ms);

Result<IssuedCredentials> ResetStaff(store::Database& db, std::string_view username,
                                     const crypto::PasswordCost& cost);

}  // namespace ketenpoort::workspace
