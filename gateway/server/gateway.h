// The running daemon: everything `ketenpoort serve` needs, opened from one config.
//
//   // (compiled in examples_test.cpp)
//   auto config = config::LoadGatewayConfig(path);
//   auto gateway = server::Gateway::Open(*config);   // key, database, directory, routes, TLS key
//   if (!gateway) -> one clear error, nothing changed on disk
//   KP_RETURN_IF_ERROR((*gateway)->Start());          // HTTPS on listen.host:listen.port
//   ... on SIGHUP: (*gateway)->ReloadDirectory(); ... wait for SIGTERM ...
//   (*gateway)->Stop();                               // finishes in-flight requests, closes db
//
// Open() validates everything before anything listens: a wrong database key, an invalid
// directory or routes file, a kind's settings (`kinds.NAME`) or an unusable TLS key fail here,
// with the file named.
//
// The message kinds are the build's own (adapters/kinds/registry.h: BuiltinKinds()) unless a
// registry is given; a test that adds a kind of its own runs a gateway with it that way.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gateway/api/router.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/error.h"
#include "gateway/core/kind_registry.h"

namespace ketenpoort::server {

class Gateway {
 public:
  static Result<std::unique_ptr<Gateway>> Open(const config::GatewayConfig& config);
  // The same with `kinds`, which must outlive the gateway.
  static Result<std::unique_ptr<Gateway>> Open(const config::GatewayConfig& config,
                                               const KindRegistry& kinds);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Starts serving. Error when the address cannot be bound.
  Status Start();
  // Stops accepting, waits for in-flight requests, closes the database. Idempotent.
  void Stop();

  // Reads the directory and routes files again (the paths of the config given to Open) and
  // makes them current for every request and worker that starts afterwards; what runs keeps the
  // version it started with (messages/live_directory.h). All or nothing: an unreadable or
  // invalid file, routes that do not fit the new directory, or a certificate that does not
  // parse keep the old pair in use and return the error, naming the file. Logs `reloaded`
  // (with the new version and counts) or `reload_failed` (with the error). Safe to call while
  // serving, from any one thread at a time. The portal's certificate, the TLS key and the
  // rest of gateway.json are not reloaded: those need a restart.
  Status ReloadDirectory();

  // "https://HOST:PORT" as clients should use it.
  std::string Url() const;

  // Every route this gateway serves (api::Router::Routes), whether started or not: what the
  // test of the API's published description (gateway/server/openapi.json) holds it to.
  std::vector<api::RouteInfo> Routes() const;

 private:
  struct State;
  explicit Gateway(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ketenpoort::server
