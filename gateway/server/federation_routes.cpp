#include "gateway/server/federation_routes.h"

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
               auto answer = s->Receive(Caller{*req.principal, req.remote_address}, *body);
               if (!answer)
                 return api::Response::FromError(answer.error());
               return api::Response::Json(202, *answer);
             });
}

}  // namespace ketenpoort::server
