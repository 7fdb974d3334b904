// `ketenpoort audit verify --config FILE`: checks the whole audit trail against its hash chain
// and the gateway's signed tree heads.
//
//   $ ketenpoort audit verify --config /srv/kp/gateway.json
//   audit trail intact: 15 entries, head 3f9c...e1 (signed up to 15)       exit 0
//   audit trail altered: entry 7: content changed (...)                    exit 1
//
// Exit 2 (nothing checked) for bad arguments, an unreadable config, a wrong database key or an
// unreadable gateway certificate.
#include <cstdio>
#include <string_view>

#include "gateway/audit/audit_log.h"
#include "gateway/cli/cli_common.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/encoding.h"

namespace ketenpoort::cli {

int RunAudit(int argc, char** argv) {
  Flags flags("audit verify",
              "Verifies the audit trail: recomputes every entry's chain hash and the Merkle\n"
              "roots of the signed tree heads (checked with the gateway's certificate).\n"
              "Exit 0 when intact, 1 naming the first altered entry, 2 when nothing could be\n"
              "checked.",
              {{"config", "FILE", "the deployment's gateway.json", Flag::kRequired}});
  if (argc < 1 || std::string_view(argv[0]) != "verify") {
    if (argc >= 1 && (std::string_view(argv[0]) == "--help" || std::string_view(argv[0]) == "-h")) {
      std::fputs(flags.Usage().c_str(), stdout);
      return kExitOk;
    }
    return Fail("usage: ketenpoort audit verify --config FILE");
  }
  auto parsed = flags.Parse(argc - 1, argv + 1);
  if (!parsed)
    return Fail(parsed.error());
  if (parsed->help_requested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    return kExitOk;
  }
  auto deployment = OpenDeploymentDatabase(parsed->Get("config"));
  if (!deployment)
    return Fail(deployment.error());
  auto chain = crypto::LoadPemChainFile(deployment->config.listen.tls_cert);
  if (!chain)
    return Fail(chain.error());

  auto report = audit::AuditLog().Verify(deployment->db, chain->front());
  if (!report)
    return Fail(report.error());
  if (!report->ok) {
    std::printf("audit trail altered: %s\n", report->problem.c_str());
    if (report->first_bad_seq) {
      std::printf("first bad entry: %llu (%.*s)\n",
                  static_cast<unsigned long long>(*report->first_bad_seq),
                  static_cast<int>(audit::FindingName(report->finding).size()),
                  audit::FindingName(report->finding).data());
    }
    return kExitProblem;
  }
  std::printf("audit trail intact: %llu entries, head %s (signed up to %llu)\n",
              static_cast<unsigned long long>(report->entries),
              crypto::HexEncode(report->head).c_str(),
              static_cast<unsigned long long>(report->signed_size));
  return kExitOk;
}

}  // namespace ketenpoort::cli
