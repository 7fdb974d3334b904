// The person a request acts for: a workspace token (role workspace) names, on every request, the
// member of staff logged in to the workspace, so that the audit trail (NEN 7513) names a natural
// person and not only the organisation. No other token may name anyone.
//
//   // (compiled in examples_test.cpp)
//   Principal workspace{.token_id = 3, .org = "comensha", .role = Role::kWorkspace};
//   auto who = ActAs(workspace, "j.devries");   // Principal{..., .user = "j.devries"}
//   ActAs(workspace, std::nullopt)              // kInvalidArgument acting_user_required
//   ActAs(workspace, "J de Vries")              // kInvalidArgument invalid_acting_user
//   ActAs(Principal{.role = Role::kCoordinator}, "j.devries")  // kPermissionDenied
//
// Contract, for `header` the value of the request header Ketenpoort-Acting-User (nullopt when
// the request has none):
//   - role workspace and a username (core/role.h IsValidUsername): the principal with `user`
//     set to it; whatever user the token was issued with is replaced.
//   - role workspace without the header: 400 `acting_user_required`; with a value that is not a
//     username (empty, too long, two values joined by the HTTP layer): 400 `invalid_acting_user`.
//   - any other role with the header, even an empty one: 403 `acting_user_not_allowed`, so a
//     token cannot claim a person it was not issued for (a token issued with `--user` keeps its
//     own user; one without stays a system client).
//   - without the header, any other role: the principal unchanged.
// Every error names the header as its field and never repeats the header's value or the token.
// Applied per request after the token is known (from the database or auth/token_cache.h): the
// principal a TokenCache remembers is the token's own, never the person of one request.
#pragma once

#include <optional>
#include <string_view>

#include "gateway/core/error.h"
#include "gateway/core/role.h"

namespace ketenpoort::auth {

inline constexpr std::string_view kActingUserHeader = "Ketenpoort-Acting-User";

Result<Principal> ActAs(Principal principal, std::optional<std::string_view> header);

}  // namespace ketenpoort::auth
