// The HTTP route of the receiving half of federation (federation_service.h):
//
//   POST /v1/federation/messages   peer   202 {"receipt": {...}, "certificate": "PEM"}
//
//   // (compiled in examples_test.cpp)
//   RegisterFederationRoutes(router, *service);   // `service` must outlive the router's use
//
// Only tokens of role peer (`ketenpoort token issue --role peer --org PEER_GATEWAY_ID
// --gateway-url URL --cert PEM`) may call it; an organisation's token is 403 forbidden.
//
// RegisterFederationRoutes also adds the router's principal check for peer tokens
// (FederationService::CheckPeerConnection): on every route, whatever its roles (this one, the
// audit proofs, the checkpoint, the directory), a peer token is 403 peer_certificate_mismatch
// unless the connection presented the client certificate the token was issued for, so the
// listener needs mutual TLS (listen.client_ca) for peers to reach it at all.
#pragma once

#include "gateway/api/router.h"
#include "gateway/federation/federation_service.h"

namespace ketenpoort::server {

void RegisterFederationRoutes(api::Router& router, FederationService& service);

}  // namespace ketenpoort::server
