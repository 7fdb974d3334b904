// The TLS settings of every HTTPS server context (docs/DESIGN.md, security model: transport),
// and mutual TLS.
//
//   // (compiled in examples_test.cpp)
//   auto tls = ServerTls::Create(install_certificate_and_key, "certs/ca.cert.pem");
//   if (!tls) return tls.error();            // unreadable CA file, or the callback failed
//   KP_RETURN_IF_ERROR(tls->Configure(ctx));  // on each new SSL_CTX; any thread
//
// Configure sets on `ctx`:
//   protocols     TLS 1.2 and TLS 1.3 only (1.3 is preferred by OpenSSL when both sides have it)
//   TLS 1.2       ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 only (ECDSA or RSA keys)
//   TLS 1.3       AES-256-GCM, ChaCha20-Poly1305, AES-128-GCM
//   groups        X25519, P-256, P-384
//   options       no compression, no renegotiation, server cipher preference
//   resumption    a server session cache and one ticket per handshake, for the one context
//                 that serves every connection (a returning client skips the full handshake)
//   modes         buffers released while idle, partial writes (api/tls_socket.h)
//   certificate   through `install_certificate_and_key`, which the application wires to the
//                 keyring: this module never reads a private key
//   client certs  with a client CA file: required, verified against those CAs only (and their
//                 names sent in the CertificateRequest); without one: not requested
//
// Create loads the CA file once (certificates only; each must be a CA) and runs Configure on a
// scratch context, so a broken key or certificate fails at startup, not at the first handshake.
// Errors: CA file missing -> kNotFound "file_not_found"; no certificate in it or a non-CA
// certificate -> kInvalidArgument "invalid_client_ca" (field: the file); an OpenSSL setting
// refused -> kInternal "tls_setup_failed"; the callback's own error is passed through.
#pragma once

#include <openssl/ssl.h>

#include <functional>
#include <string>
#include <vector>

#include "gateway/core/error.h"
#include "gateway/crypto/openssl_handles.h"

namespace ketenpoort::api {

class ServerTls {
 public:
  using InstallCertificateAndKey = std::function<Status(SSL_CTX*)>;

  // `client_ca_file` empty: no client certificates. `install` must not be empty.
  static Result<ServerTls> Create(InstallCertificateAndKey install,
                                  const std::string& client_ca_file);

  // Applies the policy above to `ctx`. Thread-safe; cheap apart from `install` itself.
  Status Configure(SSL_CTX* ctx) const;

  // True when client certificates are required.
  bool mutual() const { return client_trust_ != nullptr; }

 private:
  ServerTls() = default;

  InstallCertificateAndKey install_;
  ossl::X509Store client_trust_;  // shared with every context (SSL_CTX_set1_cert_store)
  std::vector<ossl::X509Ptr> client_cas_;
};

}  // namespace ketenpoort::api
