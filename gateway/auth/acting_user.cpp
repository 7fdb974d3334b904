#include "gateway/auth/acting_user.h"

#include <string>
#include <utility>

namespace ketenpoort::auth {

Result<Principal> ActAs(Principal principal, std::optional<std::string_view> header) {
  if (principal.role != Role::kWorkspace) {
    if (!header)
      return principal;
    Error e = PermissionDenied("acting_user_not_allowed",
                               "only a workspace token may name the person acting; role '" +
                                   std::string(RoleName(principal.role)) + "' may not");
    e.field = std::string(kActingUserHeader);
    return e;
  }
  if (!header) {
    return InvalidArgument("acting_user_required",
                           "a workspace token must name the person acting in this header",
                           std::string(kActingUserHeader));
  }
  if (!IsValidUsername(*header)) {
    return InvalidArgument("invalid_acting_user",
                           "must be a username: 1 to 64 of a-z, 0-9, '.', '_' and '-'",
                           std::string(kActingUserHeader));
  }
  principal.user = std::string(*header);
  return principal;
}

}  // namespace ketenpoort::auth
