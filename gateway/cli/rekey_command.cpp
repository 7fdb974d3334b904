// `ketenpoort rekey --config FILE --new-key FILE`: re-encrypts the database under a new key.
#include <cstdio>
#include <cstdlib>

#include "gateway/audit/audit_log.h"
#include "gateway/cli/cli_common.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/io/file.h"
#include "gateway/store/db_key.h"

namespace ketenpoort::cli {

int RunRekey(int argc, char** argv) {
  Flags flags(
      "rekey",
      "Re-encrypts the database under the key in --new-key (64 hex characters, mode\n"
      "0600; make one with `openssl rand -hex 32 > new.key && chmod 600 new.key`).\n"
      "Afterwards the config's database.key_file holds the new key. When the key comes\n"
      "from KETENPOORT_DB_KEY instead, set that variable to the new key before restarting.\n"
      "Stop the gateway first.",
      {{"config", "FILE", "the deployment's gateway.json", Flag::kRequired},
       {"new-key", "FILE", "file holding the new key", Flag::kRequired}});
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  auto new_key = store::DbKey::LoadFile(parsed->Get("new-key"));
  if (!new_key)
    return Fail(new_key.error());
  auto deployment = OpenDeploymentDatabase(parsed->Get("config"));
  if (!deployment)
    return Fail(deployment.error());

  if (Status s = deployment->db.Rekey(*new_key); !s)
    return Fail(s.error());
  // A key change is an audit entry (NEN 7513), written under the new key. The rekey has
  // happened either way, so a failure here is a warning, not a failed command.
  {
    audit::AuditEntry e;
    e.time_ms = audit::NowMs();
    e.event = std::string(audit::event::kKeyChange);
    e.user = "ketenpoort-cli";
    e.role = "admin";
    e.action = std::string(audit::action::kUpdate);
    e.object = "database_key";
    e.authorisation_basis = "operator";
    e.outcome = std::string(audit::kOutcomeSuccess);
    Status logged = [&]() -> Status {
      KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(deployment->db));
      KP_RETURN_IF_ERROR(audit::AuditLog().Append(deployment->db, std::move(e)));
      return tx.Commit();
    }();
    if (!logged) {
      std::fprintf(stderr, "ketenpoort: warning: the key change could not be audited: %s\n",
                   logged.error().ToString().c_str());
    }
  }
  bool from_env = std::getenv("KETENPOORT_DB_KEY") != nullptr;
  if (!from_env) {
    auto text = io::ReadFile(parsed->Get("new-key"));
    if (!text)
      return Fail(text.error());
    if (Status s = io::ReplaceFile(deployment->config.database.key_file, *text, 0600); !s) {
      std::fprintf(stderr,
                   "ketenpoort: the database is now encrypted under the key in %s, but %s could "
                   "not be updated: copy it there by hand\n",
                   parsed->Get("new-key").c_str(), deployment->config.database.key_file.c_str());
      return Fail(s.error());
    }
    std::printf("Re-encrypted %s; %s now holds the new key.\n",
                deployment->config.database.path.c_str(),
                deployment->config.database.key_file.c_str());
  } else {
    std::printf("Re-encrypted %s; set KETENPOORT_DB_KEY to the new key before restarting.\n",
                deployment->config.database.path.c_str());
  }
  return kExitOk;
}

}  // namespace ketenpoort::cli
