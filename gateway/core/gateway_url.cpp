#include "gateway/core/gateway_url.h"

#include <algorithm>
#include <cctype>

namespace ketenpoort {

namespace {

void ToLower(std::string& s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
}

}  // namespace

std::optional<GatewayUrl> ParseGatewayUrl(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.size() <= kScheme.size())
    return std::nullopt;
  std::string scheme(url.substr(0, kScheme.size()));
  ToLower(scheme);
  if (scheme != kScheme)
    return std::nullopt;
  std::string_view rest = url.substr(kScheme.size());
  std::size_t slash = rest.find('/');
  std::string authority(rest.substr(0, slash));
  std::string path(slash == std::string_view::npos ? "" : rest.substr(slash));
  while (!path.empty() && path.back() == '/')
    path.pop_back();
  if (authority.empty())
    return std::nullopt;
  ToLower(authority);
  std::size_t bracket = authority.rfind(']');
  std::size_t colon = authority.rfind(':');
  if (colon == std::string::npos || (bracket != std::string::npos && colon < bracket))
    authority += ":443";
  return GatewayUrl{std::string(kScheme) + authority, authority, path};
}

bool IsSameGateway(std::string_view a, std::string_view b) {
  auto x = ParseGatewayUrl(a);
  auto y = ParseGatewayUrl(b);
  return x && y && x->origin == y->origin && x->path == y->path;
}

}  // namespace ketenpoort
