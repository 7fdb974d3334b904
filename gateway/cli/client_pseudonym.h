// The pseudonym an organisation uses for one of its clients, derived where the organisation's
// secret is: `ketenpoort pseudonym` prints it, `ketenpoort send --client NUMBER` puts it into
// the message's subject_ref (core/pseudonym.h, crypto::Keyring::Pseudonym).
//
//   // (compiled in examples_test.cpp)
//   auto ref = ClientPseudonym(config, "shop-denhaag", "2026-0042", /*secret_file=*/"");
//   // 64 hex digits, the same for every message of shop-denhaag about client 2026-0042
//
// The secret is read from `secret_file`, else DIR/certs/ORG.pseudonym.key (DIR: the config's
// folder), into a keyring that wipes it when the call returns. Errors name the file or the
// flag ("--client"), never the secret or the client number:
//   no such file        -> kNotFound "file_not_found" (field: the file), with a hint to create it
//   file mode not 0600  -> kPermissionDenied "key_file_permissions"
//   not 64 hex digits   -> kInvalidArgument "invalid_key_file"
//   a bad client number -> kInvalidArgument "invalid_client_number" (field "--client")
#pragma once

#include <string>
#include <vector>

#include "gateway/cli/flags.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/error.h"

namespace ketenpoort::cli {

// DIR/certs/ORG.pseudonym.key for the deployment of `config`.
std::string DefaultPseudonymSecretFile(const config::GatewayConfig& config, const std::string& org);

Result<std::string> ClientPseudonym(const config::GatewayConfig& config, const std::string& org,
                                    const std::string& client_number,
                                    const std::string& secret_file);

// The client flags of the commands that name a client (send, consent withdraw): --client,
// --pseudonym-secret and --subject-ref, with their help texts.
std::vector<Flag> ClientFlags();

// The subject_ref those flags name: the pseudonym of --client NUMBER (the deployment of
// --config, the organisation of --as, the secret of --pseudonym-secret or the default), or
// --subject-ref as given; "" when neither. Both: 400 invalid_option (field "--client").
Result<std::string> SubjectFromFlags(const ParsedFlags& flags);

}  // namespace ketenpoort::cli
