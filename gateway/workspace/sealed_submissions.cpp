#include "gateway/workspace/sealed_submissions.h"

#include <algorithm>
#include <exception>
#include <utility>

namespace ketenpoort::workspace {

namespace {

// `seal`'s result; an exception becomes an error, so that a post waiting for it gets an answer.
Result<nlohmann::json> SealOnce(const std::function<Result<nlohmann::json>()>& seal) {
  try {
    return seal();
  } catch (const std::exception&) {
    return Internal("seal_failed", "the message could not be sealed");
  }
}

}  // namespace

Result<nlohmann::json> SealedSubmissions::BodyFor(
    const std::string& org, const std::string& key, const crypto::Digest& digest,
    const std::function<Result<nlohmann::json>()>& seal) {
  const auto now = std::chrono::steady_clock::now();
  const std::string id = org + " " + key;
  std::promise<Result<nlohmann::json>> sealed;
  std::unique_lock<std::mutex> lock(mutex_);
  std::erase_if(entries_, [&](const auto& e) { return now - e.second.at > kTtl; });
  if (auto it = entries_.find(id); it != entries_.end() && it->second.digest == digest) {
    // The same form again: its body, once the first post has sealed it.
    std::shared_future<Result<nlohmann::json>> body = it->second.body;
    lock.unlock();
    return body.get();
  }
  if (entries_.size() >= kCapacity && entries_.count(id) == 0) {
    auto oldest =
        std::min_element(entries_.begin(), entries_.end(),
                         [](const auto& a, const auto& b) { return a.second.at < b.second.at; });
    entries_.erase(oldest);
  }
  entries_[id] = Entry{.digest = digest, .body = sealed.get_future().share(), .at = now};
  lock.unlock();

  Result<nlohmann::json> body = SealOnce(seal);
  sealed.set_value(body);
  if (!body) {
    lock.lock();
    auto it = entries_.find(id);
    if (it != entries_.end() && it->second.digest == digest)
      entries_.erase(it);
  }
  return body;
}

void SealedSubmissions::Forget(const std::string& org, const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.erase(org + " " + key);
}

}  // namespace ketenpoort::workspace
