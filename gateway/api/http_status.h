// The HTTP status of each kind of error (gateway/core/error.h), as docs/API.md assigns them:
// the one place where an ErrorKind becomes a status line. Response::FromError
// (api/http_types.h) answers every error with it; nothing below the HTTP layer needs a status.
//
//   // (compiled in examples_test.cpp)
//   HttpStatus(ErrorKind::kInvalidArgument)   // 400
//   HttpStatus(ErrorKind::kRefused)           // 422
//   HttpStatus(InvalidArgument("bad_port", "is not a number", "port").kind)   // 400
//
// invalid_argument 400, unauthenticated 401, permission_denied 403, not_found 404, conflict
// 409, gone 410, too_large 413, refused 422, rate_limited 429, internal 500, unavailable 503.
#pragma once

#include "gateway/core/error.h"

namespace ketenpoort::api {

int HttpStatus(ErrorKind kind);

}  // namespace ketenpoort::api
