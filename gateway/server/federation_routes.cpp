#include "gateway/server/federation_routes.h"

#include <utility>

#include "gateway/federation/receipt.h"
#include "gateway/federation/status_report.h"
#include "gateway/messages/federation_message.h"
#include "gateway/server/pending_response.h"

namespace ketenpoort::server {

void RegisterFederationRoutes(api::Router& router, FederationService& service) {
  FederationService* s = &service;
  router.AddPrincipalCheck([s](const Principal& principal, const api::Request& req) {
    return s->CheckPeerConnection(Caller{principal, req.remote_address}, req.client_cert_sha256);
  });
  router.Add("POST", "/v1/federation/messages", api::Access::Roles({Role::kPeer}),
             [s](api::Request& req) {
               auto body = api::ParseJsonBody(req);
               if (!body)
                 return api::Response::FromError(body.error());
               // Answered when the group commit has the message on disk; no thread waits.
               auto pending = PendingResponse::Create();
               auto done = [pending](Result<delivery::ReceiptAnswer> answer) {
                 pending->Complete(answer ? api::Response::Json(202, delivery::ToJson(*answer))
                                          : api::Response::FromError(answer.error()));
               };
               Caller caller{*req.principal, req.remote_address};
               auto message = delivery::FederationMessageFromJson(*body);
               if (message)
                 s->Receive(caller, std::move(*message), std::move(done));
               else
                 s->Refuse(caller, std::move(message).error(), delivery::MessageIdOf(*body),
                           std::move(done));
               return pending->Later();
             });
  router.Add(
      "POST", "/v1/federation/status", api::Access::Roles({Role::kPeer}), [s](api::Request& req) {
        auto body = api::ParseJsonBody(req);
        if (!body)
          return api::Response::FromError(body.error());
        auto pending = PendingResponse::Create();
        auto done = [pending](Result<delivery::ReceiptAnswer> answer) {
          pending->Complete(answer ? api::Response::Json(202, delivery::ToJson(*answer))
                                   : api::Response::FromError(answer.error()));
        };
        Caller caller{*req.principal, req.remote_address};
        auto post = delivery::StatusReportPostFromJson(*body);
        if (post) {
          s->ReceiveStatus(caller, req.client_cert_sha256, std::move(*post), std::move(done));
        } else {
          std::string message_id;
          auto r = body->find("report");
          if (r != body->end() && r->is_object() && r->contains("message_id")) {
            nlohmann::json probe = nlohmann::json::object();
            probe["id"] = r->at("message_id");
            message_id = delivery::MessageIdOf(probe);  // "" unless of an id's form
          }
          s->RefuseStatus(caller, std::move(post).error(), std::move(message_id), std::move(done));
        }
        return pending->Later();
      });
}

}  // namespace ketenpoort::server
