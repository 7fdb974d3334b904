// One line per event on stderr, key=value, for operators and log shippers.
//
//   // (compiled in examples_test.cpp)
//   log::Info("message_accepted", {{"id", id}, {"org", org}, {"recipients", "3"}});
//   2026-11-22T05:40:01.123Z info message_accepted id=01HX... org=shop-denhaag recipients=3
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

// Lines below this level are dropped. Default kInfo; KETENPOORT_LOG=debug|info|warn|error.
void SetLevel(Level level);

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
