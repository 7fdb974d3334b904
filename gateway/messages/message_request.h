// The requests of the message API (docs/API.md) as the message service takes them
// (message_service.h), and their reading from a request's JSON: a submission (POST
// /v1/messages), a change of state (POST /v1/messages/{id}/status) and an Idempotency-Key. The
// routes (server/message_routes.cpp) read the body with these and hand the typed request on.
// They check the form of a request alone; whether the directory, the routing rules, the kind
// and the clock accept it is the service's to decide.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(Submission s, SubmissionFromJson(body));  // keys, kind, routing, basis
//   s.routing.kind                  // "signal"
//   *s.recipients                   // {"comensha"}; nullopt: the routing rules decide
//   s.payload->info.IsFor(cert)     // whom the envelope is encrypted for
//   KP_ASSIGN_OR_RETURN(StatusChange c, StatusChangeFromJson(json{{"state", "assessed"}}));
//   KP_ASSIGN_OR_RETURN(IdempotencyKey k, ReadIdempotencyKey("k-1", raw_body));
//
// SubmissionFromJson answers an error itself only for
//   a key other than kind, recipients, routing, subject_ref, legal_basis, deadline, expires,
//     codelists, payload                               -> 400 unknown_field
//   kind, routing, legal_basis                         -> RoutingInputFromJson's (400)
// and reads every other field on its own, keeping its error beside the others' values:
//   recipients not distinct non-empty strings          -> 400 invalid_request
//   subject_ref, deadline, expires                     -> ReadCommonHeader's (message_header.h)
//   codelists not an object of versions 1..1000        -> 400 invalid_request
//   payload missing or not a string                    -> 400 invalid_request
//   payload not base64, not a CMS (Auth)EnvelopedData  -> DecodeSealedPayload's
//                                                         (400 invalid_payload, 422)
// The service takes each field up in its place among the checks that need the directory, the
// rules and the kinds (message_service.h), so that a request with several faults is answered,
// as ever, with the first in that order: an unroutable message with a payload that is no
// envelope is 422 no_recipients, not invalid_envelope.
// StatusChangeFromJson: a key other than state and reason -> 400 unknown_field; state missing,
// empty or not a string, reason not a string -> 400 invalid_request; a reason over 500 bytes or
// with control characters -> 400 invalid_reason. JSON null counts as absent throughout.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/code_lists.h"
#include "gateway/core/error.h"
#include "gateway/core/legal_basis.h"
#include "gateway/core/routing_rules.h"
#include "gateway/crypto/hash.h"
#include "gateway/messages/message_fields.h"
#include "gateway/messages/message_header.h"

namespace ketenpoort::server {

// POST /v1/messages as read from its body: each field, or why it could not be read.
// A submission that follows up an earlier message of the same case: "follows" (its id) and
// "follow_reason" (why; required with "follows", 1 to 500 bytes of text).
struct FollowUp {
  std::string message_id;
  std::string reason;
};

struct Submission {
  RoutingInput routing;  // kind, routing values, legal basis
  // The recipients as given, in that order; nullopt when the body names none and the routing
  // rules are to decide.
  Result<std::optional<std::vector<std::string>>> recipients;
  // subject_ref, deadline, expires; an expiry is not yet held against the clock.
  Result<CommonHeader> header;
  Result<CodeListVersions> codelists;  // the versions asked for; a list not named: its latest
  Result<SealedPayload> payload;       // the DER envelope and whom it is encrypted for
  // nullopt for a message that starts a case. Errors: "follows" not a message id, or
  // "follow_reason" missing or malformed (400 invalid_request / invalid_reason), a reason
  // without "follows" (400 invalid_request, field "follow_reason").
  Result<std::optional<FollowUp>> follows = std::optional<FollowUp>();
  // "legal_bases": a basis per recipient ({"politie-avim-haaglanden": "consent"}), which
  // replaces the message's "legal_basis" for that recipient. Errors: not an object of basis
  // names (400 invalid_legal_basis, field "legal_bases.ORG").
  Result<std::map<std::string, LegalBasis>> legal_bases = std::map<std::string, LegalBasis>();
};
Result<Submission> SubmissionFromJson(const nlohmann::json& body);

// Whether checking the submission `body` reads stored state besides memory: a follow-up
// ("follows": the message it follows), or a hand-off on consent about a client (the
// withdrawals). MessageService::Submit then reads the database, so the HTTP layer runs it on a
// worker, not on an I/O thread. A body that does not parse counts as not reading.
bool SubmissionReadsStore(const nlohmann::json& body);

// POST /v1/messages/{id}/status.
struct StatusChange {
  std::string state;   // a state of the message's lifecycle (or not: the service says so)
  std::string reason;  // "" for none; at most 500 bytes of text
  // The reason's code, for a state whose rule names a code list (a referral's decline:
  // "no_place", "wrong_target_group", "safety", "other"); "" for none.
  std::string code;
  // The sender's choice of one recipient organisation's delivery ("recipient" in the body);
  // "" for none: a sender then moves every delivery that has arrived, a recipient its own.
  std::string recipient;
};
Result<StatusChange> StatusChangeFromJson(const nlohmann::json& body);

// POST /v1/consents/withdraw: {"subject_ref" (the client's pseudonym, required), "recipient"
// (an organisation id; absent: every recipient), "reason" (required, 1 to 500 bytes)}.
struct ConsentWithdrawalRequest {
  std::string subject_ref;
  std::string recipient;  // "" for every recipient
  std::string reason;
};
Result<ConsentWithdrawalRequest> ConsentWithdrawalFromJson(const nlohmann::json& body);

// An Idempotency-Key (per organisation) with the SHA-256 of the request body it came with: the
// same key with the same body answers as the first time, with another body 409
// idempotency_conflict. The body's bytes count as sent, so the same document written another
// way is another body.
struct IdempotencyKey {
  std::string key;
  crypto::Digest request_sha256{};
};
// A key of 1 to 200 characters; else 400 invalid_idempotency_key, field "Idempotency-Key".
Result<IdempotencyKey> ReadIdempotencyKey(std::string key, std::string_view raw_body);

}  // namespace ketenpoort::server
