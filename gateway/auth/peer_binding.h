// What a peer token may do, beyond its role: a peer gateway delivers only with the TLS client
// certificate its token was issued for, and only for organisations whose directory entry names
// that gateway as theirs. Without this a peer token, stolen or simply another gateway's, could
// speak for any organisation served elsewhere.
//
//   // (compiled in examples_test.cpp)
//   // `ketenpoort token issue --role peer --org gw-b --gateway-url URL --cert gw-b.cert.pem`
//   PeerBinding b{.gateway_url = "https://gw-b.example.org:8443",
//                 .cert_sha256 = cert.Sha256Fingerprint()};
//   KP_RETURN_IF_ERROR(ValidatePeerBinding(b));          // before the token is stored
//
//   // On every request a peer token makes (api::Router::AddPrincipalCheck):
//   KP_RETURN_IF_ERROR(CheckPeerCertificate(principal, request.client_cert_sha256));
//   // On a delivery, for its sender:
//   KP_RETURN_IF_ERROR(CheckServedByPeer(principal, *directory.Find(from)));
//
// Refusals (kPermissionDenied, 403), with ids in the message, never the token:
//   peer token issued before tokens were bound (empty binding)   -> peer_token_unbound
//   the connection presented no client certificate, or another   -> peer_certificate_mismatch
//   the organisation is served here or by another gateway        -> sender_not_served_by_peer
// Tokens of any other role pass CheckPeerCertificate untouched.
#pragma once

#include <string_view>

#include "gateway/core/error.h"
#include "gateway/core/organisation.h"
#include "gateway/core/role.h"

namespace ketenpoort::auth {

// True for 32 bytes as Certificate::Sha256Fingerprint() writes them: "3F:A1:...:09", upper-case
// hex pairs joined by ':'.
bool IsSha256Fingerprint(std::string_view text);

// Ok when `binding` is complete: an https gateway URL (gateway_url.h) and a fingerprint.
// Else kInvalidArgument `invalid_peer_binding`, field "gateway_url" or "cert_sha256".
Status ValidatePeerBinding(const PeerBinding& binding);

// Ok for a principal that is not a peer, and for a peer whose connection presented the client
// certificate its token is bound to (`client_cert_sha256`: api::Request's field).
Status CheckPeerCertificate(const Principal& principal, std::string_view client_cert_sha256);

// Ok when `organisation`'s directory entry names the peer's gateway (the same origin and path,
// IsSameGateway) as the gateway that serves it.
Status CheckServedByPeer(const Principal& principal, const Organisation& organisation);

}  // namespace ketenpoort::auth
