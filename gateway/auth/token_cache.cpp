#include "gateway/auth/token_cache.h"

#include <algorithm>
#include <vector>

#include "gateway/auth/api_token.h"

namespace ketenpoort::auth {

namespace {

std::string Key(std::string_view token) {
  const crypto::Digest digest = HashApiToken(token);
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

}  // namespace

TokenCache::TokenCache(Options options) : options_(options) {}

std::optional<Principal> TokenCache::Find(std::string_view token) const {
  if (options_.ttl.count() <= 0)
    return std::nullopt;
  const std::string key = Key(token);
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || Clock::now() >= it->second.until)
    return std::nullopt;
  return it->second.principal;
}

void TokenCache::Remember(std::string_view token, const Principal& principal) {
  if (options_.ttl.count() <= 0 || options_.max_entries == 0)
    return;
  std::string key = Key(token);
  const Clock::time_point now = Clock::now();
  std::lock_guard lock(mu_);
  if (entries_.size() >= options_.max_entries && !entries_.contains(key))
    EvictLocked(now);
  entries_.insert_or_assign(std::move(key), Entry{principal, now + options_.ttl});
}

void TokenCache::Clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

void TokenCache::EvictLocked(Clock::time_point now) {
  std::erase_if(entries_, [now](const auto& e) { return now >= e.second.until; });
  if (entries_.size() < options_.max_entries)
    return;
  // Still full of live entries: forget those that expire first, half of them.
  std::vector<Clock::time_point> until;
  until.reserve(entries_.size());
  for (const auto& [key, entry] : entries_)
    until.push_back(entry.until);
  auto middle = until.begin() + static_cast<std::ptrdiff_t>(until.size() / 2);
  std::nth_element(until.begin(), middle, until.end());
  const Clock::time_point cut = *middle;
  std::erase_if(entries_, [cut](const auto& e) { return e.second.until <= cut; });
}

}  // namespace ketenpoort::auth
