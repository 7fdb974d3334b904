// The directory and the routing rules a running gateway works with, replaced whole when the
// operator reloads them (SIGHUP, `ketenpoort serve`). They travel together, with the
// organisations' certificates parsed once, because the rules are checked against the
// directory they were loaded with (routing_rules.h).
//
//   // (compiled in examples_test.cpp)
//   auto first = DirectorySnapshot::Make(*dir, *routes);   // parses the certificates
//   LiveDirectory live(std::move(*first));
//   auto now = live.Current();                 // hold it for the whole operation
//   const Organisation* org = now->directory.Find("comensha");
//   now->routes.Resolve(input);                 // rules of the same version as `org`
//   now->certificates.find("comensha")         // its certificate, parsed
//   live.Replace(std::move(*DirectorySnapshot::Make(*next_dir, *next_routes)));
//   // `now` and `org` stay valid; the next Current() returns the new pair
//
// Contract:
// - Current() returns the latest snapshot; a snapshot is immutable and lives as long as anyone
//   holds it, so a request that took one before a reload finishes with the old directory and
//   rules, consistently, and never with one from each.
// - Take the snapshot once per operation and keep the shared_ptr while using what it holds:
//   a pointer from `Current()->directory.Find(...)` on a temporary may dangle after a reload.
// - Make parses the certificates (errors as DirectoryCertificates); the caller has checked the
//   rules against the directory (RoutingRules::FromJson does) before handing both over.
// - All members are safe to call from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "gateway/core/directory.h"
#include "gateway/core/error.h"
#include "gateway/core/routing_rules.h"
#include "gateway/messages/message_fields.h"

namespace ketenpoort::server {

struct DirectorySnapshot {
  Directory directory{};
  RoutingRules routes{};
  CertificateMap certificates{};  // DirectoryCertificates(directory)
  std::uint64_t version = 0;      // set by LiveDirectory: 1 for the first, +1 at each Replace

  static Result<DirectorySnapshot> Make(Directory directory, RoutingRules routes);
};

class LiveDirectory {
 public:
  explicit LiveDirectory(DirectorySnapshot first);
  LiveDirectory(const LiveDirectory&) = delete;
  LiveDirectory& operator=(const LiveDirectory&) = delete;

  std::shared_ptr<const DirectorySnapshot> Current() const;
  // Makes `next` the current snapshot and returns its version.
  std::uint64_t Replace(DirectorySnapshot next);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const DirectorySnapshot> current_;
};

}  // namespace ketenpoort::server
