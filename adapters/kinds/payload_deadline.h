// The deadline a message's payload sets, read on the sender's side before sealing (the gateway
// cannot read the payload): a kind whose case counts from a date in its payload
// (KindSpec::deadline_start_field, a b8's "reflection_start") gets the deadline its rule gives
// for that date. `ketenpoort send` and the workspace's compose page both send it in the header.
//
//   // (compiled in examples_test.cpp)
//   PayloadDeadline("b8", json::parse(R"({"step":"reflection_offered",
//                                          "reflection_start":"2026-12-01","client_ref":"c-1"})"),
//                   {})                                   // "2027-03-01T00:00:00.000Z"
//   PayloadDeadline("signal", payload, {})                // "": the kind counts from nothing
//
// Contract: "" when the kind is unknown, has no deadline_start_field or rule, or the payload
// (any JSON) does not give the date as a string; else the rule's deadline, as RFC 3339 UTC with
// milliseconds, counted from the date's midnight UTC. `kind_settings` is gateway.json's `kinds`
// (the workspace, which has none, passes {}: the kinds' defaults). A date that is not a real
// YYYY-MM-DD: 400 invalid_time naming the field; settings the kind refuses: their error.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/core/error.h"

namespace ketenpoort::kinds {

Result<std::string> PayloadDeadline(
    std::string_view kind, const nlohmann::json& payload,
    const std::map<std::string, nlohmann::json, std::less<>>& kind_settings);

}  // namespace ketenpoort::kinds
