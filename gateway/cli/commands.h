// The `ketenpoort` subcommands. Each takes the arguments after its own name and returns the
// process exit status:
//   0  success
//   1  the command ran and found a problem (e.g. `audit verify` found a bad entry)
//   2  bad arguments, an unreadable or invalid config, a missing or wrong key: nothing changed
#pragma once

#include <string>

#include "gateway/core/error.h"

namespace ketenpoort::cli {

constexpr int kExitOk = 0;
constexpr int kExitProblem = 1;
constexpr int kExitUsage = 2;

// Prints "ketenpoort: FIELD: MESSAGE" (one line) to stderr and returns kExitUsage.
int Fail(const Error& error);
int Fail(const std::string& message);

int RunInit(int argc, char** argv);
int RunServe(int argc, char** argv);
int RunCheck(int argc, char** argv);
int RunToken(int argc, char** argv);
int RunRekey(int argc, char** argv);
int RunBackup(int argc, char** argv);
int RunRestore(int argc, char** argv);
int RunAudit(int argc, char** argv);
int RunPurge(int argc, char** argv);
int RunOutbox(int argc, char** argv);
int RunSend(int argc, char** argv);
int RunInbox(int argc, char** argv);
int RunOpen(int argc, char** argv);
int RunReport(int argc, char** argv);
int RunPseudonym(int argc, char** argv);
int RunConsent(int argc, char** argv);
int RunPeer(int argc, char** argv);
int RunWorkspace(int argc, char** argv);
int RunStaff(int argc, char** argv);

}  // namespace ketenpoort::cli
