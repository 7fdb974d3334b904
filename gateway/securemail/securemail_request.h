// A secure-mail submission (POST /v1/messages with "kind": "securemail", docs/API.md), a
// re-send (POST /v1/messages/{id}/resend) and a portal recipient's reply (POST /m/{token}/reply)
// as SecureMailService takes them, read from the request's JSON by the routes
// (server/message_routes.cpp, server/securemail_routes.cpp). They check the form of the body alone;
// who may send, whether this gateway can text a code, the clock and the envelope are the service's
// (securemail_service.h).
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(SecureMailSubmission s, SecureMailSubmissionFromJson(body));
//   KP_ASSIGN_OR_RETURN(auto recipients, std::move(s.recipients));   // the list's own form
//   KP_ASSIGN_OR_RETURN(SecureMailAddress first, std::move(recipients[0]));
//   first.email                     // "a@example.org" (lower case), verification "email_code"
//   s.presentation->lang            // "" when not given: the gateway's default
//   s.payload->info.IsFor(portal)   // the envelope and whom it is encrypted for
//
// SecureMailSubmissionFromJson answers an error itself only for a key other than kind,
// recipients, subject, show_subject, lang, sender_email, subject_ref, legal_basis, deadline,
// expires, payload, routing (400 unknown_field). Every other field is read on its own and keeps
// its error beside the others' values, so that the service answers, as ever, the first fault in
// its documented order (some of its checks come between):
//   recipients missing, not an array of 1 to 100 objects   -> 400 invalid_recipients
//     each in turn (reading stops at the first that fails): a key other than email,
//     verification, phone, access_code -> 400 unknown_field; a value not a string, an email
//     not a plain address (lower-cased) or given twice, an unknown verification, access_code
//     verification without a code of 6 to 128 characters (or a code with another one), sms
//     without an E.164 phone -> 400 invalid_recipients; all with field "recipients"
//   subject over 500 bytes -> 400 invalid_subject; show_subject not a boolean, a value not a
//     string -> 400 invalid_request; lang not nl or en -> 400 invalid_lang; sender_email not
//     a plain address -> 400 invalid_sender_email
//   subject_ref, deadline, expires                           -> ReadCommonHeader's
//                                                               (messages/message_header.h)
//   legal_basis not a known basis                            -> 400 invalid_legal_basis
//   payload missing, not base64, not a CMS envelope          -> DecodeSealedPayload's
// SecureMailResendFromJson: a key other than recipients -> 400 unknown_field; the recipients as
// above, each kept with its error.
// SecureMailReplyFromJson: a key other than body and attachments -> 400 unknown_field; body not
// a string, attachments not an array or not attachments as a sender's document has them
// (securemail_document.h) -> 400 invalid_request, each kept with its field.
// JSON null counts as absent.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/error.h"
#include "gateway/messages/message_fields.h"
#include "gateway/messages/message_header.h"
#include "gateway/securemail/securemail_document.h"

namespace ketenpoort::server {

// One addressee of secure mail, as given.
struct SecureMailAddress {
  std::string email{};         // lower case
  std::string verification{};  // email_code (the default), access_code, sms, account
  std::string phone{};         // sms only: E.164
  std::string access_code{};   // access_code only: what the sender agreed with the recipient
};

// How the notification and the portal present the message.
struct SecureMailPresentation {
  std::string subject{};  // shown in the portal; in the mail only with show_subject
  bool show_subject = false;
  std::string lang{};          // "nl" or "en"; "" when not given (the gateway's default)
  std::string sender_email{};  // where deadline warnings go; "" for none
};

// The body read: each field, or why it could not be read.
struct SecureMailSubmission {
  // The recipients in turn, up to and including the first that cannot be read.
  Result<std::vector<Result<SecureMailAddress>>> recipients;
  Result<SecureMailPresentation> presentation;
  Result<CommonHeader> header;      // an expiry is not yet held against the clock
  Result<std::string> legal_basis;  // a known basis's name; "" for none
  Result<SealedPayload> payload;
};
Result<SecureMailSubmission> SecureMailSubmissionFromJson(const nlohmann::json& body);

// The body of a re-send: the addresses to notify again, each with its (same or stronger)
// verification.
struct SecureMailResend {
  // In turn, up to and including the first that cannot be read.
  std::vector<Result<SecureMailAddress>> recipients;
};
Result<SecureMailResend> SecureMailResendFromJson(const nlohmann::json& body);

// The body of a portal recipient's reply: its text and files (inline, or uploaded beforehand
// with POST /m/{token}/files), each read or why not.
struct SecureMailReply {
  Result<std::string> body;  // "" for none
  Result<std::vector<DocumentAttachment>> attachments;
};
Result<SecureMailReply> SecureMailReplyFromJson(const nlohmann::json& body);

}  // namespace ketenpoort::server
