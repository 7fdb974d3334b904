#include "gateway/client/directory_certificates.h"

#include <utility>

namespace ketenpoort::client {

using nlohmann::json;

Result<std::vector<crypto::Certificate>> DirectoryCertificates(
    const json& directory, const std::vector<std::string>& orgs) {
  if (!directory.is_array())
    return Internal("invalid_response", "the directory is not a JSON array");
  std::vector<crypto::Certificate> certs;
  for (const std::string& org : orgs) {
    const json* found = nullptr;
    for (const json& entry : directory) {
      auto id = entry.find("id");
      if (id != entry.end() && id->is_string() && id->get<std::string>() == org)
        found = &entry;
    }
    if (found == nullptr)
      return NotFound("unknown_recipient", "organisation '" + org + "' is not in the directory");
    auto pem = found->find("certificate");
    if (pem == found->end() || !pem->is_string() || pem->get<std::string>().empty()) {
      return Refused("no_certificate",
                     "organisation '" + org + "' has no certificate in the directory");
    }
    auto cert = crypto::Certificate::FromPem(pem->get<std::string>());
    if (!cert) {
      return Refused("invalid_certificate",
                     "the directory certificate of '" + org + "' cannot be read");
    }
    certs.push_back(std::move(*cert));
  }
  return certs;
}

Result<std::vector<crypto::Certificate>> FetchDirectoryCertificates(
    const ApiClient& client, const std::vector<std::string>& orgs) {
  KP_ASSIGN_OR_RETURN(json directory, client.Get("/v1/directory"));
  return DirectoryCertificates(directory, orgs);
}

}  // namespace ketenpoort::client
