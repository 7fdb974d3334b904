// The workspace process (`ketenpoort workspace --config workspace.json`): its database, its
// TLS key in a keyring, the login, the routes and an HTTPS server of gateway/api, built from
// one WorkspaceConfig. The workspace's composition root, as gateway/server is the gateway's.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(std::unique_ptr<WorkspaceServer> ws, WorkspaceServer::Open(*config));
//   KP_RETURN_IF_ERROR(ws->Start());     // "listen_failed ... Address already in use"
//   ws->Url();                           // "https://127.0.0.1:8444"
//   ws->Stop();                          // drains requests, then closes the database
//
// Contract: Open reads everything that can be wrong before anything listens: the database
// (created when missing, workspace_database.h), the TLS key and chain; its errors name the
// file. Start serves until Stop (the destructor stops too). The server runs 4 worker threads:
// a login's password check holds 64 MiB for ~130 ms (crypto/password_hash.h), so at most
// 4 x 64 MiB are in use however many logins arrive at once. Logs `workspace_listening url=`.
#pragma once

#include <memory>
#include <string>

#include "gateway/core/error.h"
#include "gateway/workspace/workspace_config.h"

namespace ketenpoort::workspace {

class WorkspaceServer {
 public:
  static Result<std::unique_ptr<WorkspaceServer>> Open(const WorkspaceConfig& config);
  ~WorkspaceServer();
  WorkspaceServer(const WorkspaceServer&) = delete;
  WorkspaceServer& operator=(const WorkspaceServer&) = delete;

  Status Start();
  void Stop();
  std::string Url() const;

 private:
  struct State;
  explicit WorkspaceServer(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
};

}  // namespace ketenpoort::workspace
