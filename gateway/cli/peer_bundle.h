// What `ketenpoort peer invite` prints and `ketenpoort peer join` reads: everything one gateway
// must know of another to federate with it, as one line of text to hand over out of band.
//
//   // (compiled in examples_test.cpp)
//   PeerBundle b{.gateway = "gw-a", .url = "https://gw-a.example.org:8443",
//                .ca_pem = ca_pem, .certificate_pem = tls_cert_pem,
//                .organisations = {{{"id", "shop-denhaag"}, ...}},  // directory.json entries
//                .token = "kpt_..."};
//   std::string text = BundleToText(b);             // "kpb1.eyJ..." (one line)
//   KP_ASSIGN_OR_RETURN(PeerBundle back, BundleFromText(text));
//   // back == b
//
// The text is "kpb1." and base64url (unpadded) of the JSON object {"version": 1, "gateway",
// "url", "ca", "certificate", "organisations", "token"}. BundleFromText checks, each a
// kInvalidArgument "invalid_bundle" naming the key:
//   not "kpb1." + base64url of a JSON object with exactly those keys, version not 1
//   gateway not an id (lower-case letters, digits, '-'); url not an https URL
//   ca not one certificate; certificate not one certificate issued by ca
//   organisations not an array of objects with an organisation "id" and a "certificate"
//     that is empty or issued by ca; an id twice
//   token not "kpt_..."
// The bundle carries a bearer token: whoever holds it may present it, although the inviting
// gateway honours it only once it has joined the answering bundle (auth/api_token.h
// IssuePeerInvite). Hand it over as you would a password.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/core/error.h"

namespace ketenpoort::cli {

struct PeerBundle {
  std::string gateway{};          // gateway.id of the gateway that made it
  std::string url{};              // its base URL, as peers' directories name it
  std::string ca_pem{};           // the CA of its TLS and organisation certificates
  std::string certificate_pem{};  // its TLS certificate, which it presents to peers
  nlohmann::json organisations = nlohmann::json::array();  // its directory.json entries
  std::string token{};  // a peer token it issued for the gateway that joins this bundle

  bool operator==(const PeerBundle&) const = default;
};

std::string BundleToText(const PeerBundle& bundle);
Result<PeerBundle> BundleFromText(std::string_view text);

}  // namespace ketenpoort::cli
