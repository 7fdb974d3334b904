// What a browser's request carries besides the route and the query: a cookie and a posted form
// (the secure-mail portal's session cookie and its forms, server/securemail_routes.cpp). Both
// come from anyone on the internet, so both are total: any bytes give a value or an error
// value, never an exception. Like the query (query.h), they are read here, in the HTTP layer,
// and reach a service only as typed values.
//
//   // (compiled in examples_test.cpp)
//   CookieValue(req, "kp_portal")   // "Cookie: a=1; kp_portal=s3cr3t" -> "s3cr3t"; absent -> ""
//   auto form = FormFields(req);    // "Content-Type: application/x-www-form-urlencoded",
//                                   // body "csrf=abc&code=123456" -> {{"code", "123456"},
//                                   //                                  {"csrf", "abc"}}
//
// Contract: CookieValue takes the first "NAME=value" pair of the Cookie header (pairs split at
// ';', HTTP whitespace trimmed around each) and returns the value as sent, without decoding;
// "NAME" without '=' or with an empty value counts as absent. FormFields refuses a
// Content-Type that does not start with application/x-www-form-urlencoded (400
// unsupported_media_type, field "Content-Type") and otherwise decodes the body as
// ParseQuery does ('+' is a space; a repeated or empty name, a bad escape or a NUL is 400).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/api/http_types.h"
#include "gateway/core/error.h"

namespace ketenpoort::api {

std::string CookieValue(const Request& req, std::string_view name);

Result<std::map<std::string, std::string>> FormFields(const Request& req);

// As FormFields, but a name may repeat (a group of checkboxes): each name's values in order.
Result<std::map<std::string, std::vector<std::string>>> FormFieldLists(const Request& req);

}  // namespace ketenpoort::api
