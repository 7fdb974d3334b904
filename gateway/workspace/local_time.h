// Times as staff in the Netherlands read them: Dutch local time (Europe/Amsterdam), with the
// month as a word, in Dutch or English. The gateway answers in UTC (RFC 3339); the pages show
// these.
//
//   // (compiled in examples_test.cpp)
//   LocalTimeText(Lang::kNl, "2026-12-03T13:05:00Z")     // "3 december 2026 14:05" (CET)
//   LocalTimeText(Lang::kEn, "2026-07-01T08:00:00.000Z") // "1 July 2026 10:00" (CEST)
//   DateText(Lang::kNl, "2026-03-29")                    // "29 maart 2026"
//   ParseUtcTime("2026-12-03T13:05:00Z")                 // milliseconds since the epoch
//   UtcText(*LocalDayStart("2026-12-03"))                // "2026-12-02T23:00:00Z"
//
// Contract: Europe/Amsterdam's rules since 1996 (CET, UTC+1; CEST, UTC+2 from the last Sunday
// of March 01:00 UTC to the last Sunday of October 01:00 UTC), computed here because GCC 12's
// library has no time zone database and setting TZ is not thread-safe. Text that is not a
// time (or a date) is returned as it is, so a page never loses a value. Pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/api/html_page.h"

namespace ketenpoort::workspace {

// "YYYY-MM-DDTHH:MM:SS[.fff]Z" (or an offset "+HH:MM") -> ms since the epoch; nullopt else.
std::optional<std::int64_t> ParseUtcTime(std::string_view text);

// The offset of Dutch local time from UTC at `utc_ms`, in minutes (60 or 120).
int AmsterdamOffsetMinutes(std::int64_t utc_ms);

// ms since the epoch as RFC 3339 UTC: "2026-12-03T13:05:00Z" (whole seconds).
std::string UtcText(std::int64_t utc_ms);

// The moment a Dutch calendar day ("2026-12-03") begins, as ms since the epoch; nullopt for
// text that is not a date.
std::optional<std::int64_t> LocalDayStart(std::string_view yyyy_mm_dd);
// The moment the day after it begins (the day's end, exclusive).
std::optional<std::int64_t> LocalDayEnd(std::string_view yyyy_mm_dd);

// "3 december 2026 14:05" / "3 December 2026 14:05".
std::string LocalTime(api::Lang lang, std::int64_t utc_ms);
std::string LocalTimeText(api::Lang lang, std::string_view rfc3339);
// A date without a time ("2026-03-29") as "29 maart 2026" / "29 March 2026".
std::string DateText(api::Lang lang, std::string_view yyyy_mm_dd);

}  // namespace ketenpoort::workspace
