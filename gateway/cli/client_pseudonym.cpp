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

std::vector<Flag> ClientFlags() {
  return {
      {"client", "NUMBER",
       "the organisation's client number: its pseudonym becomes the subject_ref"},
      {"pseudonym-secret", "FILE", "the secret for --client (default DIR/certs/ORG.pseudonym.key)"},
      {"subject-ref", "REF", "a pseudonym already made (ketenpoort pseudonym)"}};
}

Result<std::string> SubjectFromFlags(const ParsedFlags& flags) {
  if (!flags.Has("client"))
    return flags.Get("subject-ref");
  if (flags.Has("subject-ref"))
    return InvalidArgument("invalid_option", "give --client or --subject-ref, not both",
                           "--client");
  KP_ASSIGN_OR_RETURN(config::GatewayConfig config, config::LoadGatewayConfig(flags.Get("config")));
  return ClientPseudonym(config, flags.Get("as"), flags.Get("client"),
                         flags.Get("pseudonym-secret"));
}

}  // namespace ketenpoort::cli
