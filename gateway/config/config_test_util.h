// For tests of config files: the example file a header's top comment shows, so that the
// example in the documentation is the one the test loads.
#pragma once

#include <algorithm>
#include <fstream>
#include <string>

namespace ketenpoort::config::testing {

// The lines of the top comment of `header` (relative to the source tree) from "//   {" to
// "//   }", without their comment prefix.
inline std::string ExampleFileOfHeader(const std::string& header) {
  std::ifstream in(std::string(KP_SOURCE_DIR) + "/" + header);
  std::string line;
  std::string out;
  bool inside = false;
  while (std::getline(in, line) && line.rfind("//", 0) == 0) {
    if (line == "//   {")
      inside = true;
    if (inside)
      out += line.substr(std::min<std::size_t>(line.size(), 5)) + "\n";
    if (inside && line == "//   }")
      break;
  }
  return out;
}

}  // namespace ketenpoort::config::testing
