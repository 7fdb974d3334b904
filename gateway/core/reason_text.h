// Why someone did something, in their own words: a status change's reason, an operator's reason
// to retry or drop an outbox item or to clear a peer's fork. It is recorded in tracking and
// the audit, so it is short, one line of text, and never carries content or names (people are
// told so; the gateway cannot check that part).
//
//   // (compiled in examples_test.cpp)
//   CheckReasonText("peer token reissued", "--reason", /*required=*/true)   // Ok
//   CheckReasonText("", "--reason", /*required=*/true)      // 400 invalid_reason, "--reason"
//   CheckReasonText("", "reason", /*required=*/false)       // Ok: none given
//   CheckReasonText("a\nb", "reason", false)                // 400 invalid_reason
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "gateway/core/error.h"

namespace ketenpoort {

inline constexpr std::size_t kMaxReasonBytes = 500;

// Ok for 1..kMaxReasonBytes bytes without control characters (or none at all when not
// `required`); else 400 invalid_reason naming `field`.
Status CheckReasonText(std::string_view text, const std::string& field, bool required);

}  // namespace ketenpoort
