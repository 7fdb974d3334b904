#include "gateway/server/federation_routes.h"

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
               s->Receive(Caller{*req.principal, req.remote_address}, *body,
                          [pending](Result<nlohmann::json> answer) {
                            pending->Complete(answer ? api::Response::Json(202, *answer)
                                                     : api::Response::FromError(answer.error()));
                          });
               return pending->Later();
             });
}

}  // namespace ketenpoort::server
