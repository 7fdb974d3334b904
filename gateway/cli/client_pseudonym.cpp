#include "gateway/cli/client_pseudonym.h"

#include "gateway/core/organisation.h"
#include "gateway/crypto/keyring.h"

namespace ketenpoort::cli {

std::string DefaultPseudonymSecretFile(const config::GatewayConfig& config,
                                       const std::string& org) {
  return config.base_dir + "/certs/" + org + ".pseudonym.key";
}

Result<std::string> ClientPseudonym(const config::GatewayConfig& config, const std::string& org,
                                    const std::string& client_number,
                                    const std::string& secret_file) {
  if (!IsValidOrgId(org))
    return InvalidArgument("invalid_org", "not an organisation id", "--as");
  const std::string file =
      secret_file.empty() ? DefaultPseudonymSecretFile(config, org) : secret_file;
  crypto::Keyring keys;
  const std::string id = "org:" + org;
  if (Status loaded = keys.LoadPseudonymSecretFile(id, file); !loaded) {
    Error e = loaded.error();
    if (e.code == "file_not_found") {
      e.message = "no pseudonym secret for " + org + "; create one with `ketenpoort pseudonym " +
                  "--new-secret` (once: every pseudonym of the organisation depends on it)";
    }
    return e;
  }
  auto ref = keys.Pseudonym(id, client_number);
  if (!ref && ref.error().code == "invalid_client_number") {
    Error e = ref.error();
    e.field = "--client";
    return e;
  }
  return ref;
}

}  // namespace ketenpoort::cli
