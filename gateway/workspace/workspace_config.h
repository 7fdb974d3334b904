// workspace.json: the configuration of one workspace process (`ketenpoort workspace`), loaded
// and validated in one step, like gateway.json (gateway/config/gateway_config.h).
//
//   // (compiled in examples_test.cpp, as is the example file below)
//   auto config = LoadWorkspaceConfig("demo/workspace.json");
//   if (!config) return Fail(config.error());   // "demo/workspace.json: listen.port: ..."
//   config->database.path                        // absolute: "/srv/demo/workspace.db"
//   config->FindOrganisation("shop-denhaag")->token_file
//
// Example (every key; see docs/API.md, configuration):
//
//   {
//     "listen": {"address": "127.0.0.1", "port": 8444,
//                "tls_cert": "certs/gateway.cert.pem", "tls_key": "certs/gateway.key.pem"},
//     "database": {"path": "workspace.db", "key_file": "workspace.key"},
//     "organisations": [
//       {"id": "shop-denhaag", "name": "SHOP Den Haag",
//        "gateway_url": "https://127.0.0.1:8443", "ca_file": "certs/ca.cert.pem",
//        "token_file": "tokens/shop-denhaag.workspace.token",
//        "key_file": "certs/shop-denhaag.key.pem", "cert_file": "certs/shop-denhaag.cert.pem",
//        "pseudonym_key_file": "certs/shop-denhaag.pseudonym.key",
//        "trust_anchors": "certs/ca.cert.pem"}
//     ],
//     "session": {"idle_timeout_ms": 900000},
//     "lockout": {"max_failures": 5, "lock_ms": 900000, "per_address_failures": 20},
//     "password_hash": {"time_cost": 3, "memory_kib": 65536, "parallelism": 1}
//   }
//
// Contract:
// - Strict, with the errors of config/config_reader.h: an unknown key, a wrong type, a value
//   out of range or a missing required key names "FILE: json.path". Required: listen.port,
//   listen.tls_cert, listen.tls_key, database.path, database.key_file and at least one
//   organisation, each with id (an organisation id, distinct), gateway_url (https), token_file,
//   key_file and cert_file. `name` defaults to the id, `ca_file` to none (the system's CAs),
//   `pseudonym_key_file` to ORG.pseudonym.key beside key_file, `trust_anchors` to ca_file.
// - Relative paths are resolved against the config file's folder; every path returned is
//   absolute.
// - The database key is read from database.key_file only (mode 0600, store/db_key.h), never
//   from KETENPOORT_DB_KEY, which belongs to the gateway's database.
// - Bounds: session.idle_timeout_ms 1 min .. 1 day (default 15 min); lockout.max_failures
//   1 .. 100 (default 5); lockout.lock_ms 1 s .. 1 day (default 15 min);
//   lockout.per_address_failures 1 .. 10000 (default 20); password_hash within
//   crypto::kMinimumPasswordCost .. kMaximumPasswordCost (default t=3, m=64 MiB, p=1;
//   crypto/password_hash.h says why).
// No secret lives in this file: the tokens, keys and the database key are files of their own.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/error.h"
#include "gateway/crypto/password_hash.h"

namespace ketenpoort::workspace {

struct WorkspaceListen {
  std::string address = "127.0.0.1";
  int port = 0;
  std::string tls_cert{};  // PEM chain, leaf first
  std::string tls_key{};   // PEM key, loaded by the keyring only
};

struct WorkspaceDatabase {
  std::string path{};
  std::string key_file{};
};

// An organisation this workspace acts for, with what the CLI's OrgSession uses to act for it
// (gateway/cli/org_session.h): its gateway, the CA of that gateway's TLS certificate, its API
// token, its key and certificate. The token is of role workspace: every request made with it
// names the person acting in Ketenpoort-Acting-User (gateway/auth/acting_user.h).
struct WorkspaceOrganisation {
  std::string id{};
  std::string name{};  // for people: "SHOP Den Haag"
  std::string gateway_url{};
  std::string ca_file{};  // empty: the system's CAs
  std::string token_file{};
  std::string key_file{};
  std::string cert_file{};
  // The secret behind this organisation's client pseudonyms (crypto::Keyring::Pseudonym);
  // default: ORG.pseudonym.key in the folder of key_file, where `ketenpoort init` puts it.
  std::string pseudonym_key_file{};
  // PEM CA certificates a received message's signature must chain to; empty: ca_file (the
  // deployment's CA). A gateway that federates lists its peers' CAs here too.
  std::string trust_anchors{};
};

struct LockoutPolicy {
  std::int64_t max_failures = 5;  // wrong logins in a row that lock the account
  std::int64_t lock_ms = 900000;  // how long it stays locked
  // Failed log-ins from one source address (an IPv6 /64) within lock_ms that make the log-in
  // page refuse that address until the window has passed (login_throttle.h).
  std::int64_t per_address_failures = 20;
};

struct WorkspaceConfig {
  std::string config_file{};  // absolute
  std::string base_dir{};     // its folder
  WorkspaceListen listen;
  WorkspaceDatabase database;
  std::vector<WorkspaceOrganisation> organisations{};
  std::int64_t session_idle_timeout_ms = 900000;
  LockoutPolicy lockout;
  crypto::PasswordCost password_cost;

  // The organisation `id`, or nullptr.
  const WorkspaceOrganisation* FindOrganisation(std::string_view id) const;
};

Result<WorkspaceConfig> LoadWorkspaceConfig(const std::string& file);

// Parses `text` as if it were the file `file`; does not touch the disk.
Result<WorkspaceConfig> ParseWorkspaceConfig(const std::string& file, std::string_view text);

}  // namespace ketenpoort::workspace
