// The HTTP routes of the message API (docs/API.md), registered on a Router; each turns a
// Request into a MessageService call and its result into a Response.
//
//   POST /v1/messages                  sender      202 {"id","status":"accepted","recipients"}
//   GET  /v1/inbox?after=&limit=       recipient   200 {"messages":[...],"next":"CURSOR"}
//   GET  /v1/messages/{id}             sender or recipient   header + "payload"
//   POST /v1/messages/{id}/status      recipient, or the sender where the kind lets it (b8)
//                                                  200 {"id","org","state","time"}
//   GET  /v1/messages/{id}/tracking    sender      200 per recipient, every state with its time
//   POST /v1/messages/{id}/recall      sender      200 {"id","status":"recalled"}
//
//   // (compiled in examples_test.cpp)
//   RegisterMessageRoutes(router, *service, kinds);   // both must outlive the router's use
//
// With `securemail` given, a submission of a kind whose audience is e-mail addresses
// (KindAudience::kEmailAddresses in the registry: securemail) and the tracking of such a
// message go to it (securemail_service.h); everything else stays with `service`.
#pragma once

#include "gateway/api/router.h"
#include "gateway/core/kind_registry.h"
#include "gateway/messages/message_service.h"

namespace ketenpoort::server {

class SecureMailService;

void RegisterMessageRoutes(api::Router& router, MessageService& service, const KindRegistry& kinds,
                           SecureMailService* securemail = nullptr);

}  // namespace ketenpoort::server
