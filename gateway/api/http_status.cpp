#include "gateway/api/http_status.h"

namespace ketenpoort::api {

int HttpStatus(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument:
      return 400;
    case ErrorKind::kUnauthenticated:
      return 401;
    case ErrorKind::kPermissionDenied:
      return 403;
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kConflict:
      return 409;
    case ErrorKind::kGone:
      return 410;
    case ErrorKind::kTooLarge:
      return 413;
    case ErrorKind::kRefused:
      return 422;
    case ErrorKind::kRateLimited:
      return 429;
    case ErrorKind::kUnavailable:
      return 503;
    case ErrorKind::kInternal:
      return 500;
  }
  return 500;
}

}  // namespace ketenpoort::api
