// Reading a request's query parameters, for route handlers: the HTTP layer turns them into
// typed values before it calls a service, so no service sees a query string.
//
//   // (compiled in examples_test.cpp)
//   // GET /v1/inbox?after=41&limit=
//   QueryValue(req, "after")                                  -> "41"
//   QueryValue(req, "missing")                                -> ""
//   QueryInteger(req, "after", 0, 0, INT64_MAX)               -> 41
//   QueryInteger(req, "limit", 100, 1, 500)                   -> 100 (empty: the fallback)
//   // GET /v1/inbox?limit=9999
//   QueryInteger(req, "limit", 100, 1, 500)  -> 400 invalid_query, field "limit",
//                                               "must be a whole number from 1 to 500"
#pragma once

#include <cstdint>
#include <string>

#include "gateway/api/http_types.h"
#include "gateway/core/error.h"

namespace ketenpoort::api {

// The decoded value of query parameter `name`; "" when absent.
std::string QueryValue(const Request& request, const std::string& name);

// The whole number (decimal digits, optional '-') in query parameter `name`, from `min` to
// `max`; `fallback` when the parameter is absent or empty. Anything else: kInvalidArgument
// "invalid_query" naming the parameter in `field`, never echoing the value.
Result<std::int64_t> QueryInteger(const Request& request, const std::string& name,
                                  std::int64_t fallback, std::int64_t min, std::int64_t max);

}  // namespace ketenpoort::api
