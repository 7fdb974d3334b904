// Seals test payloads the way a sending organisation does: sign with the sender's key, then
// encrypt to the recipients' certificates, with the keys and certificates of a deployment made
// by `ketenpoort init --demo` (DIR/certs/ORG.key.pem, DIR/certs/ORG.cert.pem).
//
//   Sealer sealer(dep->dir());
//   std::string b64 = sealer.SealBase64("shop-denhaag", {"comensha"}, "synthetic signal");
//   std::string content = sealer.Open("comensha", base64_payload);   // "" when it fails
//
// Uses the project's crypto module (the same calls `ketenpoort send` makes); tests that must
// not trust it use the `openssl cms` command line instead. Throws std::runtime_error on failure:
// test set-up only.
#pragma once

#include <string>
#include <vector>

#include "gateway/crypto/keyring.h"

namespace ketenpoort::testing {

class Sealer {
 public:
  explicit Sealer(std::string deployment_dir);

  // Signed by `sender`, encrypted to every org in `recipients` (and nobody else; add the
  // sender to the list to include it), base64 of the DER envelope.
  std::string SealBase64(const std::string& sender, const std::vector<std::string>& recipients,
                         const std::string& content);
  // Decrypts as `org` and verifies the signature against the deployment's CA; the content.
  std::string Open(const std::string& org, const std::string& base64_payload);

 private:
  void Load(const std::string& org);
  std::string dir_;
  crypto::Keyring keys_;
};

}  // namespace ketenpoort::testing
