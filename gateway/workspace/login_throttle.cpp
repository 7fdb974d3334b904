#include "gateway/workspace/login_throttle.h"

#include <arpa/inet.h>

#include <array>
#include <cstdio>

namespace ketenpoort::workspace {

std::string LoginThrottle::KeyOf(std::string_view address) {
  if (address.find(':') == std::string_view::npos)
    return std::string(address);
  std::string text(address);
  if (auto zone = text.find('%'); zone != std::string::npos)
    text.resize(zone);
  std::array<unsigned char, 16> bytes{};
  if (::inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1)
    return text;
  // An IPv4-mapped address (::ffff:a.b.c.d) is that IPv4 address.
  static constexpr std::array<unsigned char, 12> kMapped = {0, 0, 0, 0, 0,    0,
                                                            0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped.begin(), kMapped.end(), bytes.begin())) {
    char v4[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, bytes.data() + 12, v4, sizeof v4);
    return v4;
  }
  char key[40] = {};
  std::snprintf(key, sizeof key, "%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64", bytes[0], bytes[1],
                bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]);
  return key;
}

bool LoginThrottle::Allowed(std::string_view address, std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  auto it = windows_.find(KeyOf(address));
  if (it == windows_.end() || now_ms - it->second.start_ms >= options_.window_ms)
    return true;
  return it->second.failures < options_.max_failures;
}

void LoginThrottle::Failed(std::string_view address, std::int64_t now_ms) {
  const std::string key = KeyOf(address);
  std::lock_guard lock(mutex_);
  auto it = windows_.find(key);
  if (it == windows_.end()) {
    if (windows_.size() >= options_.max_addresses) {
      std::erase_if(windows_, [&](const auto& entry) {
        return now_ms - entry.second.start_ms >= options_.window_ms;
      });
      if (windows_.size() >= options_.max_addresses)
        return;
    }
    it = windows_.emplace(key, Window{now_ms, 0}).first;
  }
  Window& w = it->second;
  if (now_ms - w.start_ms >= options_.window_ms)
    w = Window{now_ms, 0};
  ++w.failures;
}

}  // namespace ketenpoort::workspace
