#include "gateway/core/error.h"

namespace ketenpoort {

namespace {
Error Make(ErrorKind kind, std::string code, std::string message, std::string field) {
  return Error{kind, std::move(code), std::move(message), std::move(field)};
}
}  // namespace

Error InvalidArgument(std::string code, std::string message, std::string field) {
  return Make(ErrorKind::kInvalidArgument, std::move(code), std::move(message), std::move(field));
}
Error Unauthenticated(std::string message) {
  return Make(ErrorKind::kUnauthenticated, "unauthenticated", std::move(message), {});
}
Error PermissionDenied(std::string code, std::string message) {
  return Make(ErrorKind::kPermissionDenied, std::move(code), std::move(message), {});
}
Error NotFound(std::string code, std::string message, std::string field) {
  return Make(ErrorKind::kNotFound, std::move(code), std::move(message), std::move(field));
}
Error Conflict(std::string code, std::string message) {
  return Make(ErrorKind::kConflict, std::move(code), std::move(message), {});
}
Error Gone(std::string code, std::string message) {
  return Make(ErrorKind::kGone, std::move(code), std::move(message), {});
}
Error TooLarge(std::string code, std::string message, std::string field) {
  return Make(ErrorKind::kTooLarge, std::move(code), std::move(message), std::move(field));
}
Error Refused(std::string code, std::string message, std::string field) {
  return Make(ErrorKind::kRefused, std::move(code), std::move(message), std::move(field));
}
Error Internal(std::string code, std::string message) {
  return Make(ErrorKind::kInternal, std::move(code), std::move(message), {});
}
Error Unavailable(std::string code, std::string message) {
  return Make(ErrorKind::kUnavailable, std::move(code), std::move(message), {});
}

}  // namespace ketenpoort
