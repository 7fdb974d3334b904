#include "gateway/server/pending_response.h"

#include <utility>

namespace ketenpoort::server {

std::shared_ptr<PendingResponse> PendingResponse::Create() {
  return std::make_shared<PendingResponse>(Key{});
}

api::Response PendingResponse::Later() {
  return api::Response::Later([self = shared_from_this()](api::Response::Completion complete) {
    self->Attach(std::move(complete));
  });
}

void PendingResponse::Complete(api::Response response) {
  api::Response::Completion complete;
  {
    std::lock_guard lock(mu_);
    if (!waiting_) {
      ready_ = std::move(response);
      return;
    }
    complete = std::move(waiting_);
  }
  complete(std::move(response));  // outside the lock: it may write to the connection
}

void PendingResponse::Attach(api::Response::Completion complete) {
  api::Response response;
  {
    std::lock_guard lock(mu_);
    if (!ready_) {
      waiting_ = std::move(complete);
      return;
    }
    response = std::move(*ready_);
    ready_.reset();
  }
  complete(std::move(response));
}

}  // namespace ketenpoort::server
