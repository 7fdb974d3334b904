// The HTTP route of the receiving half of federation (federation_service.h):
//
//   POST /v1/federation/messages   peer   202 {"receipt": {...}, "certificate": "PEM"}
//
//   RegisterFederationRoutes(router, *service);   // `service` must outlive the router's use
//
// Only tokens of role peer (`ketenpoort token issue --role peer --org PEER_GATEWAY_ID`) may
// call it; an organisation's token is 403 forbidden. The listener's mutual TLS (listen.
// client_ca) makes the peer present its gateway certificate as well.
#pragma once

#include "gateway/api/router.h"
#include "gateway/server/federation_service.h"

namespace ketenpoort::server {

void RegisterFederationRoutes(api::Router& router, FederationService& service);

}  // namespace ketenpoort::server
