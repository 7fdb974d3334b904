#include "gateway/workspace/sealed_submissions.h"

#include <algorithm>

namespace ketenpoort::workspace {

Result<nlohmann::json> SealedSubmissions::BodyFor(
    const std::string& org, const std::string& key, const crypto::Digest& digest,
    const std::function<Result<nlohmann::json>()>& seal) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  std::erase_if(entries_, [&](const auto& e) { return now - e.second.at > kTtl; });
  const std::string id = org + " " + key;
  if (auto it = entries_.find(id); it != entries_.end() && it->second.digest == digest)
    return it->second.body;
  KP_ASSIGN_OR_RETURN(nlohmann::json body, seal());
  if (entries_.size() >= kCapacity && entries_.count(id) == 0) {
    auto oldest =
        std::min_element(entries_.begin(), entries_.end(),
                         [](const auto& a, const auto& b) { return a.second.at < b.second.at; });
    entries_.erase(oldest);
  }
  entries_[id] = Entry{.digest = digest, .body = body, .at = now};
  return body;
}

void SealedSubmissions::Forget(const std::string& org, const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.erase(org + " " + key);
}

}  // namespace ketenpoort::workspace
