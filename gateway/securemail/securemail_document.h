// The document a secure-mail sender signs and seals to the portal: the body and the
// attachments, each either inline (small) or uploaded apart and streamed (large). Pure: parses
// bytes the keyring already decrypted and checked; no I/O.
//
//   // (compiled in examples_test.cpp)
//   {"body": "Beste partner, ...",
//    "attachments": [
//      {"name": "agenda.txt", "type": "text/plain", "data": "QWdlbmRh..."},       // inline
//      {"name": "scan.pdf", "type": "application/pdf",                            // streamed
//       "attachment_id": "b-0f3c...",  "size": 104857600,  "sha256": "9f86d0...",
//       "envelope": "MIIB..."}]}
//
// A streamed attachment is the answer of POST /v1/attachments (`attachment_id`) to which the
// sender uploaded the ciphertext of a detached AuthEnvelopedData (crypto/detached_envelope.h);
// `envelope` is that envelope (base64 DER), `size` and `sha256` (hex) describe the plaintext.
// Because they are inside the signed document, the sender vouches for exactly those bytes; the
// gateway checks the upload against them when the message is submitted.
//
//   KP_ASSIGN_OR_RETURN(SecureMailDocument doc, ParseSecureMailDocument(signed_content));
//
// Errors: kRefused "invalid_securemail_payload", the message saying what is wrong and naming
// the attachment by position (never by its name or content).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"

namespace ketenpoort::server {

struct DocumentAttachment {
  std::string name;  // non-empty, at most 255 bytes, no control characters or slashes
  std::string type;  // default application/octet-stream
  std::uint64_t size = 0;
  Bytes data;           // inline: the bytes
  std::string blob_id;  // streamed: the upload's attachment_id
  Bytes envelope_der;   // streamed: the detached envelope
  Bytes sha256;         // streamed: 32 bytes

  bool streamed() const { return !blob_id.empty(); }
};

struct SecureMailDocument {
  std::string body;
  std::vector<DocumentAttachment> attachments;
};

Result<SecureMailDocument> ParseSecureMailDocument(ByteView content);

}  // namespace ketenpoort::server
