// `ketenpoort pseudonym --config FILE --as ORG --client NUMBER`: prints the organisation's
// pseudonym for one of its clients (cli/client_pseudonym.h), the value `send --client` puts into
// subject_ref. `--client -` reads the number from the first line of stdin, so that it stays out
// of the shell history and the process list. `--new-secret` creates the organisation's
// pseudonym secret once; init --demo does so for the demo organisations.
//
//   $ ketenpoort pseudonym --config deploy/gateway.json --as shop-denhaag --client 2026-0042
//   5e0d...(64 hex digits)
#include <cstdio>
#include <iostream>
#include <string>

#include "gateway/cli/cli_common.h"
#include "gateway/cli/client_pseudonym.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/organisation.h"
#include "gateway/crypto/keyring.h"

namespace ketenpoort::cli {

int RunPseudonym(int argc, char** argv) {
  Flags flags(
      "pseudonym",
      "Prints the organisation's pseudonym for a client number: HMAC-SHA-256 of the number under\n"
      "the organisation's pseudonym secret, in hex. The same number always gives the same\n"
      "pseudonym; the secret never leaves the organisation. Use it as subject_ref, or let\n"
      "`ketenpoort send --client NUMBER` do so.",
      {{"config", "FILE", "the deployment's gateway.json", Flag::kRequired},
       {"as", "ORG", "the organisation whose pseudonym it is", Flag::kRequired},
       {"client", "NUMBER", "the organisation's own client number; - reads it from stdin"},
       {"secret", "FILE", "the pseudonym secret (default DIR/certs/ORG.pseudonym.key, mode 0600)"},
       {"new-secret", "", "create the organisation's pseudonym secret (never overwrites one)"}});
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  const std::string org = parsed->Get("as");
  if (!IsValidOrgId(org))
    return Fail(InvalidArgument("invalid_org", "not an organisation id", "--as"));
  auto config = config::LoadGatewayConfig(parsed->Get("config"));
  if (!config)
    return Fail(config.error());
  auto directory = LoadDeploymentDirectory(*config);
  if (!directory)
    return Fail(directory.error());
  if (directory->Find(org) == nullptr) {
    return Fail(NotFound("unknown_organisation",
                         "'" + org + "' is not in the deployment's directory", "--as"));
  }
  const std::string secret_file =
      parsed->Has("secret") ? parsed->Get("secret") : DefaultPseudonymSecretFile(*config, org);
  if (parsed->Has("new-secret")) {
    if (parsed->Has("client"))
      return Fail(InvalidArgument("invalid_option", "give --new-secret or --client", "--client"));
    if (Status made = crypto::Keyring::GeneratePseudonymSecretFile(secret_file); !made)
      return Fail(made.error());
    std::printf(
        "created %s (mode 0600); keep it with the organisation's key, and back it up:\n"
        "without it, later messages name the same clients by other pseudonyms\n",
        secret_file.c_str());
    return kExitOk;
  }
  if (!parsed->Has("client"))
    return Fail(InvalidArgument("missing_option", "give the client number", "--client"));
  std::string number = parsed->Get("client");
  if (number == "-") {
    if (!std::getline(std::cin, number))
      return Fail(InvalidArgument("invalid_client_number", "no line on stdin", "--client"));
    if (!number.empty() && number.back() == '\r')
      number.pop_back();
  }
  auto ref = ClientPseudonym(*config, org, number, secret_file);
  if (!ref)
    return Fail(ref.error());
  std::printf("%s\n", ref->c_str());
  return kExitOk;
}

}  // namespace ketenpoort::cli
