// Audit timestamps: integer milliseconds since the Unix epoch (UTC), shown as RFC 3339 UTC
// with exactly three fractional digits and a "Z" — the one text form the audit trail writes
// and reads, so a time survives a JSON round trip bit for bit.
//
//   // (compiled in examples_test.cpp)
//   FormatTime(1795326001123)                  == "2026-11-22T05:40:01.123Z"
//   ParseTime("2026-11-22T05:40:01.123Z")      -> 1795326001123
//   ParseTime("2026-11-22T05:40:01Z")          -> Error{kInvalidArgument, "invalid_time"}
//
// Contract: the accepted range is 1970-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z
// (0 .. kMaxTimeMs). ParseTime accepts exactly "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 characters,
// upper-case T and Z, a real calendar date, no leap second); anything else is an error whose
// field is empty (the caller names it). FormatTime requires a value in range.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/error.h"

namespace ketenpoort::audit {

inline constexpr std::int64_t kMaxTimeMs = 253402300799999;  // 9999-12-31T23:59:59.999Z

std::string FormatTime(std::int64_t unix_ms);
Result<std::int64_t> ParseTime(std::string_view text);

// What people and clients type: the strict form above, or without the milliseconds
// ("2026-12-01T12:00:00Z"), or a date alone ("2026-12-01", midnight UTC). An error is
// kInvalidArgument "invalid_time" naming `field` (a JSON field, a query parameter, a flag).
Result<std::int64_t> ParseUserTime(std::string_view text, std::string_view field);

}  // namespace ketenpoort::audit
