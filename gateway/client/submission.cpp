#include "gateway/client/submission.h"

#include "gateway/core/legal_basis.h"
#include "gateway/core/organisation.h"
#include "gateway/crypto/encoding.h"

namespace ketenpoort::client {

using nlohmann::json;

json ResolveRequestBody(const RoutingInput& input) {
  json body = {{"kind", input.kind}, {"routing", input.routing}};
  if (input.legal_basis)
    body["legal_basis"] = std::string(LegalBasisName(*input.legal_basis));
  return body;
}

Result<std::vector<std::string>> ResolvedRecipients(const json& answer) {
  auto recipients = answer.find("recipients");
  if (recipients == answer.end() || !recipients->is_array())
    return Internal("invalid_response", "the route resolution has no recipient list");
  std::vector<std::string> out;
  for (const json& id : *recipients) {
    if (!id.is_string() || !IsValidOrgId(id.get<std::string>()))
      return Internal("invalid_response", "the route resolution lists a bad organisation id");
    out.push_back(id.get<std::string>());
  }
  return out;
}

json SubmissionBody(const Submission& s) {
  json body = {{"kind", s.routing.kind},
               {"recipients", s.recipients},
               {"payload", crypto::Base64Encode(s.envelope)}};
  if (!s.routing.routing.empty())
    body["routing"] = s.routing.routing;
  if (s.routing.legal_basis)
    body["legal_basis"] = std::string(LegalBasisName(*s.routing.legal_basis));
  if (!s.subject_ref.empty())
    body["subject_ref"] = s.subject_ref;
  if (!s.deadline.empty())
    body["deadline"] = s.deadline;
  if (!s.follows.empty()) {
    body["follows"] = s.follows;
    body["follow_reason"] = s.follow_reason;
  }
  if (!s.codelists.empty())
    body["codelists"] = CodeListVersionsToJson(s.codelists);
  return body;
}

Result<Accepted> AcceptedMessage(const json& answer) {
  Accepted out;
  auto id = answer.find("id");
  if (id == answer.end() || !id->is_string() || id->get<std::string>().empty())
    return Internal("invalid_response", "the gateway's answer has no message id");
  out.id = id->get<std::string>();
  if (auto accepted = answer.find("recipients"); accepted != answer.end() && accepted->is_array()) {
    for (const json& org : *accepted) {
      if (org.is_string())
        out.recipients.push_back(org.get<std::string>());
    }
  }
  return out;
}

}  // namespace ketenpoort::client
