// The certificates the gateway's directory (GET /v1/directory) lists, as the organisation's
// side reads them before it seals for a recipient or checks who signed what it received.
//
//   // (compiled in examples_test.cpp)
//   auto certs = FetchDirectoryCertificates(client, {"comensha", "politie-cpm-rotterdam"});
//   // Result<std::vector<crypto::Certificate>>, in the order asked
//
// Errors: an organisation missing from the directory: kNotFound "unknown_recipient"; one without
// a readable certificate: kRefused "no_certificate" / "invalid_certificate"; a directory that is
// not a JSON array: kInternal "invalid_response"; ApiClient's errors for the request.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/client/api_client.h"
#include "gateway/core/error.h"
#include "gateway/crypto/certificate.h"

namespace ketenpoort::client {

Result<std::vector<crypto::Certificate>> FetchDirectoryCertificates(
    const ApiClient& client, const std::vector<std::string>& orgs);

// As FetchDirectoryCertificates, from a directory already fetched (the JSON array).
Result<std::vector<crypto::Certificate>> DirectoryCertificates(
    const nlohmann::json& directory, const std::vector<std::string>& orgs);

}  // namespace ketenpoort::client
