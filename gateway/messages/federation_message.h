// A message as gateways exchange it: the body of POST /v1/federation/messages, which the sending
// gateway's outbox writes (outbox_worker.h) and the receiving gateway reads
// (federation/federation_service.h). Without its payload it is also the header every reader of a
// message sees (GET /v1/messages/{id}, GET /v1/inbox), so a message fetched from one gateway is
// in the form another gateway takes in.
//
//   // (compiled in examples_test.cpp)
//   FederationMessage m = FederationMessageOf(record, {"comensha"});  // the peer's recipients
//   std::string body = ToJson(m).dump();                               // what the outbox posts
//   KP_ASSIGN_OR_RETURN(FederationMessage in, FederationMessageFromJson(json::parse(body)));
//   // in == m
//
// The JSON, exactly these keys (federation_message_test.cpp pins a sample byte for byte):
//
//   {"created": "2026-11-23T10:00:00.000Z", "deadline": null,
//    "expires": "2026-12-23T10:00:00.000Z", "from": "shop-denhaag", "id": "m-5f0c...",
//    "kind": "signal", "legal_basis": "vital_interest", "payload": "MIAGCSqGSIb3...",
//    "recipients": ["comensha"], "routing": {"age_band": "adult", "region": "GM0518"},
//    "subject_ref": "5e0d...(64 hex digits)"}
//
// A follow-up (a re-referral, a question, an answer) adds "follows" (the message it follows)
// and "thread" (its case's first message), both message ids; other messages have neither key.
// The sender's reason for a follow-up stays with the sender's gateway.
//
// Written: times as RFC 3339 UTC with milliseconds (audit/time_format.h), a missing deadline or
// expiry as null, no subject or legal basis as "", the payload as standard base64 of the DER CMS
// envelope. HeaderToJson writes the same without "payload".
//
// FederationMessageFromJson checks the form, in this order, each a 400 with the field named:
//   not an object, or a key not listed above                 -> unknown_field
//   kind, routing, legal_basis                                -> RoutingInputFromJson's errors
//   id missing or not a string                                -> invalid_request
//   id not 1..128 of [A-Za-z0-9-_.:]                          -> invalid_message_id
//   from missing or not a string                              -> invalid_request
//   recipients missing, empty, or not distinct non-empty strings -> invalid_request
//   subject_ref, deadline, expires                            -> ReadCommonHeader's errors
//                                                                (message_header.h)
//   created missing or not a string / not a time              -> invalid_request / invalid_time
//   payload missing or not a string / not base64              -> invalid_request / invalid_payload
//   follows without thread or thread without follows          -> invalid_request
//   follows or thread not of the form of a message id         -> invalid_message_id
// Null counts as absent. Whether the sender, the recipients, the expiry and the envelope are
// acceptable is for the receiving gateway to decide (federation/federation_service.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"

namespace ketenpoort::store {
struct MessageRecord;
}  // namespace ketenpoort::store

namespace ketenpoort::delivery {

struct FederationMessage {
  std::string id{};                       // the sending gateway's message id
  std::string kind{};                     // "signal", "referral", "b8", ...
  std::string from{};                     // the sender organisation
  std::vector<std::string> recipients{};  // the organisations it is for, in the order given
  std::map<std::string, std::string> routing{};
  std::string subject_ref{};                // a pseudonym; "" for none
  std::string legal_basis{};                // "vital_interest", ...; "" for none
  std::optional<std::int64_t> deadline_ms;  // ms since the Unix epoch (UTC)
  std::optional<std::int64_t> expires_ms;
  std::int64_t created_ms = 0;
  Bytes payload{};        // the DER CMS envelope
  std::string follows{};  // a follow-up's: the message it follows; "" for none
  std::string thread{};   // a follow-up's: its case's first message; "" for none

  bool operator==(const FederationMessage&) const = default;
};

// The wire form, with the payload.
nlohmann::json ToJson(const FederationMessage& message);
// The header only: every key but "payload".
nlohmann::json HeaderToJson(const FederationMessage& message);

Result<FederationMessage> FederationMessageFromJson(const nlohmann::json& wire);

// The form every message id has, whichever gateway minted it: 1..128 of the id
// characters (IsIdToken). Ids from a request path are checked with it before
// they are written anywhere, such as the audit entry of a refused access.
bool IsValidMessageId(std::string_view id);

// The "id" of a body FederationMessageFromJson refused, when it is a string of the form an id
// must have; "" otherwise. For the audit entry of the refusal.
std::string MessageIdOf(const nlohmann::json& wire);

// `record` as it goes to (or is shown to) `recipients`; its payload, if loaded, moves along.
FederationMessage FederationMessageOf(store::MessageRecord record,
                                      std::vector<std::string> recipients);

}  // namespace ketenpoort::delivery
