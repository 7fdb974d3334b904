// ketenpoort: the gateway daemon and its command line. See docs/API.md and README.md.
#include <cstdio>
#include <string_view>

#include "gateway/cli/commands.h"
#include "gateway/cli/version.h"  // generated: KP_VERSION, KP_COMMIT

namespace {

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(int, char**);
};

constexpr Command kCommands[] = {
    {"init", "create a deployment (config, keys, certificates, database)",
     ketenpoort::cli::RunInit},
    {"serve", "run the gateway daemon in the foreground", ketenpoort::cli::RunServe},
    {"check", "validate a deployment without starting it", ketenpoort::cli::RunCheck},
    {"token", "issue API tokens", ketenpoort::cli::RunToken},
    {"rekey", "re-encrypt the database under a new key", ketenpoort::cli::RunRekey},
    {"backup", "write an online backup (database and blobs, still encrypted)",
     ketenpoort::cli::RunBackup},
    {"restore", "restore a backup into a deployment without a database",
     ketenpoort::cli::RunRestore},
    {"audit", "verify, export or view the audit trail", ketenpoort::cli::RunAudit},
    {"purge", "delete payloads past their kind's retention period", ketenpoort::cli::RunPurge},
    {"outbox", "list, retry or drop messages waiting for a peer gateway",
     ketenpoort::cli::RunOutbox},
    {"peer", "connect to another gateway: invite it, or join its invitation",
     ketenpoort::cli::RunPeer},
    {"pseudonym", "print the organisation's pseudonym for a client number",
     ketenpoort::cli::RunPseudonym},
    {"consent", "record that a client withdrew consent", ketenpoort::cli::RunConsent},
    {"send", "sign, encrypt and submit a message", ketenpoort::cli::RunSend},
    {"inbox", "list the messages for an organisation", ketenpoort::cli::RunInbox},
    {"open", "fetch, decrypt and verify a message", ketenpoort::cli::RunOpen},
    {"report", "anonymised counts for funders (messages, clients, outcomes)",
     ketenpoort::cli::RunReport},
    {"workspace", "run the workspace (staff log in and work in the browser)",
     ketenpoort::cli::RunWorkspace},
    {"staff", "add, list, disable or reset the workspace's staff accounts",
     ketenpoort::cli::RunStaff},
};

void PrintUsage(std::FILE* out) {
  std::fputs("usage: ketenpoort COMMAND [OPTIONS]\n\ncommands:\n", out);
  for (const Command& c : kCommands) {
    std::fprintf(out, "  %-9.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
  std::fputs(
      "\n`ketenpoort COMMAND --help` describes each command; `ketenpoort --version`\n"
      "prints the release and the commit it was built from.\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    PrintUsage(stderr);
    return ketenpoort::cli::kExitUsage;
  }
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(stdout);
    return ketenpoort::cli::kExitOk;
  }
  if (name == "--version" || name == "version") {
    std::printf("ketenpoort %s (commit %s)\n", KP_VERSION, KP_COMMIT);
    return ketenpoort::cli::kExitOk;
  }
  for (const Command& c : kCommands) {
    if (c.name == name)
      return c.run(argc - 2, argv + 2);
  }
  std::fprintf(stderr, "ketenpoort: unknown command '%.*s' (try `ketenpoort --help`)\n",
               static_cast<int>(name.size()), name.data());
  return ketenpoort::cli::kExitUsage;
}
