#include "gateway/server/federation_routes.h"

#include <utility>

#include "gateway/federation/receipt.h"
#include "gateway/federation/status_report.h"
#include "gateway/messages/federation_message.h"
#include "gateway/server/pending_response.h"

namespace ketenpoort::server {

namespace {

// A peer's POST whose answer is a receipt: the JSON body goes to `handle` with the caller and
// the completion, which answers 202 with the receipt (or the error) once the group commit has
// it on disk; no thread waits.
template <typename Handle>
api::Response ReceiptRoute(api::Request& req, Handle handle) {
  auto body = api::ParseJsonBody(req);
  if (!body)
    return api::Response::FromError(body.error());
  auto pending = PendingResponse::Create();
  FederationService::Done done = [pending](Result<delivery::ReceiptAnswer> answer) {
    pending->Complete(answer ? api::Response::Json(202, delivery::ToJson(*answer))
                             : api::Response::FromError(answer.error()));
  };
  handle(Caller{*req.principal, req.remote_address}, *body, std::move(done));
  return pending->Later();
}

}  // namespace

void RegisterFederationRoutes(api::Router& router, FederationService& service) {
  FederationService* s = &service;
  router.AddPrincipalCheck([s](const Principal& principal, const api::Request& req) {
    return s->CheckPeerConnection(Caller{principal, req.remote_address}, req.client_cert_sha256);
  });
  router.Add("POST", "/v1/federation/messages", api::Access::Roles({Role::kPeer}),
             [s](api::Request& req) {
               return ReceiptRoute(req, [s](const Caller& caller, const nlohmann::json& body,
                                            FederationService::Done done) {
                 auto message = delivery::FederationMessageFromJson(body);
                 if (message)
                   s->Receive(caller, std::move(*message), std::move(done));
                 else
                   s->Refuse(caller, std::move(message).error(), delivery::MessageIdOf(body),
                             std::move(done));
               });
             });
  router.Add(
      "POST", "/v1/federation/status", api::Access::Roles({Role::kPeer}), [s](api::Request& req) {
        const std::string cert = req.client_cert_sha256;
        return ReceiptRoute(req, [s, &cert](const Caller& caller, const nlohmann::json& body,
                                            FederationService::Done done) {
          auto post = delivery::StatusReportPostFromJson(body);
          if (post) {
            s->ReceiveStatus(caller, cert, std::move(*post), std::move(done));
            return;
          }
          // For the refusal's audit entry; RefuseStatus keeps it only in an id's form.
          std::string message_id;
          if (auto r = body.find("report"); r != body.end() && r->is_object()) {
            auto id = r->find("message_id");
            if (id != r->end() && id->is_string())
              message_id = id->get<std::string>();
          }
          s->RefuseStatus(caller, std::move(post).error(), std::move(message_id), std::move(done));
        });
      });
}

}  // namespace ketenpoort::server
