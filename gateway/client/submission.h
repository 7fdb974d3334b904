// What the organisation's side sends to submit a message and reads back, shared by
// `ketenpoort send` and the workspace's compose page so that both ask the same question and
// submit the same body (docs/API.md, "Submitting a message"):
//
//   // (compiled in examples_test.cpp)
//   RoutingInput in{.kind = "signal", .routing = {{"region", "GM0599"}, {"age_band", "minor"}}};
//   ResolveRequestBody(in)        // {"kind":"signal","routing":{"age_band":"minor",...}}
//   ResolvedRecipients(answer)    // POST /v1/routes/resolve's {"recipients":[...]} -> the ids
//   SubmissionBody({.routing = in, .recipients = {"comensha"}, .envelope = sealed})
//                                 // {"kind","recipients","payload" (base64),"routing"}
//   AcceptedMessage(answer)       // POST /v1/messages' 202 -> {.id = "m-...", .recipients}
//
// Contract: optional members (routing, legal_basis, subject_ref, deadline, follows with
// follow_reason, codelists) are left out when empty. Reading an answer that lacks what the API
// promises (no recipient list, a bad organisation id, no message id) is kInternal
// "invalid_response"; an empty recipient list is a valid answer (the caller says what to do).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/bytes.h"
#include "gateway/core/code_lists.h"
#include "gateway/core/error.h"
#include "gateway/core/routing_rules.h"

namespace ketenpoort::client {

nlohmann::json ResolveRequestBody(const RoutingInput& input);
Result<std::vector<std::string>> ResolvedRecipients(const nlohmann::json& answer);

struct Submission {
  RoutingInput routing{};  // the kind, the routing values and the legal basis
  std::vector<std::string> recipients{};
  std::string subject_ref{};
  std::string deadline{};  // RFC 3339
  std::string follows{};   // a message id: a follow-up in the same case
  std::string follow_reason{};
  CodeListVersions codelists{};
  Bytes envelope{};  // the sealed content (client/sealed_content.h)
};
nlohmann::json SubmissionBody(const Submission& s);

struct Accepted {
  std::string id{};
  std::vector<std::string> recipients{};
};
Result<Accepted> AcceptedMessage(const nlohmann::json& answer);

}  // namespace ketenpoort::client
