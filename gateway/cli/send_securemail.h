// `ketenpoort send --kind securemail`: secure mail to e-mail addresses from the command line.
//
//   $ ketenpoort send --config d/gateway.json --as shop-denhaag --kind securemail
//       --to a@example.org,b@example.org --payload body.txt --attach agenda.pdf
//       [--verify email_code|access_code|sms] [--access-code-file F] [--phone +31...]
//       [--subject S] [--show-subject] [--lang nl|en] [--deadline T] [--expires T]
//   recipient a@example.org
//   recipient b@example.org
//   m-0f3a...                                  <- always the last line
//
// The payload file is the message text (UTF-8); each --attach file goes along with its base
// name and a type from its extension. The document {"body","attachments":[{"name","type",
// "data"}]} is signed with the organisation's key and sealed to the `portal` organisation's
// directory certificate and the sender's own; the gateway's portal opens it for recipients who
// pass the verification (default email_code). The access code is read from a file, never from
// the command line (ps would show it). Exit codes as `send`.
#pragma once

#include "gateway/cli/flags.h"

namespace ketenpoort::cli {

// The flags `send` must declare for secure mail.
std::vector<Flag> SecureMailSendFlags();

int RunSendSecureMail(const ParsedFlags& flags);

}  // namespace ketenpoort::cli
