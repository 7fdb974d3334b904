// Command-line flags for one `ketenpoort` subcommand.
//
//   // (compiled in examples_test.cpp)
//   Flags flags("init", "Creates a deployment in DIR.", {
//       {"dir", "DIR", "folder to create the deployment in", Flag::kRequired},
//       {"demo", "", "add the demo organisations, keys and tokens"},
//       {"port", "N", "HTTPS port (default 8443)"},
//   });
//   auto parsed = flags.Parse(argc, argv);   // after the subcommand: --dir d --demo --port=9443
//   if (!parsed) -> error "unknown option '--colour'" / "--dir needs a value" / "--dir is required"
//   parsed->Get("dir"), parsed->Has("demo"), parsed->GetAll("port")   // "d", true, {"9443"}
//
// `--help` anywhere makes Parse return a result with help_requested() set; Usage() is the text.
// Values are given as `--name VALUE` or `--name=VALUE`. Positional arguments are refused unless
// the command declares them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/error.h"

namespace ketenpoort::cli {

struct Flag {
  enum Kind { kOptional = 0, kRequired = 1, kRepeatable = 2 };
  std::string name;
  std::string value_name;  // empty: a switch that takes no value
  std::string help;
  int kind = kOptional;
};

class ParsedFlags {
 public:
  bool help_requested() const { return help_; }
  bool Has(const std::string& name) const { return values_.contains(name); }
  // The value of a flag given once; empty when absent.
  std::string Get(const std::string& name) const;
  std::vector<std::string> GetAll(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend class Flags;
  bool help_ = false;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

class Flags {
 public:
  Flags(std::string command, std::string summary, std::vector<Flag> flags,
        std::string positional_name = {});

  Result<ParsedFlags> Parse(int argc, char** argv) const;
  std::string Usage() const;

 private:
  const Flag* Find(const std::string& name) const;

  std::string command_;
  std::string summary_;
  std::vector<Flag> flags_;
  std::string positional_name_;
};

}  // namespace ketenpoort::cli
