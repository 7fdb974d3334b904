// The files of an opened secure-mail document (a portal recipient's reply, or any content shaped
// as securemail_document.h describes) written into a folder: inline ones decoded, uploaded ones
// fetched as ciphertext (GET /v1/messages/ID/attachments/AID, streamed to a temporary file),
// decrypted with the organisation's key a piece at a time and checked against the size and
// SHA-256 in the signed document.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(std::vector<std::string> saved,
//                       SaveAttachments(session, "m-0f3a...", content, "replies"));
//   // {"replies/antwoord.txt", ...}
//
// Every file is NEW (mode 0600): an existing name is refused before anything is written. A name
// that could leave the folder ("..", a slash) is refused. A file whose bytes do not match the
// signed document is deleted and its error returned (kRefused "attachment_mismatch").
#pragma once

#include <string>
#include <vector>

#include "gateway/cli/org_session.h"
#include "gateway/core/bytes.h"
#include "gateway/core/error.h"

namespace ketenpoort::cli {

Result<std::vector<std::string>> SaveAttachments(const OrgSession& session,
                                                 const std::string& message_id, ByteView content,
                                                 const std::string& folder);

}  // namespace ketenpoort::cli
