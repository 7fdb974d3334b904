// The API's own description: GET /v1/openapi.json answers the OpenAPI 3.1 document of every
// route the gateway serves, compiled into the binary from gateway/server/openapi.json, so the
// description a client reads is always the one of the binary it talks to.
//
//   GET /v1/openapi.json     anyone     200 application/json, the document byte for byte
//
// tests/integration/openapi_test.cpp keeps the document true: every registered route is in it,
// and every answer of a real gateway to those routes is one it declares.
#pragma once

#include "gateway/api/router.h"

namespace ketenpoort::server {

void RegisterOpenApiRoutes(api::Router& router);

}  // namespace ketenpoort::server
