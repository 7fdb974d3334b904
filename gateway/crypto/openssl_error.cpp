#include "gateway/crypto/openssl_error.h"

#include <openssl/err.h>

#include <utility>

namespace ketenpoort::crypto {

std::string OpenSslReason() {
  unsigned long e = ERR_peek_last_error();
  if (e == 0)
    return {};
  const char* reason = ERR_reason_error_string(e);
  return reason != nullptr ? reason : "unknown reason";
}

void ClearOpenSslErrors() {
  ERR_clear_error();
}

Error LastOpenSslError(std::string code, std::string message) {
  std::string reason = OpenSslReason();
  ClearOpenSslErrors();
  if (!reason.empty())
    message += " (" + reason + ")";
  return Internal(std::move(code), std::move(message));
}

Error DropOpenSslErrors(Error error) {
  ClearOpenSslErrors();
  return error;
}

}  // namespace ketenpoort::crypto
