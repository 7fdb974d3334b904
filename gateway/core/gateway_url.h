// A peer gateway's base URL, split so that two spellings of one gateway compare equal: the
// scheme and host in lower case, the port 443 made explicit, trailing slashes dropped.
// directory.json's "gateway", gateway.json's federation.peers[].url and a peer token's
// binding (auth/peer_binding.h) all name gateways this way.
//
//   // (compiled in examples_test.cpp)
//   auto u = ParseGatewayUrl("https://GW-B.example.org/kp/");
//   u->origin     // "https://gw-b.example.org:443"
//   u->authority  // "gw-b.example.org:443"
//   u->path       // "/kp"
//   IsSameGateway("https://gw-b.example.org:443/kp", "https://GW-B.example.org/kp/")  // true
//   IsSameGateway("https://gw-b.example.org", "https://gw-b.example.org:8443")        // false
//
// Only https URLs parse; anything else (or an empty host) is nullopt, and IsSameGateway is
// false when either side does not parse.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ketenpoort {

struct GatewayUrl {
  std::string origin;     // "https://host:port"
  std::string authority;  // "host:port", for log lines
  std::string path;       // "" or "/..." without a trailing slash
};

std::optional<GatewayUrl> ParseGatewayUrl(std::string_view url);

// True when `a` and `b` both parse and have the same origin and path.
bool IsSameGateway(std::string_view a, std::string_view b);

}  // namespace ketenpoort
