// `ketenpoort staff add|list|disable|reset --config workspace.json ...`: the workspace's staff
// accounts (gateway/workspace). `add` and `reset` print the new password and TOTP secret
// once; only the password's Argon2id hash is kept. `list` never prints a secret.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/cli/cli_common.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/workspace/staff_credentials.h"
#include "gateway/workspace/staff_repository.h"
#include "gateway/workspace/workspace_config.h"
#include "gateway/workspace/workspace_database.h"

namespace ketenpoort::cli {

namespace {

constexpr const char* kUsage =
    "usage: ketenpoort staff add --config FILE --org ORG --username NAME --name TEXT --roles "
    "R,...\n"
    "       ketenpoort staff list --config FILE\n"
    "       ketenpoort staff disable --config FILE --username NAME\n"
    "       ketenpoort staff reset --config FILE --username NAME";

Flag ConfigFlag() {
  return {"config", "FILE", "the workspace's workspace.json", Flag::kRequired};
}

Flag UsernameFlag() {
  return {"username", "NAME", "the account's username", Flag::kRequired};
}

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The credentials of a new or reset account, once, for the person who receives them.
void PrintCredentials(const workspace::IssuedCredentials& c) {
  std::printf("username     %s\n", c.username.c_str());
  std::printf("password     %s\n", c.password.c_str());
  std::printf("totp secret  %s\n", c.totp_secret.c_str());
  std::printf("otpauth uri  %s\n", c.otpauth_uri.c_str());
  std::printf("Hand these to the person over a safe channel; they are not shown again.\n");
}

struct Opened {
  workspace::WorkspaceConfig config;
  store::Database db;
  ParsedFlags flags;
};

Result<Opened> Open(const ParsedFlags& parsed) {
  KP_ASSIGN_OR_RETURN(workspace::WorkspaceConfig config,
                      workspace::LoadWorkspaceConfig(parsed.Get("config")));
  KP_ASSIGN_OR_RETURN(store::Database db, workspace::OpenWorkspaceDatabase(config.database));
  return Opened{std::move(config), std::move(db), {}};
}

// Parses the subcommand's flags and opens the workspace's config and database; nullopt when
// the command is done (--help, or a bad argument or config named on stderr: `exit_code`).
std::optional<Opened> ParseAndOpen(const Flags& flags, int argc, char** argv, int& exit_code) {
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return std::nullopt;
  auto opened = Open(*parsed);
  if (!opened) {
    exit_code = Fail(opened.error());
    return std::nullopt;
  }
  opened->flags = std::move(*parsed);
  return std::move(*opened);
}

int Add(int argc, char** argv) {
  Flags flags(
      "staff add",
      "Adds a staff account to the workspace and prints its username, a new random\n"
      "password and a new TOTP secret (base32, and as an otpauth:// URI for an\n"
      "authenticator app) once. Roles: coordinator, caseworker, auditor, admin.",
      {ConfigFlag(),
       {"org", "ORG", "the organisation (one of workspace.json's organisations)", Flag::kRequired},
       {"username", "NAME", "a-z, 0-9, '.', '_' and '-'; unique in the workspace", Flag::kRequired},
       {"name", "TEXT", "the person's name as pages show it", Flag::kRequired},
       {"roles", "R,...", "coordinator, caseworker, auditor and/or admin", Flag::kRequired}});
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  auto roles = workspace::ParseStaffRoles(parsed->Get("roles"));
  if (!roles) {
    Error e = roles.error();
    e.field = "--roles";
    return Fail(e);
  }
  auto opened = Open(*parsed);
  if (!opened)
    return Fail(opened.error());
  const std::string org = parsed->Get("org");
  if (opened->config.FindOrganisation(org) == nullptr) {
    return Fail(NotFound(
        "unknown_organisation",
        "'" + org + "' is not one of the organisations in " + opened->config.config_file, "--org"));
  }
  auto issued = workspace::AddStaff(opened->db,
                                    {.org = org,
                                     .username = parsed->Get("username"),
                                     .display_name = parsed->Get("name"),
                                     .roles = *roles},
                                    opened->config.password_cost, NowMs());
  if (!issued) {
    Error e = issued.error();
    e.field = e.field == "display_name" ? "--name" : (e.field.empty() ? "" : "--" + e.field);
    return Fail(e);
  }
  PrintCredentials(*issued);
  return kExitOk;
}

int List(int argc, char** argv) {
  Flags flags("staff list",
              "Lists the workspace's staff accounts, one line each:\n"
              "  ORG USERNAME roles=R,... state=active|locked|disabled \"NAME\"\n"
              "Never a password, a hash or a TOTP secret.",
              {ConfigFlag()});
  int exit_code = kExitOk;
  auto opened = ParseAndOpen(flags, argc, argv, exit_code);
  if (!opened)
    return exit_code;
  auto all = workspace::StaffRepository(opened->db).List();
  if (!all)
    return Fail(all.error());
  const std::int64_t now = NowMs();
  for (const workspace::StaffAccount& a : *all) {
    const char* state = a.disabled ? "disabled" : (a.LockedAt(now) ? "locked" : "active");
    std::printf("%s %s roles=%s state=%s \"%s\"\n", a.org.c_str(), a.username.c_str(),
                workspace::StaffRolesText(a.roles).c_str(), state, a.display_name.c_str());
  }
  return kExitOk;
}

int Disable(int argc, char** argv) {
  Flags flags("staff disable",
              "Disables a staff account: it can no longer log in, and its sessions end at once.",
              {ConfigFlag(), UsernameFlag()});
  int exit_code = kExitOk;
  auto opened = ParseAndOpen(flags, argc, argv, exit_code);
  if (!opened)
    return exit_code;
  const std::string username = opened->flags.Get("username");
  auto done = workspace::StaffRepository(opened->db).SetDisabled(username, true);
  if (!done)
    return Fail(done.error());
  if (!*done) {
    return Fail(NotFound("staff_not_found", "no account has the username '" + username + "'",
                         "--username"));
  }
  std::printf("disabled %s\n", username.c_str());
  return kExitOk;
}

int Reset(int argc, char** argv) {
  Flags flags("staff reset",
              "Gives a staff account a new password and a new TOTP secret (printed once),\n"
              "unlocks it and ends its sessions. A disabled account stays disabled.",
              {ConfigFlag(), UsernameFlag()});
  int exit_code = kExitOk;
  auto opened = ParseAndOpen(flags, argc, argv, exit_code);
  if (!opened)
    return exit_code;
  auto issued = workspace::ResetStaff(opened->db, opened->flags.Get("username"),
                                      opened->config.password_cost);
  if (!issued) {
    Error e = issued.error();
    e.field = "--username";
    return Fail(e);
  }
  PrintCredentials(*issued);
  return kExitOk;
}

}  // namespace

int RunStaff(int argc, char** argv) {
  const std::string_view sub = argc >= 1 ? std::string_view(argv[0]) : std::string_view();
  if (sub == "add")
    return Add(argc - 1, argv + 1);
  if (sub == "list")
    return List(argc - 1, argv + 1);
  if (sub == "disable")
    return Disable(argc - 1, argv + 1);
  if (sub == "reset")
    return Reset(argc - 1, argv + 1);
  if (sub == "--help" || sub == "-h") {
    std::printf("%s\n\nEach subcommand explains itself with --help.\n", kUsage);
    return kExitOk;
  }
  return Fail(std::string(kUsage));
}

}  // namespace ketenpoort::cli
