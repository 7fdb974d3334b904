// A response a handler promises before it is ready: the work goes on elsewhere (a group commit)
// and whoever finishes it completes the response, from any thread, without a thread waiting.
//
//   // (compiled in examples_test.cpp)
//   auto pending = PendingResponse::Create();
//   commits.Submit([entry](store::Database& db) { return AuditLog().Append(db, entry); },
//                  [pending](Status s) {   // on the committer thread, after the commit
//                    pending->Complete(s ? Response::Json(202, {{"id", id}})
//                                        : Response::FromError(s.error()));
//                  });
//   return pending->Later();   // the handler's Response (api::Response::Later)
//
// Complete may come before or after the server takes up the deferred response: whichever of
// the two comes second delivers it. Complete must be called exactly once, with a response that
// is neither deferred nor streamed; Later is called once. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "gateway/api/http_types.h"

namespace ketenpoort::server {

class PendingResponse : public std::enable_shared_from_this<PendingResponse> {
  struct Key {};  // only Create constructs one: Later needs it to be owned by a shared_ptr

 public:
  static std::shared_ptr<PendingResponse> Create();
  explicit PendingResponse(Key) {}

  // The deferred response for the handler to return.
  api::Response Later();
  // The response, now ready.
  void Complete(api::Response response);

 private:
  // The server's completion, now known.
  void Attach(api::Response::Completion complete);

  std::mutex mu_;
  std::optional<api::Response> ready_;  // Complete came first
  api::Response::Completion waiting_;   // Attach came first
};

}  // namespace ketenpoort::server
