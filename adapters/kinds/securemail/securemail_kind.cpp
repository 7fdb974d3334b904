#include "adapters/kinds/securemail/securemail_kind.h"

namespace ketenpoort::kinds {

namespace {

KindSpec Spec() {
  KindSpec s;
  s.name = "securemail";
  s.summary = "secure mail to anyone with an e-mail address, read in the gateway's portal";
  s.audience = KindAudience::kEmailAddresses;
  s.payload = std::nullopt;  // the signed document of gateway/securemail/securemail_document.h
  s.retention_days = 365;
  return s;
}

}  // namespace

const MessageKind& SecureMailKind() {
  static const MessageKind kind(Spec());
  return kind;
}

}  // namespace ketenpoort::kinds
