#include "gateway/auth/peer_binding.h"

#include <string>

#include "gateway/core/gateway_url.h"

namespace ketenpoort::auth {

namespace {
constexpr std::size_t kSha256Bytes = 32;

bool IsUpperHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}
}  // namespace

bool IsSha256Fingerprint(std::string_view text) {
  if (text.size() != kSha256Bytes * 3 - 1)
    return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool ok = i % 3 == 2 ? text[i] == ':' : IsUpperHex(text[i]);
    if (!ok)
      return false;
  }
  return true;
}

Status ValidatePeerBinding(const PeerBinding& binding) {
  if (!ParseGatewayUrl(binding.gateway_url)) {
    return InvalidArgument("invalid_peer_binding",
                           "must be the peer gateway's https:// URL, as directory.json names it",
                           "gateway_url");
  }
  if (!IsSha256Fingerprint(binding.cert_sha256)) {
    return InvalidArgument("invalid_peer_binding",
                           "must be a SHA-256 certificate fingerprint (3F:A1:...)", "cert_sha256");
  }
  return Ok();
}

Status CheckPeerCertificate(const Principal& principal, std::string_view client_cert_sha256) {
  if (principal.role != Role::kPeer)
    return Ok();
  const std::string token =
      "peer token " + std::to_string(principal.token_id) + " of gateway '" + principal.org + "'";
  if (principal.peer.cert_sha256.empty()) {
    return PermissionDenied("peer_token_unbound",
                            token + " is bound to no certificate; issue a new one with --cert");
  }
  if (client_cert_sha256.empty()) {
    return PermissionDenied("peer_certificate_mismatch",
                            token + " needs its client certificate; the connection presented none");
  }
  if (client_cert_sha256 != principal.peer.cert_sha256) {
    return PermissionDenied(
        "peer_certificate_mismatch",
        token + " was issued for another client certificate than the connection presented");
  }
  return Ok();
}

Status CheckServedByPeer(const Principal& principal, const Organisation& organisation) {
  if (principal.role == Role::kPeer && !organisation.gateway_url.empty() &&
      IsSameGateway(organisation.gateway_url, principal.peer.gateway_url)) {
    return Ok();
  }
  return PermissionDenied("sender_not_served_by_peer",
                          "organisation '" + organisation.id + "' is not served by gateway '" +
                              principal.org + "' in this gateway's directory");
}

}  // namespace ketenpoort::auth
