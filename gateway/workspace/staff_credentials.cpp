#include "gateway/workspace/staff_credentials.h"

#include "gateway/core/bytes.h"
#include "gateway/crypto/totp.h"
#include "gateway/workspace/staff_repository.h"

namespace ketenpoort::workspace {

namespace {

// A new password and TOTP secret: the credentials to hand out and the hash to keep.
struct Fresh {
  IssuedCredentials issued;
  std::string hash;
  Bytes secret;
};

Result<Fresh> MakeCredentials(std::string_view username, const crypto::PasswordCost& cost) {
  Fresh f;
  f.issued.username = std::string(username);
  f.issued.password = crypto::NewPassword();
  KP_ASSIGN_OR_RETURN(f.hash, crypto::HashPassword(f.issued.password, cost));
  f.secret = crypto::NewTotpSecret();
  f.issued.totp_secret = crypto::TotpSecretBase32(f.secret);
  f.issued.otpauth_uri = crypto::OtpAuthUri(kTotpIssuer, username, f.secret);
  return f;
}

}  // namespace

Result<IssuedCredentials> AddStaff(store::Database& db, const NewStaff& staff,
                                   const crypto::PasswordCost& cost, std::int64_t now_ms) {
  if (!IsValidUsername(staff.username)) {
    return InvalidArgument("invalid_username",
                           "a username is 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with "
                           "a letter or digit",
                           "username");
  }
  if (!IsValidDisplayName(staff.display_name)) {
    return InvalidArgument("invalid_display_name",
                           "a display name is 1 to 200 bytes without control characters",
                           "display_name");
  }
  if (staff.roles.empty())
    return InvalidArgument("roles_required", "name at least one role", "roles");
  KP_ASSIGN_OR_RETURN(Fresh f, MakeCredentials(staff.username, cost));
  StaffAccount a;
  a.org = staff.org;
  a.username = staff.username;
  a.display_name = staff.display_name;
  a.roles = staff.roles;
  a.password_hash = f.hash;
  a.totp_secret = f.secret;
  a.created_ms = now_ms;
  KP_ASSIGN_OR_RETURN(std::int64_t id, StaffRepository(db).Insert(a));
  (void)id;
  return f.issued;
}

Result<IssuedCredentials> ResetStaff(store::Database& db, std::string_view username,
                                     const crypto::PasswordCost& cost) {
  KP_ASSIGN_OR_RETURN(Fresh f, MakeCredentials(username, cost));
  KP_ASSIGN_OR_RETURN(bool found,
                      StaffRepository(db).ReplaceCredentials(username, f.hash, f.secret));
  if (!found)
    return NotFound("staff_not_found",
                    "no account has the username '" + std::string(username) + "'", "username");
  return f.issued;
}

}  // namespace ketenpoort::workspace
