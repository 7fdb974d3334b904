// The `securemail` kind: a message to people outside the directory, by e-mail address. The
// sender's organisation seals it for the gateway's portal; the gateway's secure-mail service
// (gateway/securemail/) mails each person a link, checks who they are (e-mail code, access
// code, SMS or an account with an authenticator app) and shows the message in the portal.
// A person's reply comes back as a securemail message to the sender's organisation.
//
//   // (compiled in examples_test.cpp)
//   const MessageKind& k = SecureMailKind();
//   k.spec().audience == KindAudience::kEmailAddresses   // true: recipients are addresses
//   k.spec().payload.has_value()                         // false: a signed document of its own
//
// Header: no routing keys of its own. Payload: the signed secure-mail document
// (gateway/securemail/securemail_document.h), not a JSON schema of this folder.
// Lifecycle: the generic one (the organisation that receives a reply reads and closes it).
// Retention: 365 days; a message also stops being readable in the portal at its expiry.
#pragma once

#include "gateway/core/message_kind.h"

namespace ketenpoort::kinds {

const MessageKind& SecureMailKind();

}  // namespace ketenpoort::kinds
