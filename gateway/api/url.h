// Percent-decoding of request targets (RFC 3986): the path as decoded segments, the query as
// a map of decoded names to decoded values.
//
//   // (compiled in examples_test.cpp)
//   SplitPath("/v1/messages/01HX%2D7/status")  -> {"v1", "messages", "01HX-7", "status"}
//   SplitPath("/v1/%2E%2E/audit")               -> Error{kInvalidArgument, "invalid_path"}
//   ParseQuery("after=c%3D1&limit=10")          -> {{"after", "c=1"}, {"limit", "10"}}
//   ParseQuery("limit=1&limit=2")               -> Error{kInvalidArgument,
//   "duplicate_query_parameter"}
//   PercentEncode("notulen één.odt")            -> "notulen%20%C3%A9%C3%A9n.odt"
//
// Contract: a path must start with '/'; "/" has no segments; empty segments are kept ("/a/"
// is {"a", ""}) so that a trailing slash never aliases another route. A segment that is "." or
// ".." (before or after decoding), a malformed escape ("%4", "%zz") and a decoded NUL byte are
// errors. In a query, '+' means space, a name without '=' has the value "", a name may appear
// only once and may not be empty. Errors never echo the input. PercentEncode writes every byte
// but RFC 3986's unreserved characters (letters, digits, '-', '.', '_', '~') as %XX (upper-case
// hex): safe in a path segment, a query or form value and RFC 5987's filename*.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/error.h"

namespace ketenpoort::api {

// Decodes %XX escapes; with `plus_is_space`, '+' becomes ' ' (form encoding, queries only).
// Error (code "invalid_escape") on a malformed escape or a decoded NUL byte.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space = false);

// The decoded segments of `path` (the request target's path, still encoded, without query).
Result<std::vector<std::string>> SplitPath(std::string_view path);

// The decoded parameters of `query` (the part after '?', without the '?').
Result<std::map<std::string, std::string>> ParseQuery(std::string_view query);

// As ParseQuery, but a name may appear more than once (a form's group of checkboxes): each
// name's values in the order given.
Result<std::map<std::string, std::vector<std::string>>> ParseQueryLists(std::string_view query);

std::string PercentEncode(std::string_view text);

}  // namespace ketenpoort::api
