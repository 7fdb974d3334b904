// One line per event on stderr, key=value, for operators and log shippers.
//
//   // (compiled in examples_test.cpp)
//   log::Info("message_accepted", {{"id", id}, {"org", org}, {"recipients", "3"}});
//   2026-11-22T05:40:01.123Z info message_accepted id=01HX... org=shop-denhaag recipients=3
//
// With KETENPOORT_LOG_FORMAT=json (or SetFormat(Format::kJson)) each line is one JSON object
// with the same fields, in the same order, for log shippers:
//   {"time":"2026-11-22T05:40:01.123Z","level":"info","event":"message_accepted",
//    "id":"01HX...","org":"shop-denhaag","recipients":"3"}
// A field named time, level or event is written as field_time, field_level or field_event.
// Invalid UTF-8 in a value is replaced (U+FFFD), so every line is valid JSON.
//
// Contract: callers pass ids, organisation ids, counts, codes and file names only: never a
// token, a key, a payload, a subject line, an e-mail address, a phone number or a name. Values
// are quoted when they contain spaces, and control characters are escaped, so one event is
// always exactly one line. Safe to call from any thread.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace ketenpoort::log {

using Field = std::pair<std::string_view, std::string>;

enum class Level { kDebug, kInfo, kWarn, kError };

enum class Format { kText, kJson };

// Lines below this level are dropped. Default kInfo; KETENPOORT_LOG=debug|info|warn|error.
void SetLevel(Level level);
// Default kText; KETENPOORT_LOG_FORMAT=json|text.
void SetFormat(Format format);
Format GetFormat();

// The line Write writes (with its newline) for an event at time `time` (RFC 3339 UTC).
std::string FormatLine(Format format, std::string_view time, Level level, std::string_view event,
                       std::initializer_list<Field> fields);

void Write(Level level, std::string_view event, std::initializer_list<Field> fields);
inline void Debug(std::string_view e, std::initializer_list<Field> f = {}) {
  Write(Level::kDebug, e, f);
}
inline void Info(std::string_view e, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, e, f);
}
inline void Warn(std::string_view e, std::initializer_list<Field> f = {}) {
  Write(Level::kWarn, e, f);
}
inline void Error(std::string_view e, std::initializer_list<Field> f = {}) {
  Write(Level::kError, e, f);
}

}  // namespace ketenpoort::log
