#include "gateway/log/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

#include <nlohmann/json.hpp>

namespace ketenpoort::log {

namespace {

Level InitialLevel() {
  const char* env = std::getenv("KETENPOORT_LOG");
  if (env == nullptr)
    return Level::kInfo;
  std::string_view v(env);
  if (v == "debug")
    return Level::kDebug;
  if (v == "warn")
    return Level::kWarn;
  if (v == "error")
    return Level::kError;
  return Level::kInfo;
}

Format InitialFormat() {
  const char* env = std::getenv("KETENPOORT_LOG_FORMAT");
  return env != nullptr && std::string_view(env) == "json" ? Format::kJson : Format::kText;
}

std::atomic<Level> g_level{InitialLevel()};
std::atomic<Format> g_format{InitialFormat()};
std::mutex g_mutex;

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

void AppendValue(std::string& out, std::string_view v) {
  bool quote = v.empty() || v.find_first_of(" \"=") != std::string_view::npos;
  if (quote)
    out.push_back('"');
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u == 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  if (quote)
    out.push_back('"');
}

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace

void SetLevel(Level level) {
  g_level = level;
}

void SetFormat(Format format) {
  g_format = format;
}

Format GetFormat() {
  return g_format.load();
}

std::string FormatLine(Format format, std::string_view time, Level level, std::string_view event,
                       std::initializer_list<Field> fields) {
  if (format == Format::kJson) {
    nlohmann::ordered_json j;
    j["time"] = time;
    j["level"] = LevelName(level);
    j["event"] = event;
    for (const auto& [k, v] : fields) {
      const bool reserved = k == "time" || k == "level" || k == "event";
      j[reserved ? "field_" + std::string(k) : std::string(k)] = v;
    }
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  std::string line(time);
  line.push_back(' ');
  line += LevelName(level);
  line.push_back(' ');
  AppendValue(line, event);
  for (const auto& [k, v] : fields) {
    line.push_back(' ');
    line += k;
    line.push_back('=');
    AppendValue(line, v);
  }
  line.push_back('\n');
  return line;
}

void Write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (level < g_level.load())
    return;
  const std::string line = FormatLine(g_format.load(), Timestamp(), level, event, fields);
  std::lock_guard lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace ketenpoort::log
