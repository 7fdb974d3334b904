// `ketenpoort token issue --config FILE --org ORG --role ROLE [--user NAME]`.
// With --role peer, ORG is the id of the peer gateway that will deliver messages here
// (its gateway.json "gateway.id"), not an organisation of the directory, and the token is bound
// (auth/peer_binding.h) to that gateway's URL (--gateway-url, as directory.json's "gateway"
// names it) and to the TLS client certificate it presents (--cert, its listen.tls_cert file):
//
//   ketenpoort token issue --config gateway.json --role peer --org gw-b
//       --gateway-url https://gw-b.example.org:8443 --cert peers/gw-b.cert.pem   (one line)
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string_view>

#include "gateway/audit/audit_log.h"
#include "gateway/auth/api_token.h"
#include "gateway/auth/peer_binding.h"
#include "gateway/cli/cli_common.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/core/directory.h"
#include "gateway/core/gateway_url.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/keyring.h"
#include "gateway/io/file.h"

namespace ketenpoort::cli {

int RunToken(int argc, char** argv) {
  Flags flags(
      "token issue",
      "Prints a new API token for ORG with ROLE (sender, recipient, coordinator,\n"
      "auditor, admin, peer, workspace). Only its hash is stored: keep the printed token\n"
      "safe, it is not shown again.\n"
      "A workspace token is for `ketenpoort workspace`: it may do what a coordinator and an\n"
      "auditor may, and every request with it must name the person acting in the header\n"
      "Ketenpoort-Acting-User (no other token may send that header).\n"
      "A peer token lets another gateway deliver messages here; its ORG is that gateway's id\n"
      "(gateway.id in its gateway.json). It is bound to that gateway: it works only over a\n"
      "connection that presents the certificate --cert (the peer's listen.tls_cert; this\n"
      "gateway needs listen.client_ca), and delivers only for organisations whose\n"
      "directory.json \"gateway\" is --gateway-url. A new certificate needs a new token.",
      {{"config", "FILE", "the deployment's gateway.json", Flag::kRequired},
       {"org", "ORG", "organisation id from directory.json (peer: the peer gateway's id)",
        Flag::kRequired},
       {"role", "ROLE", "sender | recipient | coordinator | auditor | admin | peer | workspace",
        Flag::kRequired},
       {"user", "NAME", "the person or system the token acts for"},
       {"gateway-url", "URL", "peer only, required: the peer's URL as directory.json names it"},
       {"cert", "PEM_FILE", "peer only, required: the TLS client certificate the peer presents"}});
  if (argc < 1 || std::string_view(argv[0]) != "issue") {
    if (argc >= 1 && (std::string_view(argv[0]) == "--help" || std::string_view(argv[0]) == "-h")) {
      std::fputs(flags.Usage().c_str(), stdout);
      return kExitOk;
    }
    return Fail(
        "usage: ketenpoort token issue --config FILE --org ORG --role ROLE [--user NAME]\n"
        "       [--gateway-url URL --cert PEM_FILE]   (both required with --role peer)");
  }
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc - 1, argv + 1, exit_code);
  if (!parsed)
    return exit_code;
  auto role = ParseRole(parsed->Get("role"));
  if (!role) {
    return Fail(InvalidArgument("invalid_option",
                                "unknown role '" + parsed->Get("role") +
                                    "' (sender, recipient, coordinator, auditor, admin, peer, "
                                    "workspace)",
                                "--role"));
  }
  auto deployment = OpenDeploymentDatabase(parsed->Get("config"));
  if (!deployment)
    return Fail(deployment.error());

  auto directory = LoadDeploymentDirectory(deployment->config);
  if (!directory)
    return Fail(directory.error());
  const std::string org = parsed->Get("org");
  PeerBinding binding;
  if (*role == Role::kPeer) {
    // A peer gateway's id: the same syntax as an organisation id, but not in the directory.
    if (!IsValidOrgId(org)) {
      return Fail(InvalidArgument("invalid_option",
                                  "a gateway id is lower-case letters, digits and '-'", "--org"));
    }
    for (const char* needed : {"gateway-url", "cert"}) {
      if (!parsed->Has(needed)) {
        return Fail(InvalidArgument("invalid_option", "a peer token needs --" + std::string(needed),
                                    std::string("--") + needed));
      }
    }
    binding.gateway_url = parsed->Get("gateway-url");
    auto chain = crypto::LoadPemChainFile(parsed->Get("cert"));
    if (!chain)
      return Fail(chain.error());
    if (chain->empty()) {
      return Fail(InvalidArgument("invalid_option", "holds no certificate", parsed->Get("cert")));
    }
    binding.cert_sha256 = chain->front().Sha256Fingerprint();  // the leaf, as the peer sends it
    if (auto valid = auth::ValidatePeerBinding(binding); !valid) {
      Error e = valid.error();
      e.field = e.field == "gateway_url" ? "--gateway-url" : "--cert";
      return Fail(e);
    }
    bool named = false;
    for (const Organisation& o : directory->all())
      named = named || IsSameGateway(o.gateway_url, binding.gateway_url);
    if (!named) {
      std::fprintf(stderr,
                   "note: no organisation in %s names %s as its gateway yet; the peer can "
                   "deliver for none until one does\n",
                   deployment->config.directory.c_str(), binding.gateway_url.c_str());
    }
  } else {
    if (parsed->Has("gateway-url") || parsed->Has("cert")) {
      return Fail(InvalidArgument("invalid_option", "only a peer token is bound to a gateway",
                                  parsed->Has("cert") ? "--cert" : "--gateway-url"));
    }
    if (directory->Find(org) == nullptr)
      return Fail(NotFound("unknown_organisation", "unknown organisation '" + org + "'", "--org"));
  }

  // The gateway's TLS key signs audit tree heads; load it first, so that a missing key
  // changes nothing.
  crypto::Keyring keyring;
  if (auto loaded = keyring.LoadKeyFile("gateway", deployment->config.listen.tls_key); !loaded)
    return Fail(loaded.error());
  auto tls_chain = crypto::LoadPemChainFile(deployment->config.listen.tls_cert);
  if (!tls_chain || tls_chain->empty()) {
    return Fail(tls_chain ? InvalidArgument("invalid_certificate", "holds no certificate",
                                            deployment->config.listen.tls_cert)
                          : tls_chain.error());
  }

  auto token = *role == Role::kPeer
                   ? auth::IssuePeerToken(deployment->db, org, binding, parsed->Get("user"))
                   : auth::IssueApiToken(deployment->db, org, *role, parsed->Get("user"));
  if (!token)
    return Fail(token.error());
  std::printf("%s\n", token->c_str());
  std::fflush(stdout);
  auto head = audit::AuditLog().SignHead(deployment->db, keyring, "gateway", audit::NowMs(),
                                         &tls_chain->front());
  if (!head)
    return Fail(head.error());
  return kExitOk;
}

}  // namespace ketenpoort::cli
