#include "gateway/audit/audit_throttle.h"

namespace ketenpoort::server {

AuditThrottle::AuditThrottle(Options options) : options_(options) {}

std::optional<std::uint64_t> AuditThrottle::Admit(std::string_view address, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  // Addresses whose interval is over and that owe no count carry nothing: drop them, oldest
  // first, so that the table holds only addresses seen within the last interval (or with a
  // count still to report).
  while (!by_age_.empty()) {
    auto oldest = slots_.find(by_age_.front());
    if (now_ms - oldest->second.admitted_ms < options_.interval_ms || oldest->second.left_out > 0)
      break;
    Forget(oldest);
  }

  auto it = slots_.find(std::string(address));
  if (it != slots_.end()) {
    Slot& slot = it->second;
    if (now_ms - slot.admitted_ms < options_.interval_ms) {
      ++slot.left_out;
      return std::nullopt;
    }
    const std::uint64_t left_out = slot.left_out;
    slot.left_out = 0;
    slot.admitted_ms = now_ms;
    by_age_.splice(by_age_.end(), by_age_, slot.age);  // now the youngest
    return left_out;
  }

  if (options_.max_addresses == 0)
    return 0;  // nothing can be tracked: every failure is recorded
  while (slots_.size() >= options_.max_addresses)
    Forget(slots_.find(by_age_.front()));
  by_age_.emplace_back(address);
  slots_.emplace(by_age_.back(), Slot{now_ms, 0, std::prev(by_age_.end())});
  return 0;
}

void AuditThrottle::Forget(std::unordered_map<std::string, Slot>::iterator it) {
  unreported_ += it->second.left_out;
  by_age_.erase(it->second.age);
  slots_.erase(it);
}

std::size_t AuditThrottle::tracked() const {
  std::lock_guard lock(mu_);
  return slots_.size();
}

std::uint64_t AuditThrottle::unreported() const {
  std::lock_guard lock(mu_);
  return unreported_;
}

}  // namespace ketenpoort::server
