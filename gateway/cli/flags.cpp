#include "gateway/cli/flags.h"

namespace ketenpoort::cli {

std::string ParsedFlags::Get(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() || it->second.empty() ? std::string() : it->second.back();
}

std::vector<std::string> ParsedFlags::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>() : it->second;
}

Flags::Flags(std::string command, std::string summary, std::vector<Flag> flags,
             std::string positional_name)
    : command_(std::move(command)),
      summary_(std::move(summary)),
      flags_(std::move(flags)),
      positional_name_(std::move(positional_name)) {}

const Flag* Flags::Find(const std::string& name) const {
  for (const Flag& f : flags_) {
    if (f.name == name)
      return &f;
  }
  return nullptr;
}

Result<ParsedFlags> Flags::Parse(int argc, char** argv) const {
  ParsedFlags out;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      out.help_ = true;
      return out;
    }
    if (arg.rfind("--", 0) != 0) {
      if (positional_name_.empty()) {
        return InvalidArgument("unexpected_argument", "unexpected argument '" + arg + "'");
      }
      out.positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const Flag* flag = Find(name);
    if (flag == nullptr)
      return InvalidArgument("unknown_option", "unknown option '--" + name + "'");
    if (flag->value_name.empty()) {
      if (value)
        return InvalidArgument("unexpected_value", "--" + name + " takes no value");
      out.values_[name].push_back("");
      continue;
    }
    if (!value) {
      if (i + 1 >= argc)
        return InvalidArgument("missing_value", "--" + name + " needs a value");
      value = argv[++i];
    }
    auto& slot = out.values_[name];
    if (!slot.empty() && !(flag->kind & Flag::kRepeatable)) {
      return InvalidArgument("repeated_option", "--" + name + " is given more than once");
    }
    slot.push_back(*value);
  }
  for (const Flag& f : flags_) {
    if ((f.kind & Flag::kRequired) && !out.Has(f.name)) {
      return InvalidArgument("missing_option", "--" + f.name + " is required");
    }
  }
  return out;
}

std::string Flags::Usage() const {
  std::string s = "usage: ketenpoort " + command_;
  for (const Flag& f : flags_) {
    std::string part = "--" + f.name + (f.value_name.empty() ? "" : " " + f.value_name);
    if (f.kind & Flag::kRepeatable)
      part += "...";
    s += (f.kind & Flag::kRequired) ? " " + part : " [" + part + "]";
  }
  if (!positional_name_.empty())
    s += " " + positional_name_;
  s += "\n\n" + summary_ + "\n\noptions:\n";
  for (const Flag& f : flags_) {
    std::string left = "  --" + f.name + (f.value_name.empty() ? "" : " " + f.value_name);
    if (left.size() < 24)
      left.resize(24, ' ');
    s += left + " " + f.help + "\n";
  }
  s += "  --help                 show this help\n";
  return s;
}

}  // namespace ketenpoort::cli
