#include "gateway/api/server_tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <utility>

namespace ketenpoort::api {

namespace {

constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";
constexpr const char* kTls13Suites =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
constexpr const char* kGroups = "X25519:P-256:P-384";
constexpr int kClientChainDepth = 4;
constexpr long kSessionCacheSize = 20000;
constexpr long kSessionLifetimeSeconds = 2 * 3600;
constexpr unsigned char kSessionIdContext[] = "ketenpoort";

Error TlsSetupFailed(const char* what) {
  ERR_clear_error();
  return Internal("tls_setup_failed", std::string("cannot configure TLS: ") + what);
}

// Every certificate in the PEM file at `path`; each must be a CA certificate.
Result<std::vector<ossl::X509Ptr>> LoadCaCertificates(const std::string& path) {
  ossl::Bio bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    ERR_clear_error();
    return NotFound("file_not_found", "cannot open the client CA file", path);
  }
  std::vector<ossl::X509Ptr> certs;
  while (true) {
    ossl::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert)
      break;
    if (X509_check_ca(cert.get()) == 0) {
      return InvalidArgument("invalid_client_ca",
                             "the client CA file holds a certificate that is not a CA", path);
    }
    certs.push_back(std::move(cert));
  }
  // The loop ends at the first read failure: the end of the file, or garbage.
  unsigned long err = ERR_peek_last_error();
  bool clean_end = ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
  ERR_clear_error();
  if (certs.empty() || !clean_end) {
    return InvalidArgument("invalid_client_ca",
                           certs.empty() ? "the client CA file holds no PEM certificate"
                                         : "the client CA file holds an unreadable certificate",
                           path);
  }
  return certs;
}

}  // namespace

Result<ServerTls> ServerTls::Create(InstallCertificateAndKey install,
                                    const std::string& client_ca_file) {
  if (!install) {
    return Internal("tls_setup_failed", "no certificate and key installer was configured");
  }
  ServerTls tls;
  tls.install_ = std::move(install);
  if (!client_ca_file.empty()) {
    KP_ASSIGN_OR_RETURN(tls.client_cas_, LoadCaCertificates(client_ca_file));
    tls.client_trust_.reset(X509_STORE_new());
    if (!tls.client_trust_)
      return TlsSetupFailed("out of memory");
    for (const auto& ca : tls.client_cas_) {
      if (X509_STORE_add_cert(tls.client_trust_.get(), ca.get()) != 1) {
        return TlsSetupFailed("cannot add a client CA certificate to the trust store");
      }
    }
  }
  // Fail now rather than at the first handshake.
  ossl::SslCtx scratch(SSL_CTX_new(TLS_server_method()));
  if (!scratch)
    return TlsSetupFailed("cannot create an SSL_CTX");
  KP_RETURN_IF_ERROR(tls.Configure(scratch.get()));
  return tls;
}

Status ServerTls::Configure(SSL_CTX* ctx) const {
  // Protocol versions. The context may come from a legacy method (boost's sslv23), so clear
  // any "no TLS 1.2/1.3" option and set both bounds explicitly.
  SSL_CTX_clear_options(ctx, SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3);
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, 0) != 1) {  // 0: the highest this OpenSSL has (1.3)
    return TlsSetupFailed("cannot set the protocol versions");
  }
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Idle connections give their read and write buffers back; writes may be partial and may
  // be retried from a moved buffer (api/tls_socket.h drives OpenSSL directly).
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    return TlsSetupFailed("cannot set the TLS 1.2 cipher list");
  }
  if (SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1) {
    return TlsSetupFailed("cannot set the TLS 1.3 cipher suites");
  }
  if (SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    return TlsSetupFailed("cannot set the key exchange groups");
  }
  // Resumption: one context serves every connection, so a returning client skips the full
  // handshake (TLS 1.3 tickets, TLS 1.2 tickets or the session cache). The session id context
  // is required for resumption when client certificates are verified.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  SSL_CTX_sess_set_cache_size(ctx, kSessionCacheSize);
  SSL_CTX_set_timeout(ctx, kSessionLifetimeSeconds);
  SSL_CTX_set_num_tickets(ctx, 1);
  if (SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof kSessionIdContext - 1) != 1)
    return TlsSetupFailed("cannot set the session id context");

  KP_RETURN_IF_ERROR(install_(ctx));
  if (SSL_CTX_get0_certificate(ctx) == nullptr || SSL_CTX_check_private_key(ctx) != 1) {
    return TlsSetupFailed("the installed private key does not match the installed certificate");
  }

  if (client_trust_) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    SSL_CTX_set_verify_depth(ctx, kClientChainDepth);
    SSL_CTX_set1_cert_store(ctx, client_trust_.get());  // takes its own reference
    for (const auto& ca : client_cas_) {
      if (SSL_CTX_add_client_CA(ctx, ca.get()) != 1) {
        return TlsSetupFailed("cannot list a client CA name");
      }
    }
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  return Ok();
}

}  // namespace ketenpoort::api
