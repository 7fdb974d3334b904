// An organisation's session with its gateway, as `ketenpoort send`, `inbox` and `open` set it
// up from `--config FILE --as ORG` and the optional overrides:
//
//   // (compiled in examples_test.cpp)
//   auto s = OrgSession::Open(OrgSessionOptions::FromFlags(*parsed), /*need_key=*/true);
//   if (!s) return Fail(s.error());                    // exit 2: bad config, token, key
//   (*s)->client().Post("/v1/messages", body);          // HTTPS to the gateway
//   (*s)->keyring().SignCms((*s)->key_id(), (*s)->certificate(), content);
//
// Where things come from (DIR = the folder of the config file):
//   gateway URL   --url, else https://HOST:PORT from listen (0.0.0.0 -> 127.0.0.1, :: -> ::1)
//   server CA     --ca, else DIR/certs/ca.cert.pem
//   API token     --token-file, else $KETENPOORT_TOKEN, else DIR/tokens/ORG.token
//   key, cert     --key / --cert, else DIR/certs/ORG.key.pem and DIR/certs/ORG.cert.pem
// The key is loaded only through crypto::Keyring (id "org:ORG"), and must belong to the
// certificate. With listen.client_ca set the gateway wants mutual TLS: the session then always
// loads the key and presents the organisation certificate (Keyring::InstallInTlsContext).
// Errors name the flag or file, never a token or key.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gateway/cli/flags.h"
#include "gateway/client/api_client.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/error.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/keyring.h"

namespace ketenpoort::cli {

// The flags every organisation command takes (see OrgSessionFlags()).
struct OrgSessionOptions {
  std::string config_file;
  std::string org;
  std::string url;
  std::string ca_file;
  std::string token_file;
  std::string key_file;
  std::string cert_file;

  static OrgSessionOptions FromFlags(const ParsedFlags& flags);
};

// --config, --as, --url, --ca, --token-file, --key, --cert, with help texts.
std::vector<Flag> OrgSessionFlags();

// https://HOST:PORT for a listen section: a wildcard host becomes the loopback address.
std::string GatewayUrlFor(const config::ListenConfig& listen);

class OrgSession {
 public:
  // `need_key`: load the organisation's key and certificate even without mutual TLS.
  static Result<std::unique_ptr<OrgSession>> Open(const OrgSessionOptions& options, bool need_key);

  const config::GatewayConfig& config() const { return config_; }
  const std::string& org() const { return org_; }
  const client::ApiClient& client() const { return *client_; }
  // Valid when the key was loaded (need_key or mutual TLS).
  const crypto::Keyring& keyring() const { return *keyring_; }
  const std::string& key_id() const { return key_id_; }
  const crypto::Certificate& certificate() const { return *certificate_; }
  bool has_key() const { return certificate_ != nullptr; }
  // DIR/certs/ca.cert.pem: the deployment's CA, the default trust anchor for signatures.
  std::string DefaultCaFile() const;

 private:
  OrgSession() = default;

  config::GatewayConfig config_;
  std::string org_;
  std::string key_id_;
  std::unique_ptr<crypto::Keyring> keyring_;  // stable address: the client points into it
  std::unique_ptr<crypto::Certificate> certificate_;
  std::unique_ptr<client::ApiClient> client_;
};

// Prints "ketenpoort: MESSAGE (CODE)" to stderr and returns kExitProblem: for a command that
// ran and was refused (by the gateway, or a signature or envelope check).
int FailProblem(const Error& error);

}  // namespace ketenpoort::cli
