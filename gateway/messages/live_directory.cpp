#include "gateway/messages/live_directory.h"

#include <utility>

namespace ketenpoort::server {

Result<DirectorySnapshot> DirectorySnapshot::Make(Directory directory, RoutingRules routes) {
  DirectorySnapshot s;
  KP_ASSIGN_OR_RETURN(s.certificates, DirectoryCertificates(directory));
  s.directory = std::move(directory);
  s.routes = std::move(routes);
  return s;
}

LiveDirectory::LiveDirectory(DirectorySnapshot first) {
  first.version = 1;
  current_ = std::make_shared<const DirectorySnapshot>(std::move(first));
}

std::shared_ptr<const DirectorySnapshot> LiveDirectory::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

std::uint64_t LiveDirectory::Replace(DirectorySnapshot next) {
  auto made = std::make_shared<DirectorySnapshot>(std::move(next));
  std::shared_ptr<const DirectorySnapshot> old;  // released outside the lock
  std::lock_guard lock(mu_);
  made->version = current_->version + 1;
  old = std::exchange(current_, std::move(made));
  return current_->version;
}

}  // namespace ketenpoort::server
